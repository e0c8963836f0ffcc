"""Writing files so that a crash never leaves half a file that is later trusted.

A file is written to a temporary name in the same folder, flushed to disk and then renamed
over the target in one step (``os.replace`` is atomic on POSIX and Windows). Whoever opens
the target sees either the old complete file or the new complete file, never a partial one.
Downloads and checkpoints in later lessons use the same function.

Checkpoints are the one file format the models share: :func:`save_model` writes a model's
weights beside what rebuilds it (configuration, vocabularies), :func:`load_model` reads them
back with ``weights_only=True``, and every checkpoint that cannot be used is a
:class:`CheckpointError`, whichever model it was meant for.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import io
import os
import re
import signal
import stat
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TypeVar

import torch
from torch import nn


class OutputPathError(ValueError):
    """A place the course refuses to write a file to; the message says why."""


class CheckpointError(ValueError):
    """A file that is not a usable checkpoint: unreadable, of another model or version, or
    incomplete. (A ``ValueError``, so code that catches those catches it too.)"""


class DiskFullError(OSError):
    """The device a file was being written to is full; the old file (if any) is unchanged.

    Its message is one line that names the file (``str()`` of a plain ``OSError`` made with
    an errno starts with ``[Errno 28]``)."""

    def __init__(self, target: Path, existed: bool) -> None:
        kept = f"{target} unchanged" if existed else "nothing was written"
        super().__init__(
            errno.ENOSPC, f"cannot write {target}: no space left on the device; {kept}"
        )
        self.filename = str(target)

    def __str__(self) -> str:
        return self.strerror


#: The errors that mean "the disk (or the user's quota) is full".
_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def check_output_path(
    path: str | os.PathLike,
    inputs: Iterable[str | os.PathLike] = (),
    *,
    replaces: str | None = None,
) -> Path:
    """``path`` as a :class:`Path`, if the course may write a file there; else
    :class:`OutputPathError`.

    Checked before any long work, so a typo in ``--out`` costs a second, not an epoch. A
    file is only ever written over a *regular* file: not over a directory, a device such as
    ``/dev/null`` (``os.replace`` would put a regular file in its place), a symlink (the link
    would be replaced, not what it points to) or one of ``inputs`` (a checkpoint written over
    the training data destroys it). The folder it goes in must be one the course can create
    files in: this is tried, with a temporary file that is removed at once.

    With ``replaces`` (a checkpoint kind, such as ``"tagger"``), an existing file is only
    written over if it is a checkpoint of that kind: ``--out notes.txt`` must not turn a
    learner's notes into a zip of weights.
    """
    target = _regular_or_new(path)
    for source in inputs:
        if _same_file(target, Path(source)):
            raise OutputPathError(
                f"refusing to write {target}: it is also an input ({source}); "
                "writing there would destroy it"
            )
    if replaces is not None and target.exists() and not is_checkpoint(target, replaces):
        raise OutputPathError(
            f"refusing to write {target}: it exists and is not a {replaces} checkpoint of this "
            "course; give the name of a new file (or delete that one first)"
        )
    folder = target.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent  # atomic_write creates the missing folders under this one
    if not folder.is_dir():
        raise OutputPathError(f"cannot write {target}: {folder} is not a folder")
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".write-test.", suffix=".part")
    except OSError as e:
        raise OutputPathError(f"cannot write {target}: {e.strerror or e} in {folder}") from None
    os.close(fd)
    os.unlink(probe)
    return target


def _regular_or_new(path: str | os.PathLike) -> Path:
    """``path`` as a :class:`Path` if nothing is there or a regular file (not a link)."""
    if not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
        raise OutputPathError(f"give a file name to write to, got {path!r}")
    name = os.fspath(path)
    if isinstance(name, str) and name.endswith(tuple(s for s in (os.sep, os.altsep) if s)):
        # Path("newdir/") is Path("newdir"): the file would silently be called newdir
        raise OutputPathError(
            f"refusing to write {name}: it ends with a separator, so it names a folder; "
            f"give a file name in it (e.g. {name}model.pt)"
        )
    target = Path(path)
    try:
        info = target.lstat()
    except (FileNotFoundError, NotADirectoryError):  # nothing there (yet)
        return target
    except OSError as e:
        raise OutputPathError(f"cannot write {target}: {e.strerror or e}") from None
    if not stat.S_ISREG(info.st_mode):
        kinds = {
            stat.S_ISDIR: "a directory",
            stat.S_ISLNK: "a symbolic link",
            stat.S_ISCHR: "a device",
            stat.S_ISBLK: "a device",
            stat.S_ISFIFO: "a named pipe",
            stat.S_ISSOCK: "a socket",
        }
        kind = next((k for test, k in kinds.items() if test(info.st_mode)), "not a regular file")
        raise OutputPathError(
            f"refusing to write {target}: it is {kind}; give the name of a new or regular file"
        )
    return target


def _same_file(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` name the same file (through links and ``..`` too)."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return a.resolve() == b.resolve()


def _new_file_mode(target: Path) -> int:
    """The permissions the written file gets: those of the file it replaces, else what
    ``open()`` would give a new file (0o666 less the umask). ``mkstemp`` makes its file
    0o600, which would silently hide a shared checkpoint or vocabulary from other users."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        umask = os.umask(0)  # the only portable way to read it is to set it
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def _terminate_as_exit() -> Iterator[None]:
    """While the block runs, SIGTERM (``kill``, a closing terminal, a job scheduler) raises
    ``SystemExit(143)`` instead of ending the process on the spot, so the ``finally`` clauses
    run and no temporary file is left behind. Only where Python's default is in place (the
    main thread, no handler of the program's own): a program's own choice is kept."""
    mine = (
        threading.current_thread() is threading.main_thread()
        and hasattr(signal, "SIGTERM")
        and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    )
    if not mine:
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "w", **open_kw) -> Iterator[IO]:
    """Open a temporary file beside ``path``; on success it replaces ``path``.

    If the ``with`` block raises, the temporary file is removed and ``path`` is untouched.
    ``path`` must be new or a regular file (:func:`check_output_path`); the new file keeps
    the old one's permissions, or follows the umask.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_write writes whole files: mode must be 'w' or 'wb', got {mode!r}")
    target = _regular_or_new(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    permissions = _new_file_mode(target)
    existed = target.exists()
    with _terminate_as_exit():  # a SIGTERM mid-write removes the temporary file too
        yield from _write_then_replace(target, mode, permissions, existed, open_kw)


def _write_then_replace(
    target: Path, mode: str, permissions: int, existed: bool, open_kw: dict
) -> Iterator[IO]:
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    except OSError as e:
        if e.errno in _FULL:
            raise DiskFullError(target, existed) from None
        raise
    try:
        with os.fdopen(fd, mode, **open_kw) as f:
            if hasattr(os, "fchmod"):
                os.fchmod(f.fileno(), permissions)
            else:  # Windows: only the read-only bit exists
                os.chmod(tmp, permissions)
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, OSError) and e.errno in _FULL and not isinstance(e, DiskFullError):
            raise DiskFullError(target, existed) from None
        raise


def save_checkpoint(path: str | os.PathLike, kind: str, version: int, payload: dict) -> None:
    """Save ``payload`` (tensors, strings, numbers, lists, dicts only) as a checkpoint of
    ``kind``, atomically, so :func:`load_checkpoint` can read it with ``weights_only=True``."""
    _check_plain(payload, "payload")
    # serialised in memory first: torch.save writing straight to a full disk fails with a
    # 36-line "[enforce fail at inline_container.cc] unexpected pos" that hides the errno,
    # where a plain write raises OSError(ENOSPC), which atomic_write reports in one line
    buffer = io.BytesIO()
    torch.save({"format": kind, "version": version, **payload}, buffer)
    with atomic_write(path, "wb") as f:
        f.write(buffer.getbuffer())


def _check_plain(value: object, where: str) -> None:
    """Refuse, before anything is written, a value that ``weights_only=True`` could not load
    back (a subclass of str such as ``torch.__version__`` included)."""
    if type(value) in (str, int, float, bool, type(None)) or isinstance(value, torch.Tensor):
        return
    if type(value) in (list, tuple):
        for i, item in enumerate(value):
            _check_plain(item, f"{where}[{i}]")
        return
    if type(value) is dict:
        for key, item in value.items():
            if type(key) is not str:
                raise TypeError(f"{where}: keys must be str, got {type(key).__name__} {key!r}")
            _check_plain(item, f"{where}[{key!r}]")
        return
    raise TypeError(
        f"{where} is a {type(value).__module__}.{type(value).__name__}: a checkpoint holds only "
        "tensors, str, int, float, bool, None, lists and dicts (convert it, e.g. with str())"
    )


#: The most bytes a checkpoint may hold, once unpacked; a tagger or character model of the
#: course is a few megabytes. Checked before anything is read, with the weights' sizes.
MAX_CHECKPOINT_BYTES = 1 << 30

#: The dtypes a checkpoint's floating-point weights may be stored in: cast to the model's own
#: (float32) on load. Integers, booleans, complex numbers and 8-bit floats are refused.
STORED_FLOAT_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)


def _check_zip(path: Path, kind: str, limit: int) -> None:
    """Refuse, from the zip's directory alone (nothing unpacked), a file larger than
    ``limit`` once unpacked, or one whose entries are compressed: ``torch.save`` stores its
    entries as they are, so a compressed one is a file made to expand (a zip bomb)."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except PermissionError:
        raise CheckpointError(f"cannot read {path}: permission denied") from None
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise CheckpointError(
            f"{path} is not a readable {kind} checkpoint: the file is truncated, damaged or "
            "not a PyTorch checkpoint"
        ) from None
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > limit:
        raise CheckpointError(
            f"{path} unpacks to {unpacked:,} bytes, more than the {limit:,} a {kind} "
            "checkpoint may hold; nothing was loaded"
        )
    packed = [e.filename for e in entries if e.compress_type != zipfile.ZIP_STORED]
    if packed:
        raise CheckpointError(
            f"{path} has compressed entries ({one_line(packed[0], 60)}), which PyTorch never "
            "writes: a file made to expand when read is not loaded"
        )


