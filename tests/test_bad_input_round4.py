"""Bad input, fourth round (issue 44): checkpoints checked from their metadata before anything
is copied, dtypes checked after the cast, exercise answers made plain before any comparison,
Ctrl-C under nbclient, and the newest code's edges. Every refusal is one line."""

import io
import math
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch.utils._pytree import tree_map

from lstm_course import charlm, files
from lstm_course import exercises as ex
from lstm_course.files import CheckpointError
from lstm_course.tagger import LSTMTagger, TaggerConfig, TaggerVocabs, weight_shapes
from lstm_course.vocab import Vocab

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SMALL = TaggerConfig(
    word_dim=4, hidden_dim=3, num_layers=1, char_dim=2, char_filters=2, dropout=0.0, min_freq=1
)
FEW = settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def _tiny_tagger() -> LSTMTagger:
    from lstm_course.data import TaggedSentence

    sentences = [TaggedSentence(("the", "cat", "sleeps"), ("DET", "NOUN", "VERB"))]
    torch.manual_seed(0)
    return LSTMTagger(SMALL, TaggerVocabs.build(sentences, SMALL))


def _tiny_char_lm() -> charlm.CharLM:
    torch.manual_seed(0)
    return charlm.CharLM(charlm.char_vocab(), charlm.CharLMConfig(embedding_dim=2, hidden_size=3))


MODELS = {"tagger": (_tiny_tagger, LSTMTagger.load), "charlm": (_tiny_char_lm, charlm.CharLM.load)}


def _saved_payload(model_name: str) -> dict:
    """What the model's own ``save`` writes, as a dict to tamper with."""
    with tempfile.TemporaryDirectory() as folder:
        MODELS[model_name][0]().save(Path(folder) / "m.pt")
        return torch.load(Path(folder) / "m.pt", weights_only=True)


PAYLOADS = {name: _saved_payload(name) for name in MODELS}


def _write(payload: dict, path: Path) -> Path:
    torch.save(payload, path)
    return path


def _one_line_refusal(error: BaseException) -> str:
    text = str(error)
    assert "\n" not in text and text, text
    return text


# --------------------------------------------------------------------------- 1. dtypes
@pytest.mark.parametrize("model_name", list(MODELS))
@pytest.mark.parametrize(
    ("dtype", "value", "fragment"),
    [
        (torch.float64, 1e300, "NaN or infinite values (as float32)"),  # finite until cast
        (torch.int64, 1, "is stored as int64"),
        (torch.bool, True, "is stored as bool"),
        (torch.complex64, 1, "is stored as complex64"),
    ],
)
def test_a_weight_is_checked_after_the_cast_and_dtypes_the_model_lacks_are_refused(
    model_name, dtype, value, fragment, tmp_path
):
    payload = dict(PAYLOADS[model_name])
    weights = dict(payload["state_dict"])
    name = next(iter(weights))
    weights[name] = torch.full(weights[name].shape, value, dtype=dtype)
    path = _write({**payload, "state_dict": weights}, tmp_path / "bad.pt")
    with pytest.raises(CheckpointError) as caught:
        MODELS[model_name][1](path)
    message = _one_line_refusal(caught.value)
    assert fragment in message and repr(name) in message, message


@pytest.mark.parametrize("model_name", list(MODELS))
def test_float16_and_float64_weights_still_load_as_float32(model_name, tmp_path):
    payload = PAYLOADS[model_name]
    for dtype in (torch.float16, torch.float64):
        weights = {k: v.to(dtype) for k, v in payload["state_dict"].items()}
        model = MODELS[model_name][1](_write({**payload, "state_dict": weights}, tmp_path / "h.pt"))
        for key, tensor in model.state_dict().items():
            assert tensor.dtype == torch.float32
            assert torch.equal(tensor, weights[key].float())


