"""Tagged sentences from CoNLL-U files, and the UD English EWT treebank that holds them.

A CoNLL-U file (https://universaldependencies.org/format.html) has one word per line, ten
tab-separated columns, a blank line after each sentence and ``#`` comment lines. The tagger
needs two columns: FORM (2, the word) and UPOS (4, its universal part-of-speech tag). Lines
whose ID is a range (``3-4``: a multiword token such as "don't", whose parts follow on their
own lines) or a decimal (``5.1``: an empty node) carry no word of their own and are skipped.

:func:`load_ud_english_ewt` finds the treebank in an explicit folder, else in
``$LSTM_COURSE_DATA``, else in the user's cache, else downloads it from the official
repository, and always checks its SHA-256 so a corrupt or partial file is never used.
"""

from __future__ import annotations

import codecs
import errno
import functools
import hashlib
import http.client
import os
import re
import sys
import unicodedata
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from lstm_course.files import atomic_write

#: The 17 universal part-of-speech tags (https://universaldependencies.org/u/pos/).
UPOS_TAGS: tuple[str, ...] = (
    "ADJ",
    "ADP",
    "ADV",
    "AUX",
    "CCONJ",
    "DET",
    "INTJ",
    "NOUN",
    "NUM",
    "PART",
    "PRON",
    "PROPN",
    "PUNCT",
    "SCONJ",
    "SYM",
    "VERB",
    "X",
)

EWT_RELEASE = "r2.16"
EWT_SPLITS = ("train", "dev", "test")
EWT_URL = (
    "https://raw.githubusercontent.com/UniversalDependencies/UD_English-EWT/"
    + EWT_RELEASE
    + "/en_ewt-ud-{split}.conllu"
)
#: SHA-256 of each file of release r2.16, as published with the course's copy.
EWT_SHA256 = {
    "dev": "531a54ff90d6ab12201c5a50c3e78e6ddac4de69abc4bce5d275d3cd29efe2b6",
    "test": "e266e515a0a7547657ed3d90d9ba46487d6bd251f27ad4269d4e8a427c8555cd",
    "train": "3fb78e2b55482c8ee00caa653af436c88c9e5bc9a73ce26e4ae3ddc79d2b7e7b",
}
#: The size in bytes of each file of release r2.16: checked before the checksum, so a huge
#: file in the place of one (a disk image, a log) is refused at once, not read in full.
EWT_BYTES = {"dev": 1_805_545, "test": 1_804_515, "train": 14_203_025}
DATA_ENV = "LSTM_COURSE_DATA"


@dataclass(frozen=True)
class TaggedSentence:
    """One sentence: its words and their tags, the same length."""

    words: tuple[str, ...]
    tags: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.words) != len(self.tags):
            raise ValueError(
                f"a sentence needs one tag per word: {len(self.words)} words, "
                f"{len(self.tags)} tags ({' '.join(self.words[:8])} ...)"
            )

    def __len__(self) -> int:
        return len(self.words)


class ConlluError(ValueError):
    """A line of a CoNLL-U file that cannot be read; the message names the file and line."""


class DatasetUnavailable(FileNotFoundError):
    """The treebank is in none of the places the course looks and cannot be downloaded."""