def _torch_load_mapped(path: Path) -> object:
    """``torch.load`` with ``weights_only=True`` (no pickled code runs) and ``mmap=True``:
    the tensors point into the file, so nothing is copied into memory until a check has
    passed. (A str, not a Path: torch 2.2 maps only a str.)"""
    return torch.load(str(path), map_location="cpu", weights_only=True, mmap=True)


def load_checkpoint(
    path: str | os.PathLike,
    kind: str,
    version: int,
    map_location: object = "cpu",
    limit: int = MAX_CHECKPOINT_BYTES,
) -> dict:
    """A checkpoint saved by :func:`save_checkpoint`, read with ``weights_only=True`` (no
    pickled code runs). Anything else, a truncated file, another kind or version, a file
    that unpacks to more than ``limit`` bytes, raises :class:`CheckpointError` with the
    path and what is wrong.

    The tensors are mapped from the file, not read (``mmap``); with ``map_location`` other
    than the CPU they are copied there, each checked first (:func:`check_stored_tensors`)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    _check_zip(path, kind, limit)
    try:
        payload = _torch_load_mapped(path)
    except Exception as e:  # a truncated zip, a pickle with code, not a torch file at all
        raise CheckpointError(
            f"{path} is not a readable {kind} checkpoint: {_why_unreadable(e)}"
        ) from None
    found = payload.get("format") if isinstance(payload, dict) else None
    if found != kind:
        what = (
            f"a checkpoint of another kind ({one_line(repr(found), 60)})"
            if isinstance(found, str) and found
            else "a PyTorch file"
        )
        raise CheckpointError(f"{path} is {what}, not a {kind} checkpoint of this course")
    if payload.get("version") != version:
        raise CheckpointError(
            f"{path}: {kind} checkpoint version {payload.get('version')!r} is not supported"
        )
    if str(map_location) != "cpu":
        try:
            check_stored_tensors(payload, limit)
        except (TypeError, ValueError) as e:
            raise CheckpointError(f"{path}: {one_line(e)}") from None
        payload = _map_tensors(payload, map_location)
    return payload


def check_model_size(shapes: Iterable[tuple[int, ...]], what: str) -> None:
    """A one-line ``ValueError`` if weights of ``shapes`` would be more than a checkpoint may
    hold (:data:`MAX_CHECKPOINT_BYTES` of float32), before anything is allocated: sizes
    such as ``hidden_dim=10**6`` would otherwise end in PyTorch's own allocation error."""
    numbers = 0
    for shape in shapes:
        count = 1
        for size in shape:
            count *= int(size)
        numbers += count
    if 4 * numbers > MAX_CHECKPOINT_BYTES:
        raise ValueError(
            f"{what} would have {numbers:,} weights ({4 * numbers:,} bytes as float32), more "
            f"than the {MAX_CHECKPOINT_BYTES:,} bytes the course builds; choose smaller sizes"
        )


