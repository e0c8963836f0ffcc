"""Issue 33, bad input and faults, third round: the char-LM tool never replaces the shipped
model, an edited checkpoint allocates nothing before it is refused, a full disk is one line,
outputs never replace what the user did not name, and every message names the file or fix."""

import errno
import hashlib
import importlib.util
import io
import itertools
import json
import os
import time
from pathlib import Path

import pytest
import torch

from conftest import conllu_text
from lstm_course import charlm, corpus, files, runtime, tagger, training
from lstm_course.charlm import SHIPPED_CHECKPOINT, CharLM, CharLMConfig
from lstm_course.data import DatasetUnavailable, TaggedSentence, find_ud_english_ewt
from lstm_course.files import CheckpointError, DiskFullError, OutputPathError, check_output_path
from lstm_course.tagger import LSTMTagger, TaggerConfig, TaggerVocabs, weight_shapes
from lstm_course.tagger_cli import main as tagger_main
from lstm_course.vocab import Vocab

ROOT = Path(__file__).resolve().parent.parent
TINY = TaggerConfig(
    word_dim=4, hidden_dim=4, num_layers=1, char_dim=3, char_filters=3, dropout=0.0, min_freq=1
)


def _tool(name: str):
    spec = importlib.util.spec_from_file_location(f"tool_{name}", ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _one_error_line(capsys, *fragments: str) -> str:
    """The one line on stderr (after any progress bar, which tqdm ends with a newline)."""
    err = capsys.readouterr().err
    if "\r" in err:  # a progress bar, then the message
        err = err.rsplit("\n", 2)[-2] + "\n"
    assert err.count("\n") == 1, err
    for fragment in fragments:
        assert fragment in err, err
    return err


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def tiny_library(monkeypatch):
    """The standard library as two tiny files: the tool trains in a second."""
    text = "def f(x):\n    return [x + 1, 'a', (2, 3)]\n" * 40
    monkeypatch.setattr(corpus, "stdlib_files", lambda root=None: ["a.py", "b.py"])
    monkeypatch.setattr(corpus, "split_files", lambda files_, every=0: (["a.py"], ["b.py"]))
    monkeypatch.setattr(corpus, "read_text", lambda files_, root=None: text)


@pytest.fixture
def no_char_training(monkeypatch):
    """Fail the test if the tool reads the library or trains: its checks must come first."""

    def must_not_run(*args, **kwargs):
        raise AssertionError("work started before the options were checked")

    monkeypatch.setattr(corpus, "stdlib_files", must_not_run)
    monkeypatch.setattr(charlm, "train_char_lm", must_not_run)


TINY_CHAR = ["--steps", "2", "--batch-size", "2", "--seq-len", "8", "--hidden-size", "4"]


# ------------------------------------------------------------------ 1. tools/train_char_lm.py
def test_char_lm_tool_writes_a_new_file_in_the_working_directory_by_default(
    tmp_path, monkeypatch, tiny_library, capsys
):
    shipped = _digest(SHIPPED_CHECKPOINT)
    monkeypatch.chdir(tmp_path)
    assert _tool("train_char_lm").main(TINY_CHAR) == 0
    assert _digest(SHIPPED_CHECKPOINT) == shipped, "the shipped model was replaced"
    model = CharLM.load(tmp_path / "char_lm.pt")
    assert model.config.hidden_size == 4 and model.info["steps"] == 2
    assert "wrote char_lm.pt" in capsys.readouterr().out


def test_char_lm_tool_refuses_the_shipped_model_unless_asked(
    tmp_path, monkeypatch, no_char_training, capsys
):
    tool = _tool("train_char_lm")
    shipped = _digest(SHIPPED_CHECKPOINT)
    for name in (
        str(SHIPPED_CHECKPOINT),
        str(SHIPPED_CHECKPOINT.parent / ".." / "checkpoints" / SHIPPED_CHECKPOINT.name),
    ):
        assert tool.main([*TINY_CHAR, "--out", name]) == 2
        _one_error_line(capsys, "the model the course ships", "--overwrite-shipped")
    assert _digest(SHIPPED_CHECKPOINT) == shipped
    # asked explicitly, it is allowed (the training itself is stood in for here)
    wrote = []
    monkeypatch.setattr(tool, "train_and_save", lambda args, out: wrote.append(out))
    argv = [*TINY_CHAR, "--out", str(SHIPPED_CHECKPOINT), "--overwrite-shipped"]
    assert tool.main(argv) == 0 and wrote == [SHIPPED_CHECKPOINT]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--seed", "-1"], "--seed must be between 0 and 2**64 - 1, got -1"),
        (["--seed", str(2**64)], "--seed must be between 0 and 2**64 - 1"),
        (["--steps", "0"], "--steps must be at least 1, got 0"),
        (["--hidden-size", "0"], "--hidden-size must be at least 1, got 0"),
        (["--batch-size", "0"], "--batch-size must be at least 1, got 0"),
        (["--seq-len", "-5"], "--seq-len must be at least 1, got -5"),
        (["--dropout", "1.5"], "--dropout must be at least 0 and below 1, got 1.5"),
        (["--dropout", "nan"], "--dropout must be at least 0 and below 1, got nan"),
        (["--lr", "nan"], "--lr must be a finite number above 0, got nan"),
        (["--lr", "0"], "--lr must be a finite number above 0"),
    ],
)
def test_char_lm_tool_refuses_bad_options_before_any_work(
    tmp_path, no_char_training, capsys, options, message
):
    out = tmp_path / "m.pt"
    assert _tool("train_char_lm").main([*TINY_CHAR, *options, "--out", str(out)]) == 2
    _one_error_line(capsys, "error: " + message)
    assert not out.exists()