# --------------------------------------------------------------------------- 2. sizes
def _peak_rss_mb_of(code: str) -> tuple[int, str]:
    """Run ``code`` in a child; its peak resident memory (MB) and what it printed."""
    script = textwrap.dedent(code) + textwrap.dedent(
        """
        import resource
        print("PEAK", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
        """
    )
    done = subprocess.run(
        [PYTHON, "-c", script], capture_output=True, text=True, env=_env(), timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    peak = int(done.stdout.rsplit("PEAK", 1)[1])
    return peak, done.stdout


def test_a_zero_stride_view_of_25000_by_25000_is_refused_before_anything_is_allocated(tmp_path):
    # a tagger whose configuration asks for 25,000 words of 25,000 numbers: every weight a
    # view of ONE stored number (a few kilobytes on disk, 2.5 GB as float32 once copied)
    words = Vocab([f"w{i}" for i in range(25_000 - 2)])
    base = TaggerVocabs.build([], SMALL)
    config = TaggerConfig(**{**SMALL.__dict__, "word_dim": 25_000})
    vocabs = TaggerVocabs(words=words, chars=base.chars, tags=base.tags)
    one = torch.zeros(1)
    weights = {k: one.expand(shape) for k, shape in weight_shapes(config, vocabs).items()}
    payload = {
        **PAYLOADS["tagger"],
        "config": config.__dict__,
        "vocabs": {k: v.to_dict() for k, v in vocabs.as_dict().items()},
        "state_dict": weights,
    }
    path = _write(payload, tmp_path / "view.pt")
    assert path.stat().st_size < 1_000_000
    peak, out = _peak_rss_mb_of(
        f"""
        from lstm_course.tagger import LSTMTagger
        try:
            LSTMTagger.load({str(path)!r})
        except ValueError as e:
            print("REFUSED", e)
        """
    )
    assert "REFUSED" in out and "stored as a view (strides (0, 0))" in out, out
    assert peak < 1500, f"{peak} MB used before the refusal"


def _bomb(source: Path, target: Path) -> Path:
    """``source`` re-zipped with every entry deflated: what torch.save never writes."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in zin.infolist():
            out.writestr(info.filename, zin.read(info.filename))
    return target


def test_a_zip_bomb_is_refused_from_the_zip_directory_with_the_limit_named(tmp_path):
    payload = dict(PAYLOADS["charlm"])
    # 64 MB of zeros in a big "info" tensor: deflated to a few hundred kilobytes
    payload["info"] = {"pad": torch.zeros(16_000_000)}
    bomb = _bomb(_write(payload, tmp_path / "big.pt"), tmp_path / "bomb.pt")
    assert bomb.stat().st_size < 1_000_000
    with pytest.raises(CheckpointError) as caught:
        files.load_checkpoint(bomb, charlm.CHECKPOINT_FORMAT, 1, limit=10**7)
    assert "unpacks to 64,00" in _one_line_refusal(caught.value)
    assert "more than the 10,000,000" in str(caught.value)
    with pytest.raises(CheckpointError, match="compressed entries"):
        charlm.CharLM.load(bomb)
    assert not files.is_checkpoint(bomb, charlm.CHECKPOINT_FORMAT)


CHARLM_FILE = Path(tempfile.mkdtemp()) / "c.pt"
_write(PAYLOADS["charlm"], CHARLM_FILE)
with zipfile.ZipFile(CHARLM_FILE) as _archive:
    CHARLM_UNPACKED = sum(entry.file_size for entry in _archive.infolist())


@FEW
@given(limit=st.integers(1, 2 * CHARLM_UNPACKED))
def test_any_size_limit_refuses_exactly_the_files_beyond_it_and_names_it(limit):
    kind, version = charlm.CHECKPOINT_FORMAT, charlm.CHECKPOINT_VERSION
    if limit < CHARLM_UNPACKED:
        with pytest.raises(CheckpointError) as caught:
            files.load_checkpoint(CHARLM_FILE, kind, version, limit=limit)
        assert f"more than the {limit:,} a {kind} checkpoint may hold" in str(caught.value)
    else:
        assert files.load_checkpoint(CHARLM_FILE, kind, version, limit=limit)["format"] == kind


def test_the_loader_maps_the_file_and_is_checkpoint_takes_a_path(tmp_path, monkeypatch):
    # torch 2.2 maps only a str: every torch.load of the course gets one, with mmap=True
    path = _write(PAYLOADS["charlm"], tmp_path / "c.pt")
    seen = []
    real = torch.load

    def spy(f, *args, **kwargs):
        seen.append((type(f), kwargs.get("mmap"), kwargs.get("weights_only")))
        return real(f, *args, **kwargs)

    monkeypatch.setattr(torch, "load", spy)
    assert files.is_checkpoint(path, charlm.CHECKPOINT_FORMAT)
    charlm.CharLM.load(path)
    assert seen == [(str, True, True)] * 2


def _all_dtypes() -> list[torch.dtype]:
    return [
        torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.int8, torch.int16,
        torch.int32, torch.int64, torch.uint8, torch.bool, torch.complex64, torch.complex128,
    ]  # fmt: skip


@st.composite
def _tampered(draw, model_name: str):
    weights = PAYLOADS[model_name]["state_dict"]
    name = draw(st.sampled_from(sorted(weights)))
    right = weights[name]
    dtype = draw(st.sampled_from(_all_dtypes()))
    shape = draw(
        st.one_of(
            st.just(tuple(right.shape)),
            st.lists(st.integers(0, 5), min_size=0, max_size=3).map(tuple),
        )
    )
    value = draw(st.sampled_from([0.5, -2.0, 1e300, math.nan, math.inf, 70000.0]))
    layout = draw(st.sampled_from(["whole", "zero-stride", "transposed", "offset"]))
    if layout == "zero-stride":
        one = torch.full((1,), 1.0).to(dtype)
        tensor = one.expand(shape) if shape else one[0]
    elif layout == "transposed" and len(shape) == 2:
        tensor = torch.full(shape[::-1], 1.0).to(dtype).t()
    elif layout == "offset":
        tensor = torch.full((3 + math.prod(shape),), 1.0).to(dtype)[3:].view(shape)
    else:
        tensor = torch.full(shape, value, dtype=torch.float64)
        tensor = tensor.to(dtype) if dtype.is_floating_point else torch.ones(shape, dtype=dtype)
    return name, tensor


@pytest.mark.parametrize("model_name", list(MODELS))
@FEW
@given(data=st.data())
def test_any_dtype_shape_stride_or_size_loads_right_or_is_one_line(model_name, data):
    name, tensor = data.draw(_tampered(model_name))
    payload = PAYLOADS[model_name]
    right = payload["state_dict"][name]
    weights = {**payload["state_dict"], name: tensor}
    with tempfile.TemporaryDirectory() as folder:
        path = _write({**payload, "state_dict": weights}, Path(folder) / "m.pt")
        try:
            model = MODELS[model_name][1](path)
        except CheckpointError as e:
            _one_line_refusal(e)
            return
    # it loaded: then the stored tensor was one the model can use, and it is the cast copy
    assert tensor.dtype in files.STORED_FLOAT_DTYPES
    assert tensor.shape == right.shape
    assert tensor.is_contiguous() or tensor.numel() <= 1
    loaded = model.state_dict()[name]
    assert loaded.dtype == torch.float32 and bool(torch.isfinite(loaded).all())
    assert torch.equal(loaded, tensor.float())


# --------------------------------------------------------------------------- 4. answers
class AlwaysZero(torch.Tensor):
    """A tensor subclass whose every operation (copies and comparisons included) is zeros:
    ``a - b`` is 0, so any tolerance check passes it."""

    @staticmethod
    def __new__(cls, elem):
        return torch.Tensor._make_wrapper_subclass(cls, elem.shape, dtype=elem.dtype)

    def __init__(self, elem):
        self.elem = elem

    @classmethod
    def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
        unwrapped = tree_map(lambda a: a.elem if isinstance(a, AlwaysZero) else a, args)
        out = func(*unwrapped, **(kwargs or {}))
        return tree_map(
            lambda o: AlwaysZero(torch.zeros_like(o)) if isinstance(o, torch.Tensor) else o, out
        )


CHECKS = [getattr(ex, name) for name in sorted(dir(ex)) if name.startswith("check_")]
VERDICTS = ("✅ Correct! ", "❌ Not yet: ", "✏️ Your turn")


def _right_answers() -> dict:
    """Each check's first right answer, from the lessons' tables of cases."""
    import importlib

    right = {}
    sys.path.insert(0, str(ROOT / "tests"))
    for lesson in range(1, 9):
        cases = importlib.import_module(f"test_exercises_lesson{lesson}").CASES
        right.update({check: rights[0] for check, (rights, _) in cases.items()})
    return right


RIGHT = _right_answers()


DISGUISED: list = []  # what _disguised changed, so a test knows there was something to change


def _disguised(value, how: str):
    """``value`` (or what a function returns) as an AlwaysZero subclass, or complex."""
    if callable(value) and not isinstance(value, torch.Tensor):
        return lambda *args: _disguised(value(*args), how)
    if isinstance(value, (torch.Tensor, np.ndarray, int, float)):
        DISGUISED.append(value)
    if isinstance(value, torch.Tensor):
        return AlwaysZero(value.detach().clone()) if how == "subclass" else value.to(torch.cfloat)
    if isinstance(value, np.ndarray):
        return AlwaysZero(torch.from_numpy(value)) if how == "subclass" else value.astype(complex)
    if isinstance(value, (tuple, list)):
        return type(value)(_disguised(v, how) for v in value)
    if isinstance(value, (int, float)):  # bools too: a bool tensor, or complex(True, 0)
        return AlwaysZero(torch.tensor(value)) if how == "subclass" else complex(value, 0)
    return value


def _verdict(check, answer, capsys) -> str:
    check(answer)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith(VERDICTS), out
    return out


def test_every_check_has_a_right_answer_that_passes(capsys):
    assert set(RIGHT) == set(CHECKS)
    for check, answer in RIGHT.items():
        assert _verdict(check, answer, capsys).startswith("✅"), check.__name__


@pytest.mark.parametrize("how", ["subclass", "complex"])
@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_a_right_answer_as_a_dispatch_subclass_or_complex_is_never_right(check, how, capsys):
    DISGUISED.clear()
    with np.errstate(all="ignore"):
        verdict = _verdict(check, _disguised(RIGHT[check], how), capsys)
    if not DISGUISED:
        pytest.skip("this check's answer holds no tensor or number to disguise")
    assert verdict.startswith("❌"), verdict


def _answers():
    scalars = st.one_of(
        st.integers(-(10**30), 10**30),
        st.floats(allow_nan=True, allow_infinity=True),
        st.complex_numbers(max_magnitude=1e6),
        st.text(max_size=5),
        st.none(),
        st.booleans(),
    )
    tensors = st.builds(
        lambda shape, dtype, sub: (AlwaysZero if sub else (lambda t: t))(
            torch.ones(shape).to(dtype)
        ),
        st.lists(st.integers(0, 4), max_size=3),
        st.sampled_from(_all_dtypes()),
        st.booleans(),
    )
    arrays = st.builds(
        lambda n, dtype: np.ones(n, dtype=dtype),
        st.integers(0, 5),
        st.sampled_from([np.float64, np.int64, np.complex128, np.bool_, object]),
    )
    values = st.recursive(
        st.one_of(scalars, tensors, arrays), lambda inner: st.lists(inner, max_size=3), max_leaves=6
    )
    return st.one_of(values, values.map(lambda v: lambda *args: v))


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(answer=_answers())
def test_any_answer_type_gets_one_verdict_and_disguises_never_pass(check, answer):
    import contextlib

    out = io.StringIO()
    with contextlib.redirect_stdout(out), np.errstate(all="ignore"):
        check(answer)
    text = out.getvalue()
    assert text.count("\n") == 1 and text.startswith(VERDICTS), text
    given_value = answer() if callable(answer) else answer
    if _disguise_in(given_value):
        assert not text.startswith("✅"), text


def _disguise_in(value) -> bool:
    """Whether ``value`` holds an AlwaysZero tensor or a complex number anywhere."""
    if isinstance(value, list):
        return any(_disguise_in(v) for v in value)
    if isinstance(value, torch.Tensor):
        return isinstance(value, AlwaysZero) or value.is_complex()
    if isinstance(value, np.ndarray):
        return value.dtype.kind == "c"
    return isinstance(value, complex)


# --------------------------------------------------------------------------- 3. Ctrl-C
def _sleeping_notebook(folder: Path, marker: Path) -> Path:
    """A lesson whose one cell says it has started (``marker``), then sleeps a minute."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    code = f"import time\nopen({str(marker)!r}, 'w').close()\ntime.sleep(60)"
    nb.cells = [nbformat.v4.new_code_cell(code)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    path = folder / "01_sleeps.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize("tool", ["save_lessons", "run_notebooks"])
def test_a_real_ctrl_c_under_nbclient_is_one_line_and_status_130(tool, tmp_path):
    marker = tmp_path / "started"
    lesson = _sleeping_notebook(tmp_path, marker)
    before = lesson.read_bytes()
    script = (
        "import sys; from pathlib import Path; sys.path.insert(0, 'tools'); "
        f"import {tool} as tool; tool.NOTEBOOKS = Path({str(tmp_path)!r}); "
        f"sys.exit(tool.main({[str(lesson)] if tool == 'save_lessons' else []!r}))"
    )
    child = subprocess.Popen(
        [PYTHON, "-c", script], cwd=ROOT, env=_env(), stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():  # the kernel is running the cell: nbclient's handlers are on
            assert child.poll() is None and time.monotonic() < deadline, "the lesson never started"
            time.sleep(0.1)
        child.send_signal(signal.SIGINT)  # what Ctrl-C in a terminal sends
        _, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 130, err
    ours = [line for line in err.splitlines() if not line.startswith("[IPKernelApp]")]
    assert len(ours) == 1, err  # no traceback: the kernel's start-up warning aside, one line
    assert "interrupted while running 01_sleeps.ipynb (Ctrl-C)" in ours[0]
    assert "not saved" in ours[0] or "nothing was saved" in ours[0]
    assert lesson.read_bytes() == before
    assert not list(tmp_path.glob(".*.part"))


# --------------------------------------------------------------------------- 5. lesson 8
def test_train_encoder_tagger_checks_its_arguments_like_train_before_any_work(monkeypatch):
    from lstm_course import transformer_tagger as tt

    def must_not_build(*args, **kwargs):
        raise AssertionError("the model was built before the arguments were checked")

    monkeypatch.setattr(tt, "build_tagger", must_not_build)
    sentences = PAYLOADS and [__import__("lstm_course.data").data.TaggedSentence(("a",), ("X",))]
    for options, message in [
        ({"epochs": -1, "lr": 0.01}, "epochs must be an int >= 1"),
        ({"epochs": 1e9, "lr": 0.01}, "epochs must be an int >= 1"),
        ({"epochs": 1, "lr": math.nan}, "lr must be a finite number above 0"),
        ({"epochs": 1, "lr": -1.0}, "lr must be a finite number above 0"),
        ({"epochs": 1, "lr": 0.01, "clip": math.inf}, "clip must be a finite number above 0"),
        ({"epochs": 1, "lr": 0.01, "clip": -5.0}, "clip must be a finite number above 0"),
    ]:
        with pytest.raises(ValueError, match=message) as caught:
            tt.train_encoder_tagger("bilstm", sentences, sentences, SMALL, **options)
        _one_line_refusal(caught.value)


@pytest.mark.parametrize("encoder", ["biminlstm", "transformer"])
def test_a_tagger_with_a_swapped_encoder_is_saved_as_a_kind_the_loader_refuses_by_name(
    encoder, tmp_path, capsys
):
    from lstm_course.tagger_cli import main
    from lstm_course.transformer_tagger import build_tagger

    config = TaggerConfig(
        word_dim=6,
        hidden_dim=4,
        num_layers=1,
        char_dim=2,
        char_filters=2,
        min_freq=1,
        bidirectional=True,
    )  # fmt: skip (width 6 + 2 = 2 * hidden_dim, and a multiple of the 4 heads)
    model = build_tagger(encoder, config, _tiny_tagger().vocabs)
    model.save(tmp_path / "swapped.pt")
    with pytest.raises(CheckpointError, match="encoder"):
        LSTMTagger.load(tmp_path / "swapped.pt")
    assert main(["tag", str(tmp_path / "swapped.pt"), "the cat sleeps"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "a checkpoint of another kind ('tagger with a" in err, err
    # the plain nn.LSTM one is still a tagger, and loads
    build_tagger("bilstm", config, model.vocabs).save(tmp_path / "plain.pt")
    LSTMTagger.load(tmp_path / "plain.pt")


# --------------------------------------------------------------------------- 6. lists, tools
@pytest.mark.parametrize(
    "make",
    [
        lambda: charlm.CharLM(["a", "b"]),
        lambda: charlm.encode_text("ab", ["a", "b"]),
        lambda: TaggerVocabs(words=["a"], chars=["b"], tags=["NOUN"]),
        lambda: LSTMTagger(SMALL, {"words": ["a"]}),
    ],
    ids=["CharLM", "encode_text", "TaggerVocabs", "LSTMTagger"],
)
def test_a_vocabulary_given_as_a_list_is_one_line_that_says_how_to_make_one(make):
    with pytest.raises(TypeError) as caught:
        make()
    message = _one_line_refusal(caught.value)
    assert "must be a" in message and "got a" in message and "make one with" in message


def _lesson_times(*paths) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "tools/lesson_times.py", *map(str, paths)],
        cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_lesson_times_on_a_damaged_notebook_is_one_line_and_status_2(tmp_path):
    import nbformat

    good = tmp_path / "01_good.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("1")]
    nbformat.write(nb, good)
    for text in ['{"cells": [', '{"cells": 3, "metadata": {}}', '{"cells": [7], "metadata": {}}']:
        damaged = tmp_path / "02_damaged.ipynb"
        damaged.write_text(text)
        done = _lesson_times(good, damaged)
        assert done.returncode == 2, done.stderr
        assert done.stdout == ""  # checked before any lesson's line
        assert done.stderr.count("\n") == 1 and "02_damaged.ipynb" in done.stderr, done.stderr


def test_lesson_times_refuses_out_of_order_times_instead_of_a_negative_time(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("1")
    cell.metadata["execution"] = {
        "iopub.execute_input": "2026-01-01T10:00:05Z",
        "shell.execute_reply": "2026-01-01T10:00:01Z",
    }
    nb.cells = [cell]
    nbformat.write(nb, path := tmp_path / "03_order.ipynb")
    done = _lesson_times(path)
    assert done.returncode == 1
    assert "out of order" in done.stdout and " -" not in done.stdout, done.stdout
    assert done.stdout.count("\n") == 1


def test_forecasting_helpers_never_change_the_callers_inputs():
    # lesson 7's merged code already gives the model a copy (this holds it there)
    from lstm_course.forecasting import direct_forecast, recursive_forecast

    inputs = np.arange(12.0).reshape(3, 4)
    before = inputs.copy()

    def vandal(windows):
        windows[:] = -1.0
        return windows[:, -1]

    recursive_forecast(vandal, inputs, 3)
    direct_forecast(lambda w: np.repeat(vandal(w)[:, None], 2, axis=1), inputs, 2)
    assert np.array_equal(inputs, before)


# --------------------------------------------------------------------------- 7. environment
def _no_hash(*args):
    raise AssertionError("the file was hashed before its size was checked")


def test_a_huge_file_in_place_of_a_treebank_file_is_refused_by_its_size_unread(
    tmp_path, monkeypatch
):
    from lstm_course import data

    huge = tmp_path / data.ewt_filename("dev")
    with huge.open("wb") as f:  # 1 GB, sparse: nothing written, nothing to read in full
        f.truncate(1 << 30)
    monkeypatch.setattr(data, "sha256_of", _no_hash)
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path))
    with pytest.raises(ValueError) as caught:
        data.find_ud_english_ewt("dev")
    message = _one_line_refusal(caught.value)
    assert "1,073,741,824 bytes, the release's file 1,805,545" in message
    # and in the cache, the same: refused by size, then (offline) one message what to do
    monkeypatch.delenv(data.DATA_ENV)
    with pytest.raises(data.DatasetUnavailable) as caught:
        data.find_ud_english_ewt("dev", cache_dir=tmp_path, allow_download=False)
    assert "1,073,741,824 bytes" in str(caught.value)


def test_a_bad_file_in_the_data_folder_says_what_to_do_offline_too(tmp_path, monkeypatch):
    from lstm_course import data

    (tmp_path / data.ewt_filename("dev")).write_bytes(b"x" * data.EWT_BYTES["dev"])
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path))
    with pytest.raises(ValueError) as caught:
        data.find_ud_english_ewt("dev")
    message = _one_line_refusal(caught.value)
    assert "let the course download it" not in message
    assert "copied from a machine that is online" in message and data.EWT_URL[:30] in message


def test_an_unreadable_data_folder_is_one_line(tmp_path, monkeypatch):
    from lstm_course import data

    folder = tmp_path / "locked"
    folder.mkdir()
    (folder / data.ewt_filename("dev")).write_bytes(b"")
    folder.chmod(0)  # as root this alone is not enough: os.access is asked, and answers no
    monkeypatch.setattr(data.os, "access", lambda path, mode: Path(path) != folder)
    monkeypatch.setenv(data.DATA_ENV, str(folder))
    try:
        with pytest.raises(data.DatasetUnavailable) as caught:
            data.find_ud_english_ewt("dev", allow_download=False)
    finally:
        folder.chmod(0o755)
    message = _one_line_refusal(caught.value)
    assert "$LSTM_COURSE_DATA points to" in message and "permission denied" in message


def test_no_home_is_one_line_that_says_what_to_set(tmp_path, monkeypatch):
    from lstm_course import data

    monkeypatch.delenv("HOME", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.delenv(data.DATA_ENV, raising=False)

    def no_home():
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(data.Path, "home", staticmethod(no_home))
    with pytest.raises(data.DatasetUnavailable) as caught:
        data.find_ud_english_ewt("dev", allow_download=False)
    message = _one_line_refusal(caught.value)
    assert "$HOME is not set" in message and "XDG_CACHE_HOME" in message


# --------------------------------------------------------------------------- 8. small edges
def test_sizes_that_would_not_fit_in_memory_are_a_message_before_any_allocation():
    from lstm_course.forecast_uncertainty import block_bootstrap_indices
    from lstm_course.harmonic import fourier_terms

    with pytest.raises(ValueError, match="more than the 100,000,000") as caught:
        block_bootstrap_indices(10**6, 5, 10**6)
    _one_line_refusal(caught.value)
    with pytest.raises(ValueError, match="more than the 100,000,000") as caught:
        fourier_terms(np.arange(10.0), 10**9)
    _one_line_refusal(caught.value)


def test_model_sizes_beyond_the_checkpoint_limit_are_a_message_not_an_allocator_error():
    big = TaggerConfig(**{**SMALL.__dict__, "hidden_dim": 10**6})
    with pytest.raises(ValueError, match="more than the 1,073,741,824 bytes") as caught:
        LSTMTagger(big, _tiny_tagger().vocabs)
    _one_line_refusal(caught.value)
    with pytest.raises(ValueError, match="more than the 1,073,741,824 bytes"):
        charlm.CharLM(charlm.char_vocab(), charlm.CharLMConfig(hidden_size=10**6))


def test_loglog_slope_on_equal_lengths_and_bad_values_is_a_message():
    from lstm_course.scaling import loglog_slope

    with pytest.raises(ValueError, match="two different lengths"):
        loglog_slope([64, 64, 64], [1.0, 2.0, 3.0])
    for lengths, values in [([0, 4], [1.0, 2.0]), ([2, 4], [1.0, math.inf])]:
        with pytest.raises(ValueError, match="finite numbers above 0"):
            loglog_slope(lengths, values)
    assert loglog_slope([1, 2, 4], [3.0, 12.0, 48.0]) == pytest.approx(2.0)


def test_rounds_are_bounded_in_the_benchmark_and_the_function(tmp_path):
    from lstm_course.scaling import MAX_ROUNDS, best_time

    with pytest.raises(ValueError, match=f"rounds from 1 to {MAX_ROUNDS}"):
        best_time(lambda: None, rounds=10**9)
    done = subprocess.run(
        [PYTHON, "benchmarks/scan_vs_loop.py", "--rounds", "1000000000"],
        cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2 and f"--rounds must be from 1 to {MAX_ROUNDS}" in done.stderr


def test_sigterm_during_a_download_leaves_no_part_file(tmp_path):
    import http.server
    import threading

    class Slow(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(10**6))
            self.end_headers()
            self.wfile.write(b"x" * 1000)
            self.wfile.flush()
            time.sleep(20)  # the rest never comes in time

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/f"
    target = tmp_path / "f.conllu"
    code = (
        "from pathlib import Path; from lstm_course.data import download; "
        f"download({url!r}, Path({str(target)!r}), '0' * 64)"
    )
    child = subprocess.Popen([PYTHON, "-c", code], env=_env(), stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob(".*.part")):  # the download has started writing
            assert child.poll() is None and time.monotonic() < deadline, child.stderr.read()
            time.sleep(0.05)
        time.sleep(0.3)
        child.send_signal(signal.SIGTERM)
        child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
        server.shutdown()
    assert child.returncode == 143
    assert list(tmp_path.iterdir()) == []  # no .part, no target