def _map_tensors(value: object, device: object) -> object:
    if isinstance(value, torch.Tensor):
        return value.to(device)
    if isinstance(value, dict):
        return {k: _map_tensors(v, device) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_map_tensors(v, device) for v in value)
    return value


def _tensors(value: object, where: str) -> Iterator[tuple[str, torch.Tensor]]:
    if isinstance(value, torch.Tensor):
        yield where, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _tensors(v, f"{where}[{k!r}]" if where else repr(k))
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _tensors(v, f"{where}[{i}]")


def check_stored_tensors(payload: object, limit: int = MAX_CHECKPOINT_BYTES) -> None:
    """Refuse, from their metadata alone (nothing is read or copied), tensors that are not
    whole, plain arrays of the file: a view with strides that repeat its storage (a few bytes
    on disk that would become gigabytes when copied), one that reaches past its storage, a
    sparse or quantized one, or more elements in all than ``limit`` bytes of float32 hold."""
    elements = 0
    for name, tensor in _tensors(payload, ""):
        if tensor.layout != torch.strided or tensor.is_quantized:
            raise ValueError(f"tensor {name} is {tensor.layout}, not a dense tensor")
        numel = tensor.numel()
        if numel and not tensor.is_contiguous():
            raise ValueError(
                f"tensor {name} of shape {tuple(tensor.shape)} is stored as a view (strides "
                f"{tensor.stride()}), not as a whole tensor; the course saves whole tensors"
            )
        elements += numel
        if 4 * elements > limit:
            raise ValueError(
                f"the tensors hold more than {limit // 4:,} numbers (at {name}, shape "
                f"{tuple(tensor.shape)}): more than the {limit:,} bytes a checkpoint may hold"
            )
        needed = (tensor.storage_offset() + numel) * tensor.element_size()
        if numel and needed > tensor.untyped_storage().nbytes():
            raise ValueError(f"tensor {name} reaches past the data stored for it")