@pytest.mark.parametrize(
    ("make_out", "message"),
    [
        (lambda d: d, "it is a directory"),
        (lambda d: str(d / "newdir") + os.sep, "ends with a separator"),
        (
            lambda d: (d / "precious.txt").write_text("notes") and d / "precious.txt",
            "is not a lstm_course.charlm checkpoint",
        ),
    ],
)
def test_char_lm_tool_refuses_a_bad_out_before_any_work(
    tmp_path, no_char_training, capsys, make_out, message
):
    out = make_out(tmp_path)
    assert _tool("train_char_lm").main([*TINY_CHAR, "--out", str(out)]) == 2
    _one_error_line(capsys, message)
    assert not (tmp_path / "newdir").exists()
    if (tmp_path / "precious.txt").exists():
        assert (tmp_path / "precious.txt").read_text() == "notes"


def test_char_lm_tool_refuses_bfloat16_where_the_lstm_cannot_run_it(
    tmp_path, no_char_training, capsys, monkeypatch
):
    monkeypatch.setattr(runtime, "_lstm_runs_in_bfloat16", lambda device: False)
    argv = [*TINY_CHAR, "--precision", "bfloat16", "--out", str(tmp_path / "m.pt")]
    assert _tool("train_char_lm").main(argv) == 2
    _one_error_line(capsys, "bfloat16 needs a CPU with AVX-512 BF16 or AMX, or a GPU")