# --------------------------------------------------------------------------- reading
def read_conllu(
    path: str | os.PathLike, tagset: tuple[str, ...] = UPOS_TAGS
) -> list[TaggedSentence]:
    """Every sentence of a CoNLL-U file as (words, UPOS tags).

    The file must be UTF-8 (a byte-order mark at its start is allowed, as some editors
    write one); anything it cannot read raises :class:`ConlluError` naming the file and line.
    Lines are read as bytes and decoded one by one, so an undecodable byte is reported
    on its own line rather than as an offset into the whole file.
    """
    path = Path(path)
    sentences: list[TaggedSentence] = []
    words: list[str] = []
    tags: list[str] = []
    known = set(tagset)
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            where = f"{path}, line {number}"
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise ConlluError(
                    f"{where}: not UTF-8 text (byte 0x{raw[e.start]:02x} at column {e.start + 1}); "
                    "CoNLL-U files are UTF-8"
                ) from None
            line = line.rstrip("\n").rstrip("\r")
            if not line.strip():
                if words:
                    sentences.append(TaggedSentence(tuple(words), tuple(tags)))
                    words, tags = [], []
                continue
            if line.startswith("#"):
                continue
            columns = line.split("\t")
            if len(columns) != 10:
                found = len(columns)
                raise ConlluError(
                    f"{where}: expected 10 tab-separated columns, found {found}: {line[:60]!r}"
                )
            token_id, form, _, upos = columns[:4]
            if _SKIPPED_ID.fullmatch(token_id):
                continue  # a multiword token or an empty node: no word of its own
            if not _WORD_ID.fullmatch(token_id):
                raise ConlluError(
                    f"{where}: the ID column must be a word number, got {token_id[:20]!r}"
                )
            # compared as text: int() of a 5,000-digit ID would raise its own ValueError
            if token_id != str(len(words) + 1):
                raise ConlluError(
                    f"{where}: word number {token_id[:20]} follows word {len(words)}; "
                    "is a blank line missing between sentences?"
                )
            if not form:
                raise ConlluError(f"{where}: the FORM column (the word) is empty")
            if upos not in known:
                raise ConlluError(f"{where}: unknown UPOS tag {upos[:20]!r} for {form[:40]!r}")
            words.append(form)
            tags.append(upos)
    if words:
        sentences.append(TaggedSentence(tuple(words), tuple(tags)))
    return sentences


# ASCII digits only: ``\d`` would also take Arabic-Indic and other digits
_SKIPPED_ID = re.compile(r"[0-9]+-[0-9]+|[0-9]+\.[0-9]+")
_WORD_ID = re.compile(r"[1-9][0-9]*")


# --------------------------------------------------------------------------- finding
def default_cache_dir() -> Path:
    """Where downloads are kept: ``$XDG_CACHE_HOME/lstm_course`` or ``~/.cache/lstm_course``;
    :class:`DatasetUnavailable` (one line, what to set) where neither can be found."""
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            home = Path.home()
        except (RuntimeError, KeyError, OSError):  # no $HOME and no entry in the user database
            home = Path()
        if not str(home) or not home.is_absolute():
            raise DatasetUnavailable(
                "the course has no folder to keep downloads in: $HOME is not set (and "
                "XDG_CACHE_HOME neither); set XDG_CACHE_HOME to a folder you can write, or "
                f"{DATA_ENV} to a folder that holds the EWT files"
            )
        base = home / ".cache"
    return Path(base) / "lstm_course" / f"ud-english-ewt-{EWT_RELEASE}"


def ewt_filename(split: str) -> str:
    if split not in EWT_SPLITS:
        raise ValueError(f"split must be one of {', '.join(EWT_SPLITS)}; got {split!r}")
    return f"en_ewt-ud-{split}.conllu"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _mismatch(path: Path, split: str) -> str | None:
    """What is wrong with ``path`` as the EWT file of ``split`` (its size first, so a huge
    file is never read), or None if it is that file."""
    size = path.stat().st_size
    if size != EWT_BYTES[split]:
        return f"it has {size:,} bytes, the release's file {EWT_BYTES[split]:,}"
    actual = sha256_of(path)
    if actual != EWT_SHA256[split]:
        return f"SHA-256 {actual[:16]}..., expected {EWT_SHA256[split][:16]}..."
    return None


def _verify(path: Path, split: str) -> None:
    wrong = _mismatch(path, split)
    if wrong:
        raise ValueError(
            f"{path} is not UD English EWT {EWT_RELEASE} ({wrong}): the file is corrupt, "
            f"partial or another release. Replace it with {EWT_URL.format(split=split)} "
            "(copied from a machine that is online, if this one is not), or delete it and run "
            "again online: the course then downloads it."
        )