Model = TypeVar("Model", bound=nn.Module)


def save_model(
    path: str | os.PathLike,
    kind: str,
    version: int,
    model: nn.Module,
    config: object,
    **rebuild: object,
) -> None:
    """``model``'s weights (copied to the CPU), its ``config`` (a dataclass, saved as the dict
    ``payload["config"]``) and ``rebuild``, the rest :func:`load_model` needs to make the
    model again (its vocabularies' ``to_dict()``, ...), as one checkpoint of ``kind``,
    written atomically."""
    weights = {k: t.detach().cpu() for k, t in model.state_dict().items()}
    payload = {"config": dataclasses.asdict(config), **rebuild, "state_dict": weights}
    save_checkpoint(path, kind, version, payload)


def load_model(
    path: str | os.PathLike,
    kind: str,
    version: int,
    build: Callable[[dict], Model],
    map_location: str | torch.device = "cpu",
) -> tuple[Model, dict]:
    """A model saved by :func:`save_model`, in evaluation mode on ``map_location``, and the
    checkpoint's payload. ``build(payload)`` makes the model (untrained) from what was saved
    beside the weights; if it fails, or the weights do not fit it, the checkpoint is
    incomplete or inconsistent: a :class:`CheckpointError`, like an unreadable file.

    The model is built on PyTorch's ``meta`` device (shapes, no memory) and the file's own
    tensors become its weights, so a configuration edited to ask for a huge model costs
    nothing before the mismatch is found; ``build`` should check what it can before it
    builds (see :meth:`lstm_course.tagger.LSTMTagger.load`). Every tensor's size, strides
    and dtype are checked from the file's metadata before anything is copied
    (:func:`check_stored_tensors`); weights that are NaN or infinite once cast to the model's
    dtype are refused, naming the tensor: such a model answers, but nonsense."""
    payload = load_checkpoint(path, kind, version)  # tensors mapped from the file, not read
    try:
        weights = payload["state_dict"]
        if not isinstance(weights, dict):
            raise TypeError(f"'state_dict' is a {type(weights).__name__}, not a dict of tensors")
        check_stored_tensors(payload)
        with torch.device("meta"):
            model = build(payload)
        model.load_state_dict(_fitted(weights, model.state_dict()), assign=True)
    except (KeyError, TypeError, ValueError, RuntimeError) as e:
        raise CheckpointError(
            f"{path}: the checkpoint is incomplete or inconsistent ({one_line(e)})"
        ) from None
    return model.to(map_location).eval(), payload


