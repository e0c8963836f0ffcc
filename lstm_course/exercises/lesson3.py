"""The checks of lesson 3's exercises (a vocabulary).

Shared machinery is in :mod:`lstm_course.exercises.harness`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from lstm_course.exercises.harness import (
    _as_number,
    _call,
    _close,
    _int_list,
    _never_crashes,
    _show,
    _unanswered,
    _verdict,
    _wanted_number,
)


@_never_crashes
def check_encode_with_unk(fn: Callable) -> None:
    """``fn(words, word2idx, unk_index) -> list[int]``: unknown words map to ``unk_index``."""
    if _unanswered(fn):
        return
    word2idx = {"the": 0, "cat": 1, "ate": 2, "cheese": 3}
    # unk_index is never len(word2idx) and changes from case to case, and two cases hold
    # unknown words, so the notes' "next free index" (len(word2idx)) and a fixed number fail
    cases = [
        (["the", "cat", "ate", "the", "cheese"], 4, [0, 1, 2, 0, 3]),
        (["the", "dog", "ate", "pizza"], 1, [0, 1, 2, 1]),
        (["a", "cat", "ate", "cake"], 7, [7, 1, 2, 7]),
        ([], 9, []),
    ]
    for words, unk, want in cases:
        given = dict(word2idx)
        ok, got = _call(fn, list(words), given, unk)
        if not ok:
            return _verdict(False, got)
        if given != word2idx:
            return _verdict(
                False,
                f"encoding {words} changed the dictionary to {given}: look words up with "
                "dict.get, which adds nothing",
            )
        indices = _int_list(got, most=len(want))
        if indices is None:
            return _verdict(False, f"return a list of indices (ints), got {_show(got)}")
        got = indices
        if got != want:
            return _verdict(False, f"for {words} with unk_index={unk} expected {want}, got {got}")
    return _verdict(True, "unknown words get the <unk> index and the dictionary is unchanged.")


@_never_crashes
def check_vocab_size(answer: Any) -> None:
    """Size of Vocab.from_corpus(the notes' four sentences, min_freq=2), specials included."""
    if _unanswered(answer):
        return
    value = _as_number(answer)
    if value is None:
        return _verdict(False, _wanted_number(answer))
    if value == 3:
        return _verdict(True, "<pad>, <unk> and 'the', the only word seen twice or more.")
    if value in (1, 2):
        return _verdict(False, "count both special tokens, <pad> and <unk>, too.")
    return _verdict(False, f"{value:g} is not it. Which words appear at least twice?")


@_never_crashes
def check_pad_batch(fn: Callable) -> None:
    """``fn(sequences, pad_index) -> (padded, lengths)``: a (batch, longest) LongTensor
    filled with ``pad_index`` after each sequence, and the lengths as a LongTensor."""
    if _unanswered(fn):
        return
    seqs = [[5, 6, 7], [8], [9, 10]]
    want = torch.tensor([[5, 6, 7], [8, 0, 0], [9, 10, 0]])
    ok, got = _call(fn, [list(s) for s in seqs], 0)
    if not ok:
        return _verdict(False, got)
    if not (isinstance(got, tuple) and len(got) == 2):
        return _verdict(False, "return the pair (padded, lengths)")
    padded, lengths = got
    for value, expected, name in (
        (padded, want, "padded"),
        (lengths, torch.tensor([3, 1, 2]), "lengths"),
    ):
        if isinstance(value, torch.Tensor) and value.dtype != torch.long:
            return _verdict(False, f"{name} should be a LongTensor (dtype torch.long)")
        problem = _close(value, expected, name, atol=0)
        if problem:
            return _verdict(False, problem)
    ok, got = _call(fn, [[1], [2, 3]], 7)
    if not ok:
        return _verdict(False, f"with pad_index 7: {got}")
    padded = got[0] if isinstance(got, tuple) and len(got) == 2 else None
    if not isinstance(padded, torch.Tensor) or padded.tolist() != [[1, 7], [2, 3]]:
        return _verdict(False, "fill with the pad_index you are given, not always 0")
    return _verdict(True, "a padded batch and its lengths, ready for pack_padded_sequence.")