def test_char_lm_tool_ctrl_c_is_one_line_and_130(tmp_path, tiny_library, capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(charlm, "train_char_lm", interrupted)
    out = tmp_path / "m.pt"
    assert _tool("train_char_lm").main([*TINY_CHAR, "--out", str(out)]) == 130
    _one_error_line(capsys, "interrupted; nothing was saved")
    assert not out.exists()


def test_char_lm_tool_on_a_full_disk_is_one_line_and_keeps_the_old_model(
    tmp_path, tiny_library, capsys, monkeypatch
):
    out = tmp_path / "m.pt"
    old = CharLM(charlm.char_vocab(), CharLMConfig(hidden_size=3))
    old.save(out)
    before = out.read_bytes()
    _full_disk(monkeypatch)
    assert _tool("train_char_lm").main([*TINY_CHAR, "--out", str(out)]) == 2
    _one_error_line(
        capsys, f"error: cannot write {out}: no space left on the device; {out} unchanged"
    )
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.pt"], "a temporary file was left"


def test_train_char_lm_refuses_bad_sizes_in_one_line():
    model = CharLM(charlm.char_vocab(), CharLMConfig(hidden_size=2))
    ids = torch.zeros(200, dtype=torch.long)
    for options, message in (
        ({"batch_size": 0}, "batch_size must be a whole number, at least 1, got 0"),  # was 1/0
        ({"seq_len": 0}, "seq_len must be a whole number, at least 1"),
        ({"lr": float("nan")}, "lr must be a finite number above 0, got nan"),
        ({"steps": 1.5}, "steps must be a whole number"),
    ):
        with pytest.raises(ValueError, match="^" + message.replace("(", r"\(")):
            charlm.train_char_lm(model, ids, **{"steps": 1, **options}, progress=False)


# ------------------------------------------------------------------ 3. a full disk
def _full_disk(monkeypatch):
    """Every write to a file that :func:`files.atomic_write` opens fails as on a full disk."""
    real_fdopen = os.fdopen

    class Full(io.RawIOBase):
        def __init__(self, f):
            self.f = f

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

        def writable(self):
            return True

        def fileno(self):
            return self.f.fileno()

        def close(self):
            self.f.close()
            super().close()

    def fdopen(fd, mode="r", *args, **kwargs):
        f = real_fdopen(fd, mode, *args, **kwargs)
        return Full(f) if "b" in mode else f

    monkeypatch.setattr(files.os, "fdopen", fdopen)


def test_a_full_disk_while_saving_a_checkpoint_is_one_clear_line(tmp_path, monkeypatch):
    model = LSTMTagger(TINY, TaggerVocabs.build([], TINY))
    path = tmp_path / "m.pt"
    path.write_bytes(b"old")
    _full_disk(monkeypatch)
    with pytest.raises(DiskFullError) as info:  # was 36 lines of "[enforce fail at ...]"
        model.save(path)
    assert str(info.value) == f"cannot write {path}: no space left on the device; {path} unchanged"
    assert info.value.errno == errno.ENOSPC and isinstance(info.value, OSError)
    assert path.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["m.pt"]


def test_a_disk_that_fills_at_fsync_is_the_same_line(tmp_path, monkeypatch):
    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full)
    with pytest.raises(DiskFullError, match="no space left on the device; nothing was written"):
        Vocab(["a"]).save(tmp_path / "v.json")
    assert list(tmp_path.iterdir()) == []


def test_tagger_training_on_a_full_disk_is_one_line_exit_2(tmp_path, monkeypatch, capsys):
    train = tmp_path / "train.conllu"
    train.write_text(conllu_text(), encoding="utf-8")
    _full_disk(monkeypatch)
    out = tmp_path / "m.pt"
    argv = ["train", "--train", str(train), "--dev", str(train), "--out", str(out)]
    assert tagger_main([*argv, "--epochs", "1"]) == 2
    _one_error_line(capsys, f"error: cannot write {out}: no space left on the device")


# ------------------------------------------------------------------ 2. and 8. checkpoints
def _saved_tagger(path: Path) -> dict:
    """A tiny tagger saved at ``path``; its payload, to edit."""
    toy = [TaggedSentence(("The", "cat"), ("DET", "NOUN"))]
    model = LSTMTagger(TINY, TaggerVocabs.build(toy, TINY))
    model.save(path)
    return torch.load(path, weights_only=True)


def _edit(path: Path, payload: dict, **config) -> None:
    payload["config"] = {**payload["config"], **config}
    torch.save(payload, path)


