"""The tagger's command line and train() against bad input: every mistake is one line and
exit status 2, found before any training; the tag set is the 17 universal tags."""

import math
import os

import pytest
import torch

from conftest import conllu_text
from lstm_course import training
from lstm_course.data import UPOS_TAGS, TaggedSentence, read_conllu
from lstm_course.tagger import CheckpointError, LSTMTagger, TaggerConfig, TaggerVocabs
from lstm_course.tagger_cli import main
from lstm_course.training import evaluate, train

SMALL = TaggerConfig(
    word_dim=8, hidden_dim=8, num_layers=1, char_dim=4, char_filters=4, dropout=0.0, min_freq=1
)


@pytest.fixture
def no_training(monkeypatch):
    """Fail the test if the command line starts training: its checks must come first."""

    def must_not_train(*args, **kwargs):
        raise AssertionError("training started before the options were checked")

    monkeypatch.setattr(training, "train", must_not_train)


def _train_argv(train_file, dev_file, out, *options):
    return [
        "train",
        "--train",
        str(train_file),
        "--dev",
        str(dev_file),
        "--out",
        str(out),
        *options,
    ]


def _one_error_line(capsys, *fragments):
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    for fragment in fragments:
        assert fragment in err, err
    return err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--minutes", "nan"], "--minutes must be a finite number above 0, got nan"),
        (["--minutes", "inf"], "--minutes must be a finite number above 0, got inf"),
        (["--minutes", "0"], "--minutes must be a finite number above 0"),
        (["--epochs", "0"], "--epochs must be at least 1"),
        (["--batch-size", "0"], "--batch-size must be at least 1, got 0"),  # was silently 64
        (["--batch-size", "-3"], "--batch-size must be at least 1"),
        (["--seed", "-1"], "--seed must be between 0 and 2**64 - 1"),
        (["--seed", str(2**64)], "--seed must be between 0 and 2**64 - 1"),
    ],
)
def test_bad_options_are_refused_before_training(
    toy_conllu, tmp_path, no_training, capsys, options, message
):
    assert main(_train_argv(toy_conllu, toy_conllu, tmp_path / "m.pt", *options)) == 2
    _one_error_line(capsys, message)


def test_bfloat16_where_the_lstm_cannot_run_is_refused_before_training(
    toy_conllu, tmp_path, no_training, capsys, monkeypatch
):
    from lstm_course import runtime

    monkeypatch.setattr(runtime, "_lstm_runs_in_bfloat16", lambda device: False)
    argv = _train_argv(toy_conllu, toy_conllu, tmp_path / "m.pt", "--precision", "bfloat16")
    assert main(argv) == 2
    _one_error_line(capsys, "bfloat16 needs a CPU with AVX-512 BF16 or AMX, or a GPU")
    assert not (tmp_path / "m.pt").exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_a_bad_out_is_refused_before_training(toy_conllu, tmp_path, no_training, capsys):
    folder = tmp_path / "models"
    folder.mkdir()
    link = tmp_path / "link.pt"
    link.symlink_to(tmp_path / "elsewhere.pt")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    dev = tmp_path / "dev.conllu"
    dev.write_text(conllu_text(), encoding="utf-8")
    cases = [
        (folder, "it is a directory"),
        (toy_conllu / "m.pt", "is not a folder"),  # the parent is a file
        ("", "give a file name to write to"),
        (link, "it is a symbolic link"),
        (fifo, "it is a named pipe"),
        (toy_conllu, "it is also an input"),  # --out equal to --train
        (tmp_path / "." / "dev.conllu", "it is also an input"),  # --out equal to --dev
    ]
    for out, message in cases:
        assert main(_train_argv(toy_conllu, dev, out, "--epochs", "1")) == 2, out
        _one_error_line(capsys, message)
    assert toy_conllu.read_text(encoding="utf-8") == conllu_text()  # the data is untouched
    assert link.is_symlink() and fifo.is_fifo()


