"""Python's standard library as a corpus of code: which files, which are held out, their text.

Every machine with Python has the source of its standard library, so lesson 6 reads it
instead of downloading anything. Two things must not depend on the machine:

- **what counts as code.** Some installations leave the library's own test suite out
  (Debian's and Ubuntu's packages, so Colab; the official Docker images), so the course
  leaves it out everywhere. Files that say in their first lines that a program wrote them
  (character tables of ``encodings``, ``pydoc_data/topics.py``, the build settings in
  ``_sysconfigdata_*``) are data, not code a person wrote, and are left out too.
- **which files are held out.** A file is held out when the SHA-256 of its path inside the
  library, such as ``"email/utils.py"``, falls in one tenth of the range. The path, not the
  position in a sorted list, decides, so ``textwrap.py`` is held out on every Python version
  that has it, and a file added in a later version changes no other file's side.

Files are named everywhere by that relative path (a ``str`` with ``/``), which is also what a
checkpoint records, so a model trained on one Python can be evaluated on another only on the
files it never saw (:func:`unseen_files`).
"""

from __future__ import annotations

import hashlib
import os
import re
import sysconfig
from collections.abc import Callable, Collection, Iterable, Mapping
from pathlib import Path

import numpy as np

#: Folders whose files are not part of the library itself: its test suite, and whatever is
#: installed on top of it.
SKIPPED_FOLDERS = frozenset(
    {"test", "tests", "idle_test", "site-packages", "dist-packages", "__pycache__"}
)
#: What a generated file says about itself in its first lines.
GENERATED = re.compile(r"auto-?generated|generated (?:from|by|with)|do not edit", re.IGNORECASE)
#: One file in this many is held out.
HELD_OUT_EVERY = 10


def stdlib_root() -> Path:
    """The folder of the running Python's standard library."""
    return Path(sysconfig.get_paths()["stdlib"])


def stdlib_files(root: str | os.PathLike | None = None) -> list[str]:
    """The code files of a standard library (the running Python's unless ``root`` is given),
    as sorted paths relative to ``root``: every ``.py`` file in every folder, except the
    test suite, what is installed on top, generated files and files that are not UTF-8."""
    root = Path(root) if root is not None else stdlib_root()
    files = []
    for path in root.rglob("*.py"):
        relative = path.relative_to(root)
        if SKIPPED_FOLDERS & set(relative.parts[:-1]) or not path.is_file():
            continue
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            continue  # not UTF-8: a few files are in another encoding on purpose
        if GENERATED.search("\n".join(text.splitlines()[:5])):
            continue
        files.append(relative.as_posix())
    if not files:
        raise FileNotFoundError(f"no .py files in {root}: is this Python's standard library?")
    return sorted(files)


def is_held_out(path: str, every: int = HELD_OUT_EVERY) -> bool:
    """Whether the file at ``path`` (relative to the library, with ``/``) is held out: one
    file in ``every``, chosen by a hash of the path alone, the same on every Python."""
    if not isinstance(path, str) or "\\" in path or path.startswith("/"):
        raise ValueError(f"give the path relative to the library, with '/': got {path!r}")
    if every < 2:
        raise ValueError(f"every must be at least 2, got {every}")
    digest = hashlib.sha256(path.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % every == 0


def split_files(files: Iterable[str], every: int = HELD_OUT_EVERY) -> tuple[list[str], list[str]]:
    """``(train, held_out)``: whole files, so the held-out text is code of which the model
    has seen no line."""
    files = list(files)
    held_out = [f for f in files if is_held_out(f, every)]
    chosen = set(held_out)
    return [f for f in files if f not in chosen], held_out


def read_text(files: Iterable[str], root: str | os.PathLike | None = None) -> str:
    """The files' text, one after another, with tabs as four spaces."""
    root = Path(root) if root is not None else stdlib_root()
    return "".join(
        (root / f).read_text(encoding="utf-8", errors="replace").replace("\t", "    ")
        for f in files
    )


def unseen_files(info: Mapping[str, object], files: Collection[str]) -> list[str]:
    """Of ``files`` (this Python's), those a model's checkpoint says it held out from
    training: the only text on which that model can be measured fairly.

    A file that is new in this Python is not among them, even where the rule would hold it
    out: it may hold code that the model read under another name.
    """
    held_out, trained = info.get("held_out_files"), info.get("train_files")
    if not isinstance(held_out, list) or not isinstance(trained, list):
        raise ValueError(
            "the checkpoint does not record its training and held-out files; "
            "re-make it with tools/train_char_lm.py"
        )
    recorded = set(held_out) - set(trained)
    return [f for f in files if f in recorded]


def excerpts(
    files: Iterable[str], root: str | os.PathLike | None = None, chars: int = 2000
) -> list[str]:
    """The start of each file, at most ``chars`` characters, cut after a whole line: a
    sample of many files' code rather than a long stretch of one."""
    if chars < 1:
        raise ValueError(f"chars must be at least 1, got {chars}")
    result = []
    for f in files:
        text = read_text([f], root)
        if len(text) > chars:
            end = text.rfind("\n", 0, chars)
            text = text[: end + 1] if end >= 0 else text[:chars]
        if text:
            result.append(text)
    return result


def function_snippet(
    files: Iterable[str], root: str | os.PathLike | None = None, length: int = 800
) -> tuple[str, str]:
    """``(label, text)``: the first ``length`` characters of the first top-level function, in
    the first of ``files`` that has one that long; the label names the file and function
    ("textwrap.py: def dedent"), so a snippet is never shown under another file's name."""
    pattern = re.compile(r"^def (\w+)\(", re.MULTILINE)
    for f in files:
        text = read_text([f], root)
        for match in pattern.finditer(text):
            if len(text) - match.start() >= length:
                return f"{f}: def {match.group(1)}", text[match.start() : match.start() + length]
    raise ValueError(f"none of the files has a top-level function of {length} characters")


def compressed_bits_per_file(pieces: list[str], compress: Callable[[bytes], bytes]) -> np.ndarray:
    """``(files, 2)``: how many bits the compressed text grows by when each piece (file) is
    added to the ones before it, and the piece's characters. The bits add up to the size of
    the whole text compressed at once, so an adaptive compressor (``bz2``, ``lzma``) keeps
    what it learned from earlier files, as a model keeps its weights."""
    if not pieces or not all(isinstance(p, str) and p for p in pieces):
        raise ValueError("give a list of non-empty texts, one per file")
    sizes, text = [0], b""
    for piece in pieces:
        text += piece.encode("utf-8")
        sizes.append(8 * len(compress(text)))
    return np.stack([np.diff(sizes), [len(p) for p in pieces]], 1).astype(float)