def download(url: str, destination: Path, sha256: str, timeout: float = 60.0) -> Path:
    """Fetch ``url`` to ``destination``, atomically, only if its SHA-256 is ``sha256``.

    The bytes go to a temporary file; it replaces ``destination`` only when the whole body
    has arrived and its checksum matches. An interrupted, truncated or corrupt download raises
    and leaves nothing behind.
    """
    digest = hashlib.sha256()
    with atomic_write(destination, "wb") as out:
        received = 0
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                declared = response.headers.get("Content-Length")
                for block in iter(lambda: response.read(1 << 16), b""):
                    digest.update(block)
                    out.write(block)
                    received += len(block)
        except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as e:
            raise ConnectionError(f"could not download {url}: {type(e).__name__}: {e}") from e
        if declared is not None and received != int(declared):
            raise ConnectionError(
                f"could not download {url}: the connection ended after {received:,} of "
                f"{int(declared):,} bytes; nothing was saved"
            )
        if digest.hexdigest() != sha256:
            raise ValueError(
                f"the download of {url} is corrupt or incomplete (SHA-256 "
                f"{digest.hexdigest()[:16]}..., expected {sha256[:16]}...); nothing was saved"
            )
    return destination


def find_ud_english_ewt(
    split: str,
    data_dir: str | os.PathLike | None = None,
    *,
    cache_dir: str | os.PathLike | None = None,
    url_template: str = EWT_URL,
    allow_download: bool = True,
) -> Path:
    """The path of one verified EWT file, looking in this order:

    1. ``data_dir``, if given;
    2. the folder in the environment variable ``LSTM_COURSE_DATA``, if set;
    3. the cache (``cache_dir``, default :func:`default_cache_dir`);
    4. a download from ``url_template`` into the cache.
    """
    name = ewt_filename(split)
    url = _url_for(url_template, split)
    explicit = [
        (Path(d), label)
        for d, label in (
            (data_dir, "the data_dir argument"),
            (os.environ.get(DATA_ENV), f"${DATA_ENV}"),
        )
        if d
    ]
    for folder, label in explicit:
        path = folder / name
        try:
            if not folder.is_dir():
                raise DatasetUnavailable(f"{label} points to {folder}, which is not a folder")
            if not os.access(folder, os.R_OK | os.X_OK):
                raise PermissionError(errno.EACCES, "permission denied", str(folder))
            if path.is_file():
                _verify(path, split)
                return path
        except PermissionError as e:
            raise DatasetUnavailable(
                f"{label} points to {folder}, but {e.filename or path} cannot be read "
                f"(permission denied): make it readable (chmod) or point {label} to another "
                "folder"
            ) from None
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    cached = cache / name
    corrupt, found = "", "was not found"
    try:
        wrong = _mismatch(cached, split) if cached.is_file() else "missing"
    except OSError as e:
        raise DatasetUnavailable(
            f"cannot read the cached copy {cached} ({e.strerror or e}): make it readable or "
            "delete it"
        ) from None
    if wrong is None:
        return cached
    if wrong != "missing":
        # say so: "not found" would send the learner looking for a file that is there
        corrupt = f"the cached copy {cached} is corrupt or partial ({wrong}) and "
        found = "has no verified copy"
    if not allow_download:
        raise DatasetUnavailable(
            _where_to_put_it(name, explicit, cache, corrupt + "downloads are off", found)
        )
    try:
        return download(url, cached, EWT_SHA256[split])
    except ConnectionError as e:
        raise DatasetUnavailable(
            _where_to_put_it(name, explicit, cache, corrupt + str(e), found)
        ) from e
    except OSError as e:  # the cache cannot be written: a read-only mount, a file in the way
        why = e.strerror or str(e)
        raise DatasetUnavailable(
            f"cannot save {name} in the cache {cache} ({why}). Move the cache: set "
            "XDG_CACHE_HOME to a folder you can write (the cache is then "
            f"$XDG_CACHE_HOME/lstm_course/...), or download the file yourself into a folder "
            f"and set {DATA_ENV} to it"
        ) from None


