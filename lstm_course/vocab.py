"""Words and tags to indices: the vocabulary a network's embedding layer needs.

An ``nn.Embedding`` looks rows up by integer, so every word (and every tag) needs a number.
The notes build that mapping with :func:`add_word`; :class:`Vocab` is the same idea made fit
for real text: a padding entry to fill short sentences in a batch, an unknown-word entry for
words never seen in training (two different jobs, so two different indices), a frequency
cut-off, decoding back to words, and saving to a file.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from lstm_course.files import atomic_write

_FORMAT = "lstm_course.vocab"
_VERSION = 1


def add_word(word: str, dictionary: dict[str, int]) -> int:
    """The notes' helper: give ``word`` the next free index if it has none; return its index."""
    if not isinstance(word, str):
        raise TypeError(f"add_word: a word must be a str, got {type(word).__name__} {word!r}")
    if word not in dictionary:
        dictionary[word] = len(dictionary)
    return dictionary[word]


class Vocab:
    """A two-way mapping between tokens and indices ``0 .. len(vocab) - 1``.

    By default index 0 is ``"<pad>"`` (the filler for short sentences in a batch) and index
    1 is ``"<unk>"`` (what :meth:`encode` gives a token it has never seen). A tag vocabulary
    usually wants neither: pass ``pad_token=None, unk_token=None`` and an unknown tag is an
    error instead of a silent ``<unk>``.
    """

    def __init__(
        self,
        tokens: Iterable[str] = (),
        *,
        pad_token: str | None = "<pad>",
        unk_token: str | None = "<unk>",
    ) -> None:
        if pad_token is not None and pad_token == unk_token:
            raise ValueError(f"pad_token and unk_token must differ, both are {pad_token!r}")
        self._token_to_index: dict[str, int] = {}
        self._index_to_token: list[str] = []
        self.pad_token = pad_token
        self.unk_token = unk_token
        for special in (pad_token, unk_token):
            if special is not None:
                self.add(special)
        for token in _check_tokens(tokens, "Vocab"):
            self.add(token)

    @classmethod
    def from_corpus(
        cls,
        sentences: Iterable[Sequence[str]],
        *,
        min_freq: int = 1,
        pad_token: str | None = "<pad>",
        unk_token: str | None = "<unk>",
    ) -> Vocab:
        """Every token seen at least ``min_freq`` times, most frequent first.

        Ties keep the order of first appearance, so the result is the same on every run.
        """
        if not isinstance(min_freq, int) or min_freq < 1:
            raise ValueError(f"min_freq must be an int >= 1, got {min_freq!r}")
        counts: Counter[str] = Counter()
        for sentence in sentences:
            counts.update(_check_tokens(sentence, "Vocab.from_corpus"))
        vocab = cls(pad_token=pad_token, unk_token=unk_token)
        # Counter.most_common sorts by count and keeps insertion order for ties.
        for token, count in counts.most_common():
            if count < min_freq:
                break
            vocab.add(token)
        return vocab

    # ---------------------------------------------------------------- building
    def add(self, token: str) -> int:
        """Give ``token`` the next free index if it has none; return its index."""
        if not isinstance(token, str):
            raise TypeError(f"a token must be a str, got {type(token).__name__} {token!r}")
        index = self._token_to_index.get(token)
        if index is None:
            index = len(self._index_to_token)
            self._token_to_index[token] = index
            self._index_to_token.append(token)
        return index

    # ---------------------------------------------------------------- using
    @property
    def pad_index(self) -> int:
        """The index that pads short sequences in a batch."""
        if self.pad_token is None:
            raise AttributeError("this vocabulary was made with pad_token=None: it has no padding")
        return self._token_to_index[self.pad_token]

    @property
    def unk_index(self) -> int:
        """The index every unknown token is encoded to."""
        if self.unk_token is None:
            raise AttributeError("this vocabulary was made with unk_token=None: it has no <unk>")
        return self._token_to_index[self.unk_token]

    def index(self, token: str) -> int:
        """The index of one token; an unknown one gives ``unk_index`` (or a KeyError without)."""
        if not isinstance(token, str):
            raise TypeError(f"a token must be a str, got {type(token).__name__} {token!r}")
        index = self._token_to_index.get(token)
        if index is not None:
            return index
        if self.unk_token is None:
            shown = ", ".join(repr(t) for t in self._index_to_token[:8])
            more = ", ..." if len(self) > 8 else ""
            raise KeyError(
                f"unknown token {token!r}: this vocabulary has no <unk> entry "
                f"(it knows {len(self)} tokens: {shown}{more})"
            )
        return self._token_to_index[self.unk_token]

    def encode(self, tokens: Sequence[str]) -> list[int]:
        """Tokens to indices. Give it a list of tokens, e.g. ``"the cat".split()``."""
        return [self.index(t) for t in _check_tokens(tokens, "encode")]

    def decode(self, indices: Iterable[int]) -> list[str]:
        """Indices (ints, or a 1-D tensor or array of them) back to tokens."""
        if hasattr(indices, "tolist"):  # a tensor or an array
            indices = indices.tolist()
        if isinstance(indices, (int, str)):
            raise TypeError("decode takes a sequence of indices, e.g. [4, 7, 2]")
        tokens = []
        for i in indices:
            if not isinstance(i, int) or isinstance(i, bool):
                raise TypeError(f"decode: an index must be an int, got {type(i).__name__} {i!r}")
            if not 0 <= i < len(self):
                raise IndexError(f"decode: index {i} is out of range 0..{len(self) - 1}")
            tokens.append(self._index_to_token[i])
        return tokens

    @property
    def tokens(self) -> list[str]:
        """All tokens, in index order (a copy)."""
        return list(self._index_to_token)

    def __len__(self) -> int:
        return len(self._index_to_token)

    def __contains__(self, token: object) -> bool:
        return token in self._token_to_index

    def __iter__(self) -> Iterator[str]:
        return iter(self._index_to_token)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Vocab):
            return NotImplemented
        return (self._index_to_token, self.pad_token, self.unk_token) == (
            other._index_to_token,
            other.pad_token,
            other.unk_token,
        )

    __hash__ = None  # mutable: it grows with add()

    def __repr__(self) -> str:
        specials = f"pad_token={self.pad_token!r}, unk_token={self.unk_token!r}"
        return f"Vocab(size={len(self)}, {specials})"

    # ---------------------------------------------------------------- saving
    def to_dict(self) -> dict:
        """Plain data (strings and lists) that :meth:`from_dict` turns back into this vocab."""
        return {
            "format": _FORMAT,
            "version": _VERSION,
            "pad_token": self.pad_token,
            "unk_token": self.unk_token,
            "tokens": list(self._index_to_token),
        }

    @classmethod
    def from_dict(cls, payload: object, source: str = "the data") -> Vocab:
        """The vocabulary :meth:`to_dict` described, checking that it is whole and valid."""
        if not isinstance(payload, dict) or payload.get("format") != _FORMAT:
            raise ValueError(f"{source}: not a vocabulary written by Vocab")
        if payload.get("version") != _VERSION:
            raise ValueError(
                f"{source}: vocabulary version {payload.get('version')!r} "
                f"is not supported (expected {_VERSION})"
            )
        tokens, pad, unk = payload.get("tokens"), payload.get("pad_token"), payload.get("unk_token")
        if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
            raise ValueError(f"{source}: 'tokens' must be a list of strings")
        _check_encodable(tokens, source)
        if len(set(tokens)) != len(tokens):
            raise ValueError(f"{source}: 'tokens' has duplicates")
        specials = [s for s in (pad, unk) if s is not None]
        if any(not isinstance(s, str) for s in specials) or tokens[: len(specials)] != specials:
            raise ValueError(f"{source}: the special tokens {specials} must come first in 'tokens'")
        return cls(tokens[len(specials) :], pad_token=pad, unk_token=unk)

    def save(self, path: str | os.PathLike) -> None:
        """Write the vocabulary as JSON, atomically: an interrupted save leaves no half file."""
        with atomic_write(path, "w", encoding="utf-8") as f:
            json.dump(self.to_dict(), f, ensure_ascii=False, indent=1)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Vocab:
        """Read a vocabulary written by :meth:`save`, checking that it is whole and valid."""
        path = Path(path)
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ValueError(f"{path}: not a vocabulary file (invalid JSON: {e})") from None
        except RecursionError:  # json recurses once per bracket: "[[[[..." runs out of stack
            raise ValueError(
                f"{path}: not a vocabulary file (its JSON is nested too deeply to read)"
            ) from None
        except ValueError:  # int("1" * 5000): Python refuses numbers of over 4,300 digits
            raise ValueError(
                f"{path}: not a vocabulary file (it holds a number too long to read; a "
                "vocabulary holds only strings)"
            ) from None
        return cls.from_dict(payload, source=str(path))