def _never_build(monkeypatch):
    """Fail the test if a tagger is built (allocated) before its checkpoint is checked."""

    def must_not_build(self, *args, **kwargs):
        raise AssertionError("a model was built before the checkpoint was checked")

    monkeypatch.setattr(LSTMTagger, "__init__", must_not_build)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            {"hidden_dim": 6000},
            "weight 'rnn.weight_ih_l0' has shape (16, 7), but the configuration",
        ),
        ({"num_layers": 10**6}, "num_layers=1000000, but the file has"),
        ({"num_layers": 2}, "num_layers=2"),
        ({"word_dim": 10**9}, "weight 'word_embeddings.weight' has shape"),
        ({"bidirectional": False}, "num_layers=1, but the file has"),
    ],
)
def test_an_edited_tagger_config_is_refused_before_anything_is_built(
    tmp_path, monkeypatch, edit, message
):
    path = tmp_path / "m.pt"
    payload = _saved_tagger(path)
    _edit(path, payload, **edit)
    _never_build(monkeypatch)
    start = time.perf_counter()
    with pytest.raises(CheckpointError, match="incomplete or inconsistent") as info:
        LSTMTagger.load(path)
    assert message in str(info.value)
    assert time.perf_counter() - start < 5


def test_load_model_builds_on_the_meta_device_and_keeps_the_files_weights(tmp_path):
    model = torch.nn.Linear(3, 2)
    files.save_model(tmp_path / "m.pt", "k", 1, model, TINY)
    devices = []

    def build(payload):
        built = torch.nn.Linear(3, 2)
        devices.append(built.weight.device.type)
        return built

    loaded, _ = files.load_model(tmp_path / "m.pt", "k", 1, build)
    assert devices == ["meta"], "the untrained model was allocated before the weights were read"
    assert loaded.weight.device.type == "cpu"
    torch.testing.assert_close(loaded.weight, model.weight, rtol=0, atol=0)


@pytest.mark.parametrize(
    "config",
    [
        TINY,
        TaggerConfig(word_dim=5, hidden_dim=3, num_layers=3, char_dim=0, rnn="gru", min_freq=1),
        TaggerConfig(word_dim=2, hidden_dim=6, num_layers=2, bidirectional=False, rnn="rnn"),
    ],
)
def test_the_shapes_checked_on_load_are_those_of_a_real_model(config):
    toy = [TaggedSentence(("a", "b", "a"), ("DET", "NOUN", "DET"))]
    vocabs = TaggerVocabs.build(toy, config)
    real = {k: tuple(t.shape) for k, t in LSTMTagger(config, vocabs).state_dict().items()}
    assert weight_shapes(config, vocabs) == real


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_weights_are_refused_naming_the_tensor(tmp_path, capsys, bad):
    path = tmp_path / "m.pt"
    payload = _saved_tagger(path)
    payload["state_dict"]["hidden2tag.bias"][3] = bad
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match=r"weight 'hidden2tag\.bias' has NaN or infinite"):
        LSTMTagger.load(path)
    assert tagger_main(["tag", str(path), "The cat sleeps ."]) == 2  # was: ADJ ADJ ADJ, exit 0
    _one_error_line(capsys, "hidden2tag.bias")
    assert capsys.readouterr().out == ""


def test_a_char_lm_checkpoint_given_to_the_tagger_says_what_it_is(tmp_path, capsys):
    path = tmp_path / "lm.pt"
    CharLM(charlm.char_vocab(), CharLMConfig(hidden_size=2)).save(path)
    assert tagger_main(["tag", str(path), "hello"]) == 2
    _one_error_line(capsys, "a checkpoint of another kind ('lstm_course.charlm')", "not a tagger")


# ------------------------------------------------------------- 5. and 11. the tagger's command line
def _toy(tmp_path: Path) -> Path:
    path = tmp_path / "toy.conllu"
    path.write_text(conllu_text(), encoding="utf-8")
    return path


@pytest.fixture
def no_tagger_training(monkeypatch):
    def must_not_train(*args, **kwargs):
        raise AssertionError("training started before the options were checked")

    monkeypatch.setattr(training, "train", must_not_train)


