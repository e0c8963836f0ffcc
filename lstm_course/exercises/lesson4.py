"""The checks of lesson 4's exercises (a part-of-speech tagger).

Shared machinery is in :mod:`lstm_course.exercises.harness`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from lstm_course.data import TaggedSentence
from lstm_course.exercises.harness import (
    _as_number,
    _call,
    _items,
    _never_crashes,
    _own_rng,
    _show,
    _TooManyItems,
    _unanswered,
    _verdict,
    _wanted_number,
)
from lstm_course.tagger import LSTMTagger, TaggerConfig, TaggerVocabs
from lstm_course.vocab import Vocab


@_never_crashes
def check_masked_accuracy(fn: Callable) -> None:
    """``fn(scores, tags) -> float``: accuracy of ``scores.argmax(-1)`` over the positions
    whose tag is not -100 (padding)."""
    if _unanswered(fn):
        return
    gen = torch.Generator().manual_seed(4)
    scores = torch.randn(3, 6, 4, generator=gen)
    tags = scores.argmax(-1).clone()
    tags[1, 1] = (tags[1, 1] + 1) % 4  # one wrong real word, in a sentence shorter than the batch
    tags[1, 3:] = -100  # padding: the model's guess there must not count
    tags[2, 2:] = -100
    real = int((tags != -100).sum())  # 6 + 3 + 2 = 11 real words, 18 positions
    want = (real - 1) / real
    ok, got = _call(fn, scores.clone(), tags.clone())
    if not ok:
        return _verdict(False, got)
    if _as_number(got) is None:
        return _verdict(False, _wanted_number(got, "return"))
    got = _as_number(got)
    if abs(got - want) < 1e-6:
        return _verdict(True, f"{real - 1} of {real} real words right; the padding did not count.")
    # The slips a learner makes, each with its own value on these tags (all different):
    positions = tags.numel()
    lengths = (tags != -100).sum(dim=1)
    right = (scores.argmax(-1) == tags).sum(dim=1)
    per_sentence = (right / lengths).mean().item()
    if abs(got - (real - 1) / positions) < 1e-6:  # a mean over every slot
        return _verdict(
            False,
            f"you divided by all {positions} positions, padding included: divide by the "
            f"{real} real words only (tags != -100).",
        )
    if abs(got - (positions - 1) / positions) < 1e-6:
        return _verdict(False, "the padded positions (tag -100) must not count as right.")
    if abs(got - per_sentence) < 1e-6:
        return _verdict(
            False,
            "you averaged each sentence's accuracy, so a 2-word sentence weighs as much as a "
            "6-word one: count the right real words of the whole batch, and divide by all its "
            "real words.",
        )
    if abs(got - (1 - want)) < 1e-6:
        return _verdict(False, "that is the share of real words that are wrong; return the right.")
    return _verdict(False, f"expected {want:.4f}, got {got:.4f}")


@_never_crashes
def check_unknown_rate(fn: Callable) -> None:
    """``fn(sentences, vocab) -> float``: the share of words that ``vocab`` encodes as <unk>."""
    if _unanswered(fn):
        return
    vocab = Vocab(["the", "cat", "sat"])
    # "The" is not in this vocabulary ("the" is): the vocabulary, not the function, decides
    # what is known. (To try a lower-casing tagger's vocabulary, lower-case the sentences
    # before calling the function.)
    sentences = [["The", "cat", "sat"], ["the", "dog", "sat", "down"]]
    ok, got = _call(fn, sentences, vocab)
    if not ok:
        return _verdict(False, got)
    if _as_number(got) is None:
        return _verdict(False, _wanted_number(got, "return"))
    got = _as_number(got)
    if abs(got - 3 / 7) < 1e-6:
        return _verdict(True, '3 of 7 words are unknown, "The" among them: the vocabulary decides.')
    if abs(got - 2 / 7) < 1e-6:
        return _verdict(
            False,
            '"The" is not in this vocabulary, only "the": do not lower-case inside the '
            "function (the vocabulary decides what is known); lower-case the sentences before "
            "calling it when the vocabulary is lower-cased, as the tagger's is.",
        )
    if any(abs(got - v) < 1e-6 for v in (3 / 3, 3 / 6)):
        return _verdict(False, "count word occurrences (tokens), not distinct words.")
    return _verdict(False, f"expected {3 / 7:.4f} for the test sentences, got {got}")


@_never_crashes
def check_decode_predictions(fn: Callable) -> None:
    """``fn(scores, lengths, tag_vocab) -> list[list[str]]``: the best tag of every real word."""
    if _unanswered(fn):
        return
    tag_vocab = Vocab(["DET", "NOUN", "VERB"], pad_token=None, unk_token=None)
    scores = torch.full((2, 3, 3), -5.0)
    best = [[0, 1, 2], [1, 2, 0]]
    for i, row in enumerate(best):
        for t, tag in enumerate(row):
            scores[i, t, tag] = 5.0
    want = [["DET", "NOUN", "VERB"], ["NOUN", "VERB"]]
    ok, got = _call(fn, scores.clone(), torch.tensor([3, 2]), tag_vocab)
    if not ok:
        return _verdict(False, got)
    tagged = _tag_lists(got, most=len(want), longest=scores.shape[1])
    if tagged is None:
        return _verdict(False, f"return a list of lists of tags (str), got {_show(got)}")
    if tagged == want:
        return _verdict(True, "argmax per word, decoded, and cut at each sentence's length.")
    if tagged == [["DET", "NOUN", "VERB"], ["NOUN", "VERB", "DET"]]:
        return _verdict(False, "cut each sentence at its length: padding has no tag.")
    return _verdict(False, f"expected {want}, got {_show(tagged, limit=200)}")


def _tag_lists(value: Any, most: int, longest: int) -> list[list[str]] | None:
    """``value`` as a list of lists of str, if it is a sequence of sequences of str; at
    most ``most`` rows of ``longest`` tags are read (more: "too many items")."""
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
        return None
    try:
        rows = [
            row if isinstance(row, (str, bytes, dict)) else _items(row, longest)
            for row in _items(value, most)
        ]
    except _TooManyItems:  # the verdict says so
        raise
    except Exception:  # not iterable, or iterating it raises
        return None
    if any(isinstance(row, (str, bytes, dict)) for row in rows):
        return None
    if not all(isinstance(tag, str) for row in rows for tag in row):
        return None
    return [[str(tag) for tag in row] for row in rows]


class _UnpackedTagger(LSTMTagger):
    """The course's tagger without packing: its LSTM runs over the padding too."""

    def forward(self, batch: Any) -> torch.Tensor:
        out, _ = self.rnn(self.features(batch))
        return self.hidden2tag(out)