def require_vocab(value: object, what: str = "vocab") -> Vocab:
    """``value`` if it is a :class:`Vocab`; else a one-line ``TypeError`` that says how to
    make one (a list of tokens is the usual mistake: it has no ``<unk>``, no ``index``)."""
    if not isinstance(value, Vocab):
        raise TypeError(
            f"{what} must be a Vocab, got a {type(value).__name__}; make one with "
            "Vocab(tokens) or Vocab.from_corpus(sentences)"
        )
    return value


def _check_encodable(tokens: list[str], source: str) -> None:
    """Refuse a token that is not valid Unicode text: a lone surrogate (``"\\ud800"``) reads
    from JSON, but saving the vocabulary again would fail with ``UnicodeEncodeError``."""
    try:
        "".join(tokens).encode("utf-8")
        return
    except UnicodeEncodeError:
        pass
    for i, t in enumerate(tokens):
        try:
            t.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(
                f"{source}: token {i} ({t!r}) is not valid Unicode text (a lone surrogate); "
                "a vocabulary holds UTF-8 text only"
            ) from None


def _check_tokens(tokens: Iterable[str], where: str) -> list[str]:
    """Tokens as a list, with a clear error for the two usual mistakes."""
    if isinstance(tokens, str):
        raise TypeError(
            f"{where} takes a list of tokens, not one string: did you mean {tokens[:20]!r}.split()?"
        )
    tokens = list(tokens)
    for t in tokens:
        if not isinstance(t, str):
            raise TypeError(f"{where}: every token must be a str, got {type(t).__name__} {t!r}")
    return tokens