def test_out_naming_a_file_that_is_not_a_checkpoint_is_refused(
    tmp_path, no_tagger_training, capsys
):
    toy = _toy(tmp_path)
    precious = tmp_path / "precious.txt"
    precious.write_text("my notes")
    argv = ["train", "--train", str(toy), "--dev", str(toy), "--out", str(precious)]
    assert tagger_main(argv) == 2
    _one_error_line(
        capsys, f"refusing to write {precious}: it exists and is not a tagger checkpoint"
    )
    assert precious.read_text() == "my notes"


def test_out_naming_an_existing_tagger_checkpoint_may_be_replaced(tmp_path):
    path = tmp_path / "m.pt"
    _saved_tagger(path)
    assert check_output_path(path, replaces=tagger.CHECKPOINT_FORMAT) == path


def test_out_with_a_trailing_separator_is_refused(tmp_path, no_tagger_training, capsys):
    toy = _toy(tmp_path)
    out = str(tmp_path / "newdir") + "/"
    argv = ["train", "--train", str(toy), "--dev", str(toy), "--out", out]
    assert tagger_main(argv) == 2  # was: a file named newdir
    _one_error_line(capsys, "ends with a separator")
    assert not (tmp_path / "newdir").exists()
    with pytest.raises(OutputPathError, match="ends with a separator"):
        check_output_path(out)


def test_train_given_a_folder_says_it_is_a_folder(tmp_path, no_tagger_training, capsys):
    toy = _toy(tmp_path)
    argv = ["train", "--train", str(tmp_path), "--dev", str(toy), "--out", str(tmp_path / "m.pt")]
    assert tagger_main(argv) == 2
    _one_error_line(capsys, f"{tmp_path} (--train) is a folder; give a CoNLL-U file in it")


def test_a_dev_file_without_sentences_is_named(tmp_path, no_tagger_training, capsys):
    toy = _toy(tmp_path)
    dev = tmp_path / "dev.conllu"
    dev.write_text("# only a comment\n# and another\n\n", encoding="utf-8")
    argv = ["train", "--train", str(toy), "--dev", str(dev), "--out", str(tmp_path / "m.pt")]
    assert tagger_main(argv) == 2
    _one_error_line(capsys, f"{dev} (--dev) has no sentences")


def test_text_that_starts_with_a_dash_says_to_use_double_dash(tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        tagger_main(["tag", str(tmp_path / "m.pt"), "-x"])
    assert stopped.value.code == 2
    assert "after '--'" in capsys.readouterr().err


# ------------------------------------------------------------------ 11. vocabularies
def test_a_vocabulary_with_a_huge_number_is_one_clear_line(tmp_path):
    path = tmp_path / "v.json"
    path.write_text('{"format": "lstm_course.vocab", "version": ' + "9" * 5000 + "}")
    with pytest.raises(ValueError) as info:
        Vocab.load(path)
    message = str(info.value)
    assert message.startswith(f"{path}: not a vocabulary file") and "too long" in message
    assert "set_int_max_str_digits" not in message


def test_a_lone_surrogate_token_is_refused_on_load(tmp_path):
    path = tmp_path / "v.json"
    payload = Vocab(["a"]).to_dict()
    payload["tokens"].append("\ud800")
    path.write_text(json.dumps(payload))  # json escapes it: "\ud800"
    with pytest.raises(ValueError, match=r"token 3 \('\\ud800'\) is not valid Unicode text"):
        Vocab.load(path)


# ------------------------------------------------------------------ 4. and 11. the EWT cache
@pytest.fixture
def no_data_env(monkeypatch):
    monkeypatch.delenv("LSTM_COURSE_DATA", raising=False)


def test_a_cache_path_that_is_a_file_names_the_cache_and_how_to_move_it(tmp_path, no_data_env):
    cache = tmp_path / "cache"
    cache.write_text("in the way")
    with pytest.raises(DatasetUnavailable) as info:
        find_ud_english_ewt("dev", cache_dir=cache, url_template="file:///nowhere/{split}")
    message = str(info.value)
    assert f"the cache {cache}" in message and "XDG_CACHE_HOME" in message
    assert "LSTM_COURSE_DATA" in message and "\n" not in message


def test_a_read_only_cache_names_the_cache_and_how_to_move_it(tmp_path, no_data_env, monkeypatch):
    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(files.tempfile, "mkstemp", read_only)
    cache = tmp_path / "cache"
    with pytest.raises(DatasetUnavailable, match=r"Read-only file system.*XDG_CACHE_HOME"):
        find_ud_english_ewt("dev", cache_dir=cache, url_template="file:///nowhere/{split}")


def test_a_url_template_with_another_field_is_refused(tmp_path, no_data_env):
    with pytest.raises(ValueError, match=r"url_template may hold one field, \{split\}"):
        find_ud_english_ewt("dev", cache_dir=tmp_path, url_template="https://x/{splitz}")


# ------------------------------------------------------------------ 7. the notebook tools
def _notebook(path: Path) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("1 + 1")]
    nbformat.write(nb, path)
    return path


