"""Writing files so that a crash never leaves half a file that is later trusted.

A file is written to a temporary name in the same folder, flushed to disk and then renamed
over the target in one step (``os.replace`` is atomic on POSIX and Windows). Whoever opens
the target sees either the old complete file or the new complete file, never a partial one.
Downloads and checkpoints in later lessons use the same function.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "w", **open_kw) -> Iterator[IO]:
    """Open a temporary file beside ``path``; on success it replaces ``path``.

    If the ``with`` block raises, the temporary file is removed and ``path`` is untouched.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_write writes whole files: mode must be 'w' or 'wb', got {mode!r}")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, mode, **open_kw) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def save_checkpoint(path: str | os.PathLike, kind: str, version: int, payload: dict) -> None:
    """Save ``payload`` (tensors, strings, numbers, lists, dicts only) as a checkpoint of
    ``kind``, atomically, so :func:`load_checkpoint` can read it with ``weights_only=True``."""
    import torch  # only the checkpoints need torch; atomic_write does not

    _check_plain(payload, "payload")
    with atomic_write(path, "wb") as f:
        torch.save({"format": kind, "version": version, **payload}, f)


def _check_plain(value: object, where: str) -> None:
    """Refuse, before anything is written, a value that ``weights_only=True`` could not load
    back (a subclass of str such as ``torch.__version__`` included)."""
    import torch

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


def load_checkpoint(
    path: str | os.PathLike,
    kind: str,
    version: int,
    map_location: object = "cpu",
    error: type[Exception] = ValueError,
) -> dict:
    """A checkpoint saved by :func:`save_checkpoint`, read with ``weights_only=True`` (no
    pickled code runs). Anything else, a truncated file, another kind or version, raises
    ``error`` with the path and what is wrong."""
    import torch

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        payload = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:  # a truncated zip, a pickle with code, not a torch file at all
        raise error(
            f"{path} is not a readable {kind} checkpoint ({type(e).__name__}: {e})"
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != kind:
        raise error(f"{path} is a PyTorch file but not a {kind} checkpoint of this course")
    if payload.get("version") != version:
        raise error(
            f"{path}: {kind} checkpoint version {payload.get('version')!r} is not supported"
        )
    return payload