def test_train_refuses_bad_arguments_before_any_work(tmp_path):
    toy = read_conllu_text(tmp_path)
    bad = [
        ({"minutes": math.nan}, "minutes must be a finite number above 0"),
        ({"minutes": math.inf}, "minutes must be a finite number above 0"),
        ({"epochs": 1, "batch_size": 0}, "batch_size must be an int >= 1"),
        ({"epochs": 1, "seed": 2**64}, "seed must be an int from 0 to 2\\*\\*64 - 1"),
        ({"epochs": 1, "lr": math.nan}, "lr must be a finite number above 0"),
        ({"epochs": 1, "clip": 0.0}, "clip must be a finite number above 0"),
        ({"epochs": 1, "checkpoint": tmp_path}, "it is a directory"),
    ]
    notes = tmp_path / "notes.txt"
    notes.write_text("a learner's notes", encoding="utf-8")
    bad.append(({"epochs": 1, "checkpoint": notes}, "it exists and is not a tagger checkpoint"))
    for arguments, message in bad:
        with pytest.raises(ValueError, match=message):
            train(toy, toy, config=SMALL, progress=False, **arguments)
    assert notes.read_text(encoding="utf-8") == "a learner's notes"


def test_a_budget_too_small_for_one_epoch_says_so(tmp_path):
    toy = read_conllu_text(tmp_path)
    with pytest.raises(ValueError, match="no epoch completed within minutes=1e-09"):
        train(toy, toy, config=SMALL, minutes=1e-9, progress=False)


def read_conllu_text(tmp_path, sentences=None):
    path = tmp_path / "toy.conllu"
    path.write_text(conllu_text() if sentences is None else conllu_text(sentences), "utf-8")
    return read_conllu(path)


# --------------------------------------------------------------------------- the tag set
def test_the_tag_vocabulary_is_the_17_universal_tags_whatever_training_has(tmp_path):
    toy = read_conllu_text(tmp_path)  # no ADP, AUX, CCONJ, ... in it
    vocabs = TaggerVocabs.build(toy, SMALL)
    assert vocabs.tags.tokens == list(UPOS_TAGS)
    other = [TaggedSentence(("a", "b"), ("DET", "MYTAG"))]  # another tag set: kept, after
    assert TaggerVocabs.build(other, SMALL).tags.tokens == [*UPOS_TAGS, "MYTAG"]


def test_a_tag_that_training_lacks_is_an_error_not_a_crash(tmp_path, capsys):
    toy = read_conllu_text(tmp_path)
    with_adp = tmp_path / "adp.conllu"
    with_adp.write_text(conllu_text([("Cats sleep in boxes .", "NOUN VERB ADP NOUN PUNCT")]))
    dev = read_conllu(with_adp)
    result = train(toy, dev, config=SMALL, epochs=1, batch_size=2, progress=False)  # was an abort
    report = evaluate(result.model, dev)
    assert report.total == 5 and report.per_tag["ADP"][1] == 1
    out = tmp_path / "m.pt"
    result.model.save(out)
    assert main(["evaluate", str(out), str(with_adp)]) == 0  # was "not one the model knows"
    assert "of 5 words" in capsys.readouterr().out


# --------------------------------------------------------------------------- interrupted, loading
def test_ctrl_c_in_training_is_one_line_and_status_130(toy_conllu, tmp_path, monkeypatch, capsys):
    out = tmp_path / "m.pt"

    def interrupted(*args, checkpoint, **kwargs):
        LSTMTagger(SMALL, TaggerVocabs.build(read_conllu(toy_conllu), SMALL)).save(checkpoint)
        raise KeyboardInterrupt

    monkeypatch.setattr(training, "train", interrupted)
    try:
        status = main(_train_argv(toy_conllu, toy_conllu, out, "--epochs", "3"))
    except KeyboardInterrupt:
        status = "a traceback"
    assert status == 130
    err = capsys.readouterr().err
    assert err == f"interrupted; the last saved checkpoint is intact: {out}\n"
    LSTMTagger.load(out)  # and it is


class _RunsCode:
    def __reduce__(self):
        return (os.system, ("echo this must never run",))


def test_a_checkpoint_that_fails_to_load_is_one_line_without_torchs_advice(
    toy_conllu, tmp_path, capsys
):
    evil = tmp_path / "evil.pt"
    torch.save({"format": "tagger", "version": 2, "x": _RunsCode()}, evil)
    broken = tmp_path / "broken.pt"
    broken.write_bytes(os.urandom(300))
    for path in (evil, broken):
        with pytest.raises(CheckpointError) as info:
            LSTMTagger.load(path)
        assert "\n" not in str(info.value) and "weights_only" not in str(info.value)
        assert main(["evaluate", str(path), str(toy_conllu)]) == 2
        err = _one_error_line(capsys, f"{path} is not a readable tagger checkpoint: ")
        assert "weights_only" not in err