def test_save_lessons_refuses_a_folder_it_cannot_write_before_running(
    tmp_path, monkeypatch, capsys
):
    tool = _tool("save_lessons")
    path = _notebook(tmp_path / "a.ipynb")
    monkeypatch.setattr(tool, "execute", lambda *a: pytest.fail("a lesson ran"))

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(files.tempfile, "mkstemp", read_only)
    with pytest.raises(SystemExit) as stopped:
        tool.main([str(path)])
    assert stopped.value.code == 2
    assert "Read-only file system" in capsys.readouterr().err.splitlines()[-1]


def test_save_lessons_ctrl_c_is_one_line_and_130(tmp_path, monkeypatch, capsys):
    tool = _tool("save_lessons")
    first, second = _notebook(tmp_path / "a.ipynb"), _notebook(tmp_path / "b.ipynb")
    before = first.read_bytes()

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(tool, "execute", interrupted)
    assert tool.main([str(first), str(second)]) == 130
    _one_error_line(capsys, "interrupted while running a.ipynb")
    assert first.read_bytes() == before


def test_save_lessons_verdict_stays_on_one_line(tmp_path, monkeypatch, capsys):
    from nbclient.exceptions import CellExecutionError

    tool = _tool("save_lessons")
    paths = [_notebook(tmp_path / "a.ipynb"), _notebook(tmp_path / "b.ipynb")]

    def fails(*args):
        raise CellExecutionError("tb", "ValueError", "first line\nsecond line")

    monkeypatch.setattr(tool, "execute", fails)
    assert tool.main([str(p) for p in paths]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all("ValueError: first line second" in line for line in lines)


def test_save_lessons_a_full_disk_fails_that_lesson_only(tmp_path, monkeypatch, capsys):
    tool = _tool("save_lessons")
    paths = [_notebook(tmp_path / "a.ipynb"), _notebook(tmp_path / "b.ipynb")]
    monkeypatch.setattr(tool, "execute", lambda *a: None)

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full)
    assert tool.main([str(p) for p in paths]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all("not saved: cannot write" in line for line in lines)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["04", "99"], "no lesson matches 99"),
        (["0"], "no lesson matches 0"),
        ([""], "no lesson matches ''"),
        (["--device", ""], "--device must name a device"),
    ],
)
def test_run_notebooks_every_argument_must_name_a_lesson(monkeypatch, capsys, argv, message):
    tool = _tool("run_notebooks")
    monkeypatch.setattr(tool, "run", lambda *a: pytest.fail("a lesson ran"))
    monkeypatch.delenv(runtime.DEVICE_ENV, raising=False)
    assert tool.main(argv) == 2
    _one_error_line(capsys, f"error: {message}")


def test_run_notebooks_selects_by_number_or_name():
    tool = _tool("run_notebooks")
    every = [Path(n) for n in ("01_a.ipynb", "04_pos.ipynb", "10_x.ipynb")]
    assert tool.selected(every, ["4", "10"]) == every[1:]
    assert tool.selected(every, ["04_pos"]) == [every[1]]


def test_run_notebooks_ctrl_c_is_one_line_and_130(monkeypatch, capsys):
    tool = _tool("run_notebooks")

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(tool, "run", interrupted)
    monkeypatch.delenv(runtime.DEVICE_ENV, raising=False)
    assert tool.main(["--device", "cpu", "01"]) == 130
    _one_error_line(capsys, "interrupted while running 01_")


