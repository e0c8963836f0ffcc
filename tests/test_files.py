import dataclasses
import errno
import os
import stat
import tempfile

import pytest

from lstm_course.files import OutputPathError, atomic_write, check_output_path, load_checkpoint


def test_atomic_write_replaces_only_on_success(tmp_path):
    path = tmp_path / "out.txt"
    with atomic_write(path) as f:
        f.write("complete")
    assert path.read_text() == "complete"
    with pytest.raises(RuntimeError), atomic_write(path) as f:
        f.write("half")
        raise RuntimeError("interrupted")
    assert path.read_text() == "complete"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_atomic_write_refuses_append_mode(tmp_path):
    with pytest.raises(ValueError, match="whole files"), atomic_write(tmp_path / "x", "a"):
        pass


@pytest.mark.parametrize("kind", ["symlink", "directory", "fifo"])
def test_atomic_write_refuses_what_is_not_a_regular_file(tmp_path, kind):
    # run as root, `--out /dev/null` once turned /dev/null into a 7 MB regular file
    real = tmp_path / "real.txt"
    real.write_text("keep me")
    target = tmp_path / "target"
    if kind == "symlink":
        target.symlink_to(real)
    elif kind == "directory":
        target.mkdir()
    elif hasattr(os, "mkfifo"):
        os.mkfifo(target)
    else:
        pytest.skip("no named pipes on this system")
    with (
        pytest.raises(OutputPathError, match=r"refusing to write .*target: it is a"),
        atomic_write(target) as f,
    ):
        f.write("new")
    assert real.read_text() == "keep me"
    assert target.is_symlink() if kind == "symlink" else not target.is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["real.txt", "target"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_files_keep_an_existing_mode_and_new_ones_follow_the_umask(tmp_path):
    shared = tmp_path / "shared.json"
    shared.write_text("old")
    shared.chmod(0o644)
    with atomic_write(shared) as f:
        f.write("new")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o644  # mkstemp's 0o600 used to stay
    for umask, expected in ((0o022, 0o644), (0o077, 0o600), (0o002, 0o664)):
        old = os.umask(umask)
        try:
            with atomic_write(tmp_path / f"new-{umask:o}") as f:
                f.write("x")
        finally:
            os.umask(old)
        assert stat.S_IMODE((tmp_path / f"new-{umask:o}").stat().st_mode) == expected


def test_check_output_path_refuses_inputs_and_unwritable_places(tmp_path, monkeypatch):
    data = tmp_path / "train.conllu"
    data.write_text("data")
    with pytest.raises(OutputPathError, match="it is also an input"):
        check_output_path(tmp_path / "sub" / ".." / "train.conllu", inputs=[data])
    with pytest.raises(OutputPathError, match="is not a folder"):
        check_output_path(data / "model.pt")  # the parent is a file
    with pytest.raises(OutputPathError, match="give a file name"):
        check_output_path("")
    with pytest.raises(OutputPathError, match="it is a directory"):
        check_output_path(tmp_path)
    assert check_output_path(tmp_path / "new" / "deeper" / "model.pt").name == "model.pt"
    assert not (tmp_path / "new").exists()  # checking creates nothing

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    with pytest.raises(OutputPathError, match=r"cannot write .*: Read-only file system"):
        check_output_path(tmp_path / "model.pt")
    assert data.read_text() == "data"


class _RunsCode:
    def __reduce__(self):
        return (os.system, ("echo this must never run",))


def test_a_checkpoint_that_fails_to_load_is_one_line_without_torchs_advice(tmp_path):
    import numpy as np
    import torch

    files = {
        "code.pt": lambda p: torch.save({"format": "k", "x": _RunsCode()}, p),
        "numpy.pt": lambda p: torch.save({"format": "k", "x": np.zeros(2)}, p),
        "garbage.pt": lambda p: p.write_bytes(bytes(range(256)) * 4),
        "text.pt": lambda p: p.write_text("hello"),
        "empty.pt": lambda p: p.write_bytes(b""),
    }
    for name, make in files.items():
        path = tmp_path / name
        make(path)
        with pytest.raises(ValueError) as info:
            load_checkpoint(path, "k", 1)
        message = str(info.value)
        assert message.startswith(f"{path} is not a readable k checkpoint: "), message
        assert "\n" not in message and "weights_only" not in message, message
    with pytest.raises(ValueError, match=r"it holds a Python object \(\w+\.system\)"):
        load_checkpoint(tmp_path / "code.pt", "k", 1)


@dataclasses.dataclass
class Sizes:
    inputs: int


def test_save_model_and_load_model_round_trip_and_refuse_what_does_not_fit(tmp_path):
    import torch

    from lstm_course.files import CheckpointError, load_model, save_model

    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    path = tmp_path / "m.pt"
    save_model(path, "k", 1, model, Sizes(inputs=3))

    def build(payload):
        return torch.nn.Linear(payload["config"]["inputs"], 2)

    loaded, payload = load_model(path, "k", 1, build)
    assert payload["config"] == {"inputs": 3} and not loaded.training
    torch.testing.assert_close(loaded.weight, model.weight, rtol=0, atol=0)
    for wrong_build, why in (
        (lambda p: torch.nn.Linear(4, 2), "has shape (2, 3)"),  # weights of another shape
        (lambda p: torch.nn.Linear(p["sizes"], 2), "'sizes'"),  # what it needs is missing
    ):
        with pytest.raises(CheckpointError, match="incomplete or inconsistent") as info:
            load_model(path, "k", 1, wrong_build)
        assert why in str(info.value), info.value
    with pytest.raises(CheckpointError, match="not a other checkpoint"):
        load_model(path, "other", 1, build)


def test_both_models_raise_the_one_checkpoint_error(tmp_path):
    import torch

    from lstm_course import charlm, tagger
    from lstm_course.files import CheckpointError

    not_a_model = tmp_path / "x.pt"
    torch.save([1, 2, 3], not_a_model)
    for load in (charlm.CharLM.load, tagger.LSTMTagger.load):
        with pytest.raises(CheckpointError):
            load(not_a_model)
    assert tagger.CheckpointError is CheckpointError  # still importable from its former home
