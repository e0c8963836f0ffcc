"""The tagger's command line: ``lstm-tagger train | evaluate | tag`` (or ``python -m
lstm_course.tagger ...``, the same program).

A program apart from the model, as minGPT keeps its scripts apart from ``model.py``: the
model (:mod:`lstm_course.tagger`) knows nothing of options, files given by a user or exit
statuses, and training (:mod:`lstm_course.training`) imports the model, so a command line
inside the model's module would have to import training back: an import circle.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path

from lstm_course import tagger, training
from lstm_course.data import ConlluError, read_conllu
from lstm_course.files import CheckpointError, check_output_path, one_line
from lstm_course.runtime import default_device, require_bfloat16
from lstm_course.tagger import LSTMTagger

#: How the README and lesson 4 run the program; the console script calls itself ``lstm-tagger``.
MODULE_PROG = "python -m lstm_course.tagger"
SCRIPT_PROG = "lstm-tagger"

#: The largest seed PyTorch's generators take (an unsigned 64-bit number).
MAX_SEED = 2**64 - 1


class _Parser(argparse.ArgumentParser):
    """argparse, with a hint where its own message leaves a learner stuck."""

    def error(self, message: str):  # type: ignore[override]
        if "required: text" in message:
            # `tag m.pt -x`: argparse took the text for an option and says it is missing
            message += (
                "; text that starts with '-' goes after '--', e.g. "
                f"{self.prog} m.pt -- '-x is a word'"
            )
        super().error(message)


def _parser(prog: str = MODULE_PROG) -> argparse.ArgumentParser:
    p = _Parser(prog=prog, description=tagger.__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train a tagger on a CoNLL-U file, keeping the best on dev")
    t.add_argument("--train", required=True, type=Path, help="training CoNLL-U file")
    t.add_argument("--dev", required=True, type=Path, help="development CoNLL-U file")
    t.add_argument("--out", required=True, help="where to write the checkpoint")
    t.add_argument("--minutes", type=float, default=10.0, help="wall-clock budget (default 10)")
    t.add_argument("--epochs", type=int, default=None, help="stop after this many epochs")
    t.add_argument("--seed", type=int, default=0, help="0 to 2**64 - 1 (default 0)")
    t.add_argument("--batch-size", type=int, default=None, help="default 64")
    t.add_argument(
        "--precision",
        choices=("auto", "float32", "bfloat16"),
        default="auto",
        help="auto: bfloat16 mixed precision for an LSTM where the CPU computes bfloat16 "
        "natively, else float32",
    )
    e = sub.add_parser("evaluate", help="print the UPOS accuracy of a checkpoint on a CoNLL-U file")
    e.add_argument("model", type=Path)
    e.add_argument("file", type=Path)
    g = sub.add_parser("tag", help="tag a sentence of raw text")
    g.add_argument("model", type=Path)
    g.add_argument("text")
    return p


def _checked_training_options(args: argparse.Namespace) -> Path:
    """Every ``train`` option checked before anything is read or trained, so a mistake
    costs a second, not an epoch; returns where the checkpoint goes."""
    if not (math.isfinite(args.minutes) and args.minutes > 0):
        raise ValueError(f"--minutes must be a finite number above 0, got {args.minutes}")
    if args.epochs is not None and args.epochs < 1:
        raise ValueError(f"--epochs must be at least 1, got {args.epochs}")
    if args.batch_size is not None and args.batch_size < 1:
        raise ValueError(f"--batch-size must be at least 1, got {args.batch_size}")
    if not 0 <= args.seed <= MAX_SEED:
        raise ValueError(f"--seed must be between 0 and 2**64 - 1, got {args.seed}")
    if args.precision == "bfloat16":
        require_bfloat16(default_device())
    for option, f in (("--train", args.train), ("--dev", args.dev)):
        _check_input_file(f, option)
    return check_output_path(
        args.out, inputs=(args.train, args.dev), replaces=tagger.CHECKPOINT_FORMAT
    )


def _check_input_file(path: Path, option: str) -> None:
    """A ``FileNotFoundError`` that says what ``path`` is, if it is not a file to read."""
    if path.is_dir():
        raise FileNotFoundError(f"{path} ({option}) is a folder; give a CoNLL-U file in it")
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path} ({option})")


def _read_sentences(path: Path, option: str) -> list:
    """The sentences of ``path``; a file with none (only comments, say) names itself."""
    sentences = read_conllu(path)
    if not sentences:
        raise ValueError(f"{path} ({option}) has no sentences: only comments or blank lines")
    return sentences


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    """The command line. A mistake in its use (a bad option, a missing or malformed file,
    an output that cannot be written) is one line on stderr and exit status 2; Ctrl-C is
    one line and 130, the shell's status for an interrupted command."""
    if prog is None:
        prog = SCRIPT_PROG if Path(sys.argv[0]).name == SCRIPT_PROG else MODULE_PROG
    args = _parser(prog).parse_args(argv)
    out = None
    try:
        if args.command == "train":
            out = _checked_training_options(args)
            train_sents = _read_sentences(args.train, "--train")
            dev_sents = _read_sentences(args.dev, "--dev")
            # training.train, looked up now: a test may stand in for it
            result = training.train(
                train_sents,
                dev_sents,
                minutes=args.minutes,
                epochs=args.epochs,
                seed=args.seed,
                **({"batch_size": args.batch_size} if args.batch_size is not None else {}),
                bfloat16={"auto": None, "float32": False, "bfloat16": True}[args.precision],
                checkpoint=out,
            )
            best = 100 * result.best_dev_accuracy
            print(f"best dev accuracy {best:.2f}% (epoch {result.best_epoch}); saved {out}")
        elif args.command == "evaluate":
            model = LSTMTagger.load(args.model)
            _check_input_file(args.file, "the file to evaluate on")
            report = training.evaluate(model, _read_sentences(args.file, "the file"))
            percent = 100 * report.accuracy
            print(f"UPOS accuracy: {percent:.2f}% ({report.correct} of {report.total} words)")
        else:
            model = LSTMTagger.load(args.model)
            for word, tag in model.tag(args.text):
                print(f"{word}\t{tag}")
    except KeyboardInterrupt:
        if out is None:
            print("interrupted", file=sys.stderr)
        elif out.is_file():
            print(f"interrupted; the last saved checkpoint is intact: {out}", file=sys.stderr)
        else:
            print("interrupted before the first epoch ended; nothing was saved", file=sys.stderr)
        return 130
    except (ConlluError, CheckpointError, ValueError, TypeError, OSError) as e:
        print(f"error: {one_line(e, limit=1000)}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