def _url_for(url_template: str, split: str) -> str:
    """``url_template`` with the split filled in, or a ``ValueError`` that shows the one
    field a template may have."""
    try:
        return url_template.format(split=split)
    except (KeyError, IndexError, ValueError, AttributeError, TypeError) as e:
        raise ValueError(
            f"url_template may hold one field, {{split}}, as in {EWT_URL!r}; "
            f"{url_template!r} cannot be filled in ({type(e).__name__}: {e})"
        ) from None


def _where_to_put_it(
    name: str, explicit: list, cache: Path, reason: str, found: str = "was not found"
) -> str:
    looked = "".join(f"\n  - {folder} ({label})" for folder, label in explicit)
    if not looked:
        looked = f"\n  - no data_dir argument and no ${DATA_ENV}"
    return (
        f"{name} (UD English EWT {EWT_RELEASE}) {found} and could not be downloaded "
        f"({reason}). The course looked in:{looked}\n  - the cache {cache}\n"
        f"Fill one of these: download the file from {EWT_URL.format(split='<split>')} "
        f"into a folder and pass it as data_dir=... or set {DATA_ENV} to it, or connect to "
        "the internet and run again to fill the cache."
    )


def load_ud_english_ewt(
    split: str, data_dir: str | os.PathLike | None = None, **find_kw
) -> list[TaggedSentence]:
    """The sentences of one split ("train", "dev" or "test") of UD English EWT r2.16."""
    return read_conllu(find_ud_english_ewt(split, data_dir, **find_kw))


# --------------------------------------------------------------------------- raw text
# What may follow a character inside one user-perceived character (a grapheme cluster):
# combining marks (accents, Indic vowel signs; filled in from the Unicode database on first
# use), emoji skin tones and tag characters. A zero-width joiner glues emoji together.
_EXTENDERS = r"\U0001F3FB-\U0001F3FF\U000E0020-\U000E007F"
_FLAG = r"[\U0001F1E6-\U0001F1FF]{2}"  # two regional indicators: one flag


@functools.cache
def _token_pattern() -> re.Pattern:
    marks = "".join(
        re.escape(chr(c))
        for c in range(sys.maxunicode + 1)
        if unicodedata.category(chr(c)).startswith("M")
    )
    ext = f"[{marks}{_EXTENDERS}]*"
    char = rf"\w{ext}"  # a letter or digit, with its accents
    return re.compile(
        r"(?:[A-Za-z]\.){2,}"  # abbreviations: U.S.
        r"|\w+(?=n't\b)|n't\b"  # don't -> do n't; can't -> ca n't
        r"|'(?:s|m|d|ll|re|ve)\b"  # it's -> it 's
        rf"|(?:{char})+(?:[-.](?:{char})+)*"  # words, numbers (3.5), hyphenated words (e-mail)
        rf"|(?:{_FLAG}|[^\w\s]){ext}(?:\u200d[^\w\s]{ext})*",  # any other character (an emoji
        re.IGNORECASE,  # with its skin tone, joined emoji) is a punctuation token
    )


def tokenize(text: str) -> list[str]:
    """Split raw English text into tokens roughly the way EWT does.

    Punctuation becomes its own token and clitics split off ("don't" -> "do", "n't";
    "it's" -> "it", "'s"), which is what a tagger trained on EWT expects. The text is first
    normalised to NFC (an "é" typed as "e" plus a combining accent becomes one character,
    as in the treebank), and no token splits a character as a reader sees it: an accent
    stays on its letter, an emoji keeps its skin tone, a family emoji joined by zero-width
    joiners stays one token.
    """
    if not isinstance(text, str):
        raise TypeError(f"tokenize takes a str, got {type(text).__name__}")
    return _token_pattern().findall(unicodedata.normalize("NFC", text))
