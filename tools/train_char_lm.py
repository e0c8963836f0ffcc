"""Train a character model of Python like the one lesson 6 ships, on this Python's standard library.

python tools/train_char_lm.py     # 512 units, 10,000 steps of 128 x 128 characters

(77 minutes on 2 CPU cores with bfloat16, a few minutes on a GPU.) It writes ``char_lm.pt``
in the working directory unless ``--out`` says otherwise; it never replaces the model the
course ships (``lstm_course/checkpoints/char_lm_stdlib.pt``) unless asked with
``--out lstm_course/checkpoints/char_lm_stdlib.pt --overwrite-shipped``, and it writes over
an existing file only if that is a character-model checkpoint of the course. The lesson
trains a smaller model itself for a short while; this larger, longer-trained one knows Python
better and its memories are easier to read. The checkpoint records how it was made: the
sizes, steps, batch, seed, seconds, device, the Python whose standard library it read, the
files it trained on and those it held out (by path inside the library), and its bits per
character on the held-out files before and after its weights were rounded to float16 for
shipping. It loads with ``torch.load(..., weights_only=True)`` (``CharLM.load``).

Every option and ``--out`` are checked before any work: a mistake is one line on stderr and
exit status 2; Ctrl-C is one line and 130.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import torch

from lstm_course import charlm, corpus
from lstm_course.charlm import SHIPPED_CHECKPOINT, CharLM, CharLMConfig
from lstm_course.files import CheckpointError, OutputPathError, check_output_path, one_line
from lstm_course.runtime import (
    default_device,
    describe,
    native_bfloat16,
    require_bfloat16,
    set_seed,
)

#: Where the model goes without ``--out``: a new file in the working directory.
DEFAULT_OUT = "char_lm.pt"
#: The largest seed PyTorch's generators take (an unsigned 64-bit number).
MAX_SEED = 2**64 - 1


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="train_char_lm.py", description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=10_000)
    p.add_argument("--batch-size", type=int, default=128, help="streams read side by side")
    p.add_argument("--seq-len", type=int, default=128, help="characters per stream per step")
    p.add_argument("--hidden-size", type=int, default=512)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument(
        "--dropout",
        type=float,
        default=0.0,
        help="on the LSTM's outputs, in training (0.2 measured no better: 1.634 vs 1.631 bpc)",
    )
    p.add_argument(
        "--precision",
        choices=["auto", "float32", "bfloat16"],
        default="auto",
        help="bfloat16 mixed precision; auto: where the CPU computes bfloat16 natively",
    )
    p.add_argument("--seed", type=int, default=0, help="0 to 2**64 - 1 (default 0)")
    p.add_argument(
        "--out",
        default=DEFAULT_OUT,
        help=f"where to write the checkpoint (default: {DEFAULT_OUT} in the working directory)",
    )
    p.add_argument(
        "--overwrite-shipped",
        action="store_true",
        help="allow --out to be the model the course ships (for the course's maintainers)",
    )
    return p


def checked_options(args: argparse.Namespace) -> Path:
    """Every option checked before anything is read or trained, so a mistake costs a second,
    not 77 minutes; returns where the checkpoint goes."""
    for option, value in (
        ("--steps", args.steps),
        ("--batch-size", args.batch_size),
        ("--seq-len", args.seq_len),
        ("--hidden-size", args.hidden_size),
    ):
        if value < 1:
            raise ValueError(f"{option} must be at least 1, got {value}")
    if not (math.isfinite(args.lr) and args.lr > 0):
        raise ValueError(f"--lr must be a finite number above 0, got {args.lr}")
    if not (math.isfinite(args.dropout) and 0 <= args.dropout < 1):
        raise ValueError(f"--dropout must be at least 0 and below 1, got {args.dropout}")
    if not 0 <= args.seed <= MAX_SEED:
        raise ValueError(f"--seed must be between 0 and 2**64 - 1, got {args.seed}")
    if args.precision == "bfloat16":
        require_bfloat16(default_device())
    out = check_output_path(args.out, replaces=charlm.CHECKPOINT_FORMAT)
    if _is_shipped(out) and not args.overwrite_shipped:
        raise OutputPathError(
            f"refusing to write {out}: it is the model the course ships (lesson 6 loads it); "
            "give another --out, or add --overwrite-shipped to replace it on purpose"
        )
    return out


def _is_shipped(path: Path) -> bool:
    """Whether ``path`` is the shipped checkpoint, by any name (``..``, a hard link)."""
    try:
        return os.path.samefile(path, SHIPPED_CHECKPOINT)
    except OSError:  # one of them does not exist
        return path.resolve() == SHIPPED_CHECKPOINT.resolve()


def train_and_save(args: argparse.Namespace, out: Path) -> None:
    """Read the library, train, measure, round to float16 and save to ``out``."""
    set_seed(args.seed)
    device = default_device()
    auto = args.precision == "auto"
    bfloat16 = native_bfloat16(device) if auto else args.precision == "bfloat16"
    train_files, held_out = corpus.split_files(corpus.stdlib_files())
    vocab = charlm.char_vocab()
    train_ids = charlm.encode_text(corpus.read_text(train_files), vocab)
    held_ids = charlm.encode_text(corpus.read_text(held_out), vocab)
    print(
        f"Python {platform.python_version()}, {describe(device)}, "
        f"{'bfloat16 mixed' if bfloat16 else 'float32'}: {len(train_files)} training "
        f"files ({len(train_ids):,} characters), {len(held_out)} held out ({len(held_ids):,})",
        flush=True,
    )
    config = CharLMConfig(hidden_size=args.hidden_size, dropout=args.dropout)
    model = CharLM(vocab, config).to(device)
    start = time.perf_counter()
    # charlm.train_char_lm, looked up now: a test may stand in for it
    losses = charlm.train_char_lm(
        model,
        train_ids,
        steps=args.steps,
        batch_size=args.batch_size,
        seq_len=args.seq_len,
        lr=args.lr,
        bfloat16=bfloat16,
    )
    seconds = time.perf_counter() - start
    bpc_float32 = charlm.bits_per_character(model, held_ids)
    print(f"{args.steps} steps in {seconds / 60:.1f} min; held-out bpc {bpc_float32:.4f}")
    model.half().float()  # round to float16 precision: what is stored is what was measured
    bpc = charlm.bits_per_character(model, held_ids)
    model.half()
    last = losses[-100:]
    model.save(
        out,
        steps=args.steps,
        batch_size=args.batch_size,
        seq_len=args.seq_len,
        lr=args.lr,
        precision="bfloat16 mixed" if bfloat16 else "float32",
        seed=args.seed,
        seconds=round(seconds),
        device=describe(device),
        python=platform.python_version(),
        torch=str(torch.__version__),
        train_characters=len(train_ids),
        train_files=train_files,
        held_out_files=held_out,
        held_out_bpc_float32=round(bpc_float32, 4),
        held_out_bpc=round(bpc, 4),
        final_train_bpc=round(sum(last) / len(last), 4) if last else None,
    )
    print(f"held-out bpc after rounding to float16: {bpc:.4f}; wrote {out}")


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: 0 when the model is saved, 2 for a mistake in its use (one line on
    stderr, found before any work where it can be), 130 on Ctrl-C."""
    args = _parser().parse_args(argv)
    out = None
    try:
        out = checked_options(args)
        train_and_save(args, out)
    except KeyboardInterrupt:
        kept = f"; {out} is unchanged" if out is not None and out.exists() else ""
        print(f"interrupted; nothing was saved{kept}", file=sys.stderr)
        return 130
    except (CheckpointError, ValueError, TypeError, OSError) as e:
        print(f"error: {one_line(e, limit=1000)}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