# ------------------------------------------------------------------ 6. and 10. exercise answers
def _verdict_of(capsys, check, answer) -> str:
    start = time.perf_counter()
    check(answer)
    assert time.perf_counter() - start < 30
    out = capsys.readouterr().out
    assert out.count("\n") == 1, out
    return out


def _endless_answers():
    from lstm_course.exercises import lesson3, lesson4, lesson5

    return [
        (lesson3.check_encode_with_unk, lambda words, index, unk: itertools.count()),
        (lesson3.check_encode_with_unk, lambda words, index, unk: iter(range(10**6))),
        (lesson4.check_decode_predictions, lambda s, n, v: itertools.repeat(["DET"])),
        (lesson4.check_decode_predictions, lambda s, n, v: [itertools.repeat("DET"), []]),
        (lesson5.check_adding_over_seeds, lambda kind, length, steps: itertools.count()),
        (lesson5.check_adding_over_seeds, lambda kind, length, steps: iter(range(10**6))),
    ]


@pytest.mark.parametrize("index", range(6))
def test_an_endless_answer_is_too_many_items(capsys, index):
    check, answer = _endless_answers()[index]
    assert "❌ Not yet: too many items" in _verdict_of(capsys, check, answer)


def test_an_int_that_equals_everything_does_not_pass_the_shapes(capsys):
    from lstm_course.exercises import lesson2

    class Yes(int):
        def __eq__(self, other):
            return True

        def __ne__(self, other):
            return False

        __hash__ = int.__hash__

    answer = {key: (Yes(0), Yes(0), Yes(0)) for key in ("output", "h_n", "c_n")}
    assert _verdict_of(capsys, lesson2.check_lstm_shapes, answer).startswith("❌")


class _NoDifference(torch.Tensor):
    """A tensor whose subtraction always says 0: no difference from any right answer."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if getattr(func, "__name__", "") in ("sub", "__sub__", "__rsub__"):
            return torch.zeros(())
        return super().__torch_function__(func, types, args, kwargs or {})


def test_a_tensor_whose_subtraction_lies_does_not_pass(capsys):
    from lstm_course.exercises import lesson1, lesson2

    def step(x, h, c, *weights):
        return torch.zeros_like(h).as_subclass(_NoDifference), c.as_subclass(_NoDifference)

    assert _verdict_of(capsys, lesson1.check_lstm_step, step).startswith("❌")

    def by_step(lstm, x):
        return torch.zeros(x.shape[0], x.shape[1], 4, dtype=x.dtype).as_subclass(_NoDifference)

    assert _verdict_of(capsys, lesson2.check_step_by_step, by_step).startswith("❌")


class _Custom(BaseException):
    pass


@pytest.mark.parametrize("error", [GeneratorExit, _Custom("mine")])
def test_any_base_exception_but_ctrl_c_is_a_verdict(capsys, error):
    from lstm_course.exercises import lesson2

    def raises(*args):
        raise error

    assert "your function raised" in _verdict_of(capsys, lesson2.check_step_by_step, raises)
    with pytest.raises(KeyboardInterrupt):

        def stop(*args):
            raise KeyboardInterrupt

        lesson2.check_step_by_step(stop)


def _all_checks():
    from lstm_course import exercises

    return [getattr(exercises, n) for n in sorted(dir(exercises)) if n.startswith("check_")]


@pytest.mark.parametrize("endless", ["itself", "returned"])
def test_no_check_is_stuck_on_an_endless_answer(capsys, endless):
    """Every check, given itertools.count() (or a function returning it), prints one line
    within seconds: no check reads an answer without bound."""
    for check in _all_checks():
        answer = itertools.count() if endless == "itself" else lambda *a, **k: itertools.count()
        out = _verdict_of(capsys, check, answer)
        assert out.startswith(("❌", "✏️")), (check.__name__, out)