class _MiddleWordLeaks(LSTMTagger):
    """The course's tagger with one leak: in a padded batch, a sentence's middle word (word
    ``len // 2``) gets a score that depends on its padding. Every other word scores as alone,
    so only an answer that compares every real word sees it."""

    def forward(self, batch: Any) -> torch.Tensor:
        scores = super().forward(batch)
        padding = batch.words.shape[1] - batch.lengths.to(scores.device)
        rows = torch.arange(len(padding), device=scores.device)
        middle = (batch.lengths.to(scores.device) // 2).clamp(max=scores.shape[1] - 1)
        leak = torch.zeros_like(scores)
        leak[rows, middle] = 1e-3 * padding.to(scores.dtype)[:, None]
        return scores + leak


def _tiny_tagger(kind: type[LSTMTagger], sentences: list[list[str]]) -> LSTMTagger:
    """A small bidirectional tagger with character features, in float64 and evaluation mode,
    with the same weights whichever ``kind`` (and whatever the lesson's random stream)."""
    config = TaggerConfig(
        word_dim=6, hidden_dim=5, num_layers=1, char_dim=4, char_filters=3, min_freq=1, dropout=0.0
    )
    tagged = [TaggedSentence(tuple(s), ("NOUN",) * len(s)) for s in sentences]
    with _own_rng():
        torch.manual_seed(4)
        model = kind(config, TaggerVocabs.build(tagged, config))
    return model.double().eval()


@_never_crashes
def check_alone_in_batch(fn: Callable) -> None:
    """``fn(model, sentences, i) -> bool``: whether sentence ``i``'s tag scores inside the
    padded batch of all ``sentences`` equal (to 1e-9) its scores when ``model`` tags it alone.

    Tried on the course's tagger, which packs (so the answer is always True), on the same
    tagger without packing (True only for the longest sentence: the others' padding is read
    first by the backward LSTM), and on a tagger whose padding changes only one word in the
    middle of each shorter sentence (so an answer that compares only the last word, or only
    the first, says True where the answer is False)."""
    if _unanswered(fn):
        return
    sentences = [["the", "cat", "sat"], ["a", "dog", "ran", "home", "fast"], ["birds", "sing"]]
    cases = (
        (LSTMTagger, "the course's tagger (it packs)", [True, True, True]),
        (_UnpackedTagger, "the same tagger without packing", [False, True, False]),
        (_MiddleWordLeaks, "a tagger whose padding changes one middle word", [False, True, False]),
    )
    for kind, name, wanted in cases:
        for i, want in enumerate(wanted):
            model = _tiny_tagger(kind, sentences)  # afresh: an answer may change the model
            ok, got = _call(fn, model, [list(s) for s in sentences], i)
            if not ok:
                return _verdict(False, got)
            answer = _as_bool(got)
            if answer is None:
                return _verdict(False, f"return True or False, got {_show(got)}")
            if answer == want:
                continue
            where = f"for {name}, sentence {i} ({len(sentences[i])} words in a batch of 5)"
            if want:
                return _verdict(
                    False,
                    f"{where} the scores are the same alone and in the batch, but you said "
                    "False: compare only its real words (row i, the first len(sentence) "
                    "positions), with a tolerance (1e-9), not ==",
                )
            if kind is _MiddleWordLeaks:
                return _verdict(
                    False,
                    f"{where} word {len(sentences[i]) // 2} scores differently in the batch, "
                    "but you said True: compare every real word of the sentence (the first "
                    "len(sentence) positions of row i), not only one of them",
                )
            return _verdict(
                False,
                f"{where} the scores differ (its backward LSTM reads the padding first), but "
                "you said True: run the model on the whole padded batch, then on the sentence "
                "alone, and compare",
            )
    return _verdict(
        True,
        "packing keeps each sentence's scores its own; without it, only the longest sentence "
        "(no padding) scores the same in the batch as alone.",
    )


def _as_bool(value: Any) -> bool | None:
    """``value`` as a bool, if it is one (Python's, NumPy's, or a one-element bool tensor)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, torch.Tensor) and value.dtype == torch.bool and value.numel() == 1:
        return bool(value.item())
    return None