def _fitted(weights: dict, expected: dict) -> dict:
    """``weights`` checked against the (meta) model's ``expected`` state, cast to its dtypes
    (a checkpoint may store float16 to be small): the same names and shapes, or a
    ``ValueError`` naming the first difference."""
    missing = [k for k in expected if k not in weights]
    extra = [k for k in weights if k not in expected]
    if missing or extra:
        raise ValueError(
            f"the weights do not match the configuration: missing {missing[:3]}, "
            f"unexpected {extra[:3]}"
        )
    for name, want in expected.items():
        got = weights[name]
        if not isinstance(got, torch.Tensor):
            raise TypeError(f"weight {name!r} is a {type(got).__name__}, not a tensor")
        if got.shape != want.shape:
            raise ValueError(
                f"weight {name!r} has shape {tuple(got.shape)}, but the configuration "
                f"and vocabularies make it {tuple(want.shape)}"
            )
        usable = STORED_FLOAT_DTYPES if want.dtype.is_floating_point else (want.dtype,)
        if got.dtype not in usable:
            names = ", ".join(str(d).removeprefix("torch.") for d in usable)
            raise ValueError(
                f"weight {name!r} is stored as {str(got.dtype).removeprefix('torch.')}; "
                f"the model's weights are {names}"
            )
    fitted = {}
    for name, want in expected.items():
        # a copy in the model's dtype, checked *after* the cast: 1e300 stored as float64
        # is finite, but infinite as float32
        fitted[name] = weights[name].to(want.dtype, copy=True)
        if want.dtype.is_floating_point and not bool(torch.isfinite(fitted[name]).all()):
            raise ValueError(
                f"weight {name!r} has NaN or infinite values (as "
                f"{str(want.dtype).removeprefix('torch.')}); such a model answers, but nonsense"
            )
    return fitted


def is_checkpoint(path: str | os.PathLike, kind: str) -> bool:
    """Whether ``path`` is a checkpoint of ``kind`` (any version), without reading its
    weights into memory (``mmap``): what may be written over when a new one is saved."""
    try:
        _check_zip(Path(path), kind, MAX_CHECKPOINT_BYTES)
        payload = _torch_load_mapped(Path(path))
    except Exception:  # not a zip, not a PyTorch file, a pickle with code, ...
        return False
    return isinstance(payload, dict) and payload.get("format") == kind


def _why_unreadable(e: Exception) -> str:
    """What is wrong with a file ``torch.load(weights_only=True)`` refused, in one line.

    PyTorch's own message runs to many lines and ends with advice to load the file with
    ``weights_only=False``: that would run whatever code the file holds, which a course
    must never suggest."""
    message = str(e)
    # torch >= 2.4: "Unsupported global: GLOBAL posix.system"; torch 2.2: "Unsupported class
    # posix.system"
    found = re.search(r"(?:Unsupported global: |unsupported )GLOBAL ([\w.]+)", message)
    found = found or re.search(r"Unsupported class ([\w.]+)", message)
    if found:
        return (
            f"it holds a Python object ({found.group(1)}), not only tensors, numbers, strings, "
            "lists and dicts; loading it could run code, so the course does not"
        )
    if (
        "weights_only" in message  # PyTorch's unpickler met something it cannot read
        or isinstance(e, (EOFError, KeyError))
        or any(sign in message for sign in ("zip archive", "central directory", "magic number"))
    ):
        return "the file is truncated, damaged or not a PyTorch checkpoint"
    first = " ".join(message.split())[:200]
    return f"{type(e).__name__}: {first}" if first else type(e).__name__


def one_line(text: object, limit: int = 300) -> str:
    """``text`` on one line (runs of whitespace, newlines included, as one space), cut
    after ``limit`` characters: how the course reports an error it passes on."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
