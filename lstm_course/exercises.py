"""Automatic checks for the lessons' exercises.

Each ``check_*`` takes the learner's answer (a value or a function) and prints one line
that says whether it is right (it starts with ✅) and, if not, what is off (❌). It returns
nothing, so a notebook shows only that line. An answer left as ``...`` is not an error:
the check says it is the learner's turn, so every notebook still runs top to bottom. The
checks draw their test inputs from their own seeded generator and leave the global random
state alone. Whatever the answer is or does (NaN, a wrong type, an exception, ``sys.exit()``)
a check prints that one line and raises nothing: every ``check_*`` is wrapped in
:func:`_never_crashes`, and a new one must be too (a test checks it).
"""

from __future__ import annotations

import contextlib
import functools
import math
import numbers
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import torch
from torch import nn

from lstm_course.adding import SOLVED_MSE, SequenceRegressor, evaluate_mse, train_adding
from lstm_course.cells import GRUCell
from lstm_course.data import TaggedSentence
from lstm_course.files import one_line
from lstm_course.forecasting import last_value_forecast, seasonal_naive_forecast
from lstm_course.tagger import LSTMTagger, TaggerConfig, TaggerVocabs
from lstm_course.vocab import Vocab

_NOT_ANSWERED = (Ellipsis, None)


def _verdict(ok: bool, message: str = "") -> None:
    print(("✅ Correct! " if ok else "❌ Not yet: ") + one_line(message, limit=400))


def _unanswered(answer: Any) -> bool:
    if any(answer is blank for blank in _NOT_ANSWERED):
        print("✏️ Your turn: replace the ... with your answer, then run this cell again.")
        return True
    return False


def _never_crashes(check: Callable[[Any], None]) -> Callable[[Any], None]:
    """Make ``check`` print one ❌ line, never a traceback, whatever the answer does.

    A learner's answer can be anything: a huge int, NaN, a NumPy array where a list was
    asked for, an object whose ``==`` raises, a function that calls ``sys.exit()`` or
    moves the model to another device. The checks handle the answers a learner is likely
    to write with a specific hint; this catches everything else (``SystemExit`` too, but
    not ``KeyboardInterrupt``: stopping the kernel must still stop it) and says what the
    exercise asks for, from the first paragraph of the check's docstring.
    """

    @functools.wraps(check)
    def run(answer: Any) -> None:
        try:
            check(answer)
        except (Exception, SystemExit) as error:
            asked = (check.__doc__ or "").strip().split("\n\n")[0]
            _verdict(
                False,
                f"your answer could not be checked ({_describe(error)}). "
                f"The exercise asks for: {asked}",
            )

    return run


def _describe(error: BaseException) -> str:
    try:
        text = str(error)
    except Exception:  # an exception whose own message fails
        text = ""
    return f"{type(error).__name__}: {one_line(text, limit=120)}" if text else type(error).__name__


def _show(value: Any, limit: int = 80) -> str:
    """A short, one-line repr of an answer for a message (never raises)."""
    try:
        return one_line(repr(value), limit=limit)
    except Exception:  # a repr that raises, or an int too long to print
        return f"a {type(value).__name__}"


def _own_rng() -> contextlib.AbstractContextManager:
    """Build torch modules inside this, so their random init leaves the lesson's stream alone."""
    return torch.random.fork_rng(devices=[])


def _call(fn: Callable, *args: Any) -> tuple[bool, Any]:
    """Run the learner's function; a crash is an answer that is not yet right."""
    if not callable(fn):
        return False, f"expected a function, got {type(fn).__name__}"
    try:
        return True, fn(*args)
    except (Exception, SystemExit) as e:  # the learner's code may raise anything: report it
        return False, f"your function raised {_describe(e)}"


def _as_number(answer: Any) -> float | None:
    """A finite plain number from an int, a float, a NumPy scalar or a one-element tensor;
    else None (NaN and infinity too: no tolerance comparison may ever pass them)."""
    if isinstance(answer, bool):
        return None
    value = None
    try:
        if isinstance(answer, numbers.Real):  # int, float, Fraction, NumPy's real scalars
            value = float(answer)
        elif (
            isinstance(answer, torch.Tensor)
            and answer.numel() == 1
            and not answer.is_complex()
            and answer.dtype != torch.bool
        ):
            value = float(answer.detach().cpu().item())
        elif (
            type(answer).__module__ == "numpy"
            and hasattr(answer, "item")
            and getattr(answer, "size", 0) == 1
        ):
            item = answer.item()
            if isinstance(item, (int, float)) and not isinstance(item, bool):
                value = float(item)
    except (OverflowError, ValueError, TypeError, RuntimeError, NotImplementedError):
        return None  # 10**400, a meta tensor, ...
    return value if value is not None and math.isfinite(value) else None


def _wanted_number(answer: Any, what: str = "give") -> str:
    return f"{what} a finite number (an int, a float or a one-element tensor), got {_show(answer)}"


def _int_list(values: Any) -> list[int] | None:
    """``values`` as a list of ints, if it is a sequence of whole numbers; else None."""
    if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__iter__"):
        return None
    try:
        items = list(values)
    except Exception:
        return None
    result = []
    for item in items:
        number = _as_number(item)
        if number is None or number != int(number):
            return None
        result.append(int(number))
    return result


def _close(got: Any, want: torch.Tensor, what: str, atol: float = 1e-8) -> str | None:
    """None if ``got`` is a tensor equal to ``want``; else what is wrong with it."""
    if not isinstance(got, torch.Tensor):
        return f"{what} should be a tensor, got {type(got).__name__}"
    if got.shape != want.shape:
        return f"{what} has shape {tuple(got.shape)}, expected {tuple(want.shape)}"
    if got.device != want.device or got.layout != torch.strided or got.is_complex():
        return (
            f"{what} is a {got.layout} {got.dtype} tensor on {got.device}; "
            f"expected a real, dense tensor on {want.device}"
        )
    got = got.detach().to(want.dtype)
    if not bool(torch.isfinite(got).all()):
        return f"{what} has NaN or infinite values"
    err = (got - want).abs().max().item() if want.numel() else 0.0
    if not (err <= atol):  # written so that a NaN difference fails too
        return f"{what} differs from the right answer by up to {err:.3g}"
    return None


def _random_cells(
    cell_class: type[nn.Module], seed: int, states: int
) -> Iterator[tuple[str, nn.Module, torch.Tensor, list[torch.Tensor]]]:
    """The cells a step is checked on: for three sizes, a float64 ``cell_class`` (PyTorch's
    ``nn.LSTMCell`` or ``nn.GRUCell``) with weights of every size, not only its small initial
    ones, an input and ``states`` states (h, or h and c), all drawn from a generator seeded
    with ``seed``: the same numbers on every run, and the lesson's random stream untouched.
    Yields the size in words (for a message), the cell, the input and the states."""
    gen = torch.Generator().manual_seed(seed)
    for batch, n_in, n_hid in [(1, 1, 1), (3, 4, 5), (2, 6, 3)]:
        with _own_rng():
            cell = cell_class(n_in, n_hid, dtype=torch.float64)
        with torch.no_grad():
            for p in cell.parameters():
                p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64))
        x = torch.randn(batch, n_in, generator=gen, dtype=torch.float64)
        hidden = [
            torch.randn(batch, n_hid, generator=gen, dtype=torch.float64) for _ in range(states)
        ]
        yield f"batch={batch}, hidden={n_hid}", cell, x, hidden


# --------------------------------------------------------------------------- lesson 1
@_never_crashes
def check_lstm_step(fn: Callable) -> None:
    """``fn(x, h, c, weight_ih, weight_hh, bias) -> (h, c)``: one LSTM step, torch's way."""
    if _unanswered(fn):
        return
    for size, torch_cell, x, (h, c) in _random_cells(nn.LSTMCell, seed=1, states=2):
        with torch.no_grad():
            want_h, want_c = torch_cell(x, (h, c))
            bias = torch_cell.bias_ih + torch_cell.bias_hh
            ok, got = _call(fn, x, h, c, torch_cell.weight_ih, torch_cell.weight_hh, bias)
        if not ok:
            return _verdict(False, got)
        if not (isinstance(got, tuple) and len(got) == 2):
            return _verdict(False, "return the pair (h, c)")
        for value, want, name in zip(got, (want_h, want_c), ("h", "c"), strict=True):
            problem = _close(value, want, f"{name} ({size})")
            if problem:
                _, f, _, o = (x @ torch_cell.weight_ih.T + h @ torch_cell.weight_hh.T + bias).chunk(
                    4, 1
                )
                notes_h = torch.sigmoid(o) * torch.tanh(torch.sigmoid(f) * c)
                if name == "h" and _close(value, notes_h, "h") is None:
                    return _verdict(
                        False,
                        "that is the lecture's use gate with W_u = I, o_t ⊙ tanh(f_t ⊙ c_{t-1}) "
                        "(lesson 1, section 6); PyTorch's h_t is o_t ⊙ tanh(c_t), with the new "
                        "long-term memory.",
                    )
                return _verdict(False, problem + ". Check the gate order: i, f, g, o.")
    return _verdict(True, "your step matches torch.nn.LSTMCell.")


@_never_crashes
def check_memory_after_steps(answer: Any) -> None:
    """Forget factor 0.9 at every step, nothing learned: the share of LTM left after 10.

    Any answer that rounds to the right share is right: 0.9 ** 10, 0.349 or 0.35."""
    if _unanswered(answer):
        return
    want = 0.9**10  # 0.3487
    value = _as_number(answer)
    if value is None:
        return _verdict(False, _wanted_number(answer))
    if abs(value - want) <= 0.005:
        return _verdict(True, f"0.9 ** 10 = {want:.4f}: about a third of the memory is left.")
    if abs(value - 100 * want) <= 0.5:
        return _verdict(False, "give the share as a number between 0 and 1, not a percentage.")
    if abs(value - (1 - want)) <= 0.005:
        return _verdict(False, "that is the share forgotten; the question asks what is left.")
    if math.isclose(value, 0.9 * 10) or math.isclose(value, 0.9):
        return _verdict(False, "the forget factor multiplies the memory at every step.")
    return _verdict(False, f"{value} is not it. The memory is multiplied by f_t at every step.")


@_never_crashes
def check_forget_bias(answer: Any) -> None:
    """The forget-gate pre-activation that keeps 99% of the long-term memory per step."""
    if _unanswered(answer):
        return
    value = _as_number(answer)
    if value is None:
        return _verdict(False, _wanted_number(answer))
    kept = 1 / (1 + math.exp(-value)) if value > -700 else 0.0
    want = math.log(0.99 / 0.01)
    if math.isclose(value, want, abs_tol=0.01):
        return _verdict(True, f"σ({value:.3f}) = {kept:.4f}: the long-term memory stays.")
    return _verdict(
        False, f"σ({value:.4g}) = {kept:.4f}, not 0.99. Invert the sigmoid: log(p/(1-p))."
    )


# --------------------------------------------------------------------------- lesson 2
@_never_crashes
def check_lstm_shapes(answer: Any) -> None:
    """Shapes for nn.LSTM(10, 20, num_layers=3, batch_first=True, bidirectional=True)
    on an input of shape (4, 7, 10)."""
    if _unanswered(answer):
        return
    with _own_rng(), torch.no_grad():
        lstm = nn.LSTM(10, 20, num_layers=3, batch_first=True, bidirectional=True)
        output, (h_n, c_n) = lstm(torch.zeros(4, 7, 10))
    want = {"output": tuple(output.shape), "h_n": tuple(h_n.shape), "c_n": tuple(c_n.shape)}
    if not isinstance(answer, dict) or set(answer) != set(want):
        return _verdict(False, "give a dict with the keys 'output', 'h_n' and 'c_n'")
    for key, value in answer.items():
        if not (
            isinstance(value, (tuple, list, torch.Size))
            and all(isinstance(n, int) and not isinstance(n, bool) for n in value)
        ):
            return _verdict(False, f"{key!r} should be a shape such as (4, 7, 10), got {value!r}")
    wrong = [k for k in want if tuple(answer[k]) != want[k]]
    if not wrong:
        return _verdict(
            True,
            "batch_first moves the batch in `output` only; h_n and c_n "
            "keep (layers × directions, batch, hidden).",
        )
    return _verdict(False, f"{', '.join(wrong)} not right yet")


class _OneStepLSTM(nn.LSTM):
    """An nn.LSTM that takes one step per call, so an answer must carry the state itself."""

    def forward(self, input, hx=None):
        if not isinstance(input, torch.Tensor) or input.dim() != 3 or input.shape[0] != 1:
            shape = tuple(input.shape) if isinstance(input, torch.Tensor) else type(input).__name__
            raise ValueError(
                "in this exercise the LSTM takes one step at a time, shape (1, batch, input), "
                f"got {shape}; x[t : t + 1] keeps the time dimension"
            )
        return super().forward(input, hx)


@_never_crashes
def check_step_by_step(fn: Callable) -> None:
    """``fn(lstm, x) -> output``: run an nn.LSTM one step at a time, carrying (h, c).

    The LSTM handed to ``fn`` refuses more than one step per call, so the answer has to
    be the loop, not ``lstm(x)``."""
    if _unanswered(fn):
        return
    gen = torch.Generator().manual_seed(2)
    with _own_rng():
        lstm = _OneStepLSTM(3, 4, dtype=torch.float64)
    x = torch.randn(6, 2, 3, generator=gen, dtype=torch.float64)
    with torch.no_grad():
        want, _ = nn.LSTM.forward(lstm, x)
        ok, got = _call(fn, lstm, x.clone())
    if not ok:
        return _verdict(False, got)
    problem = _close(got, want, "your output")
    if problem:
        return _verdict(False, problem + ". Is the state carried from each step to the next?")
    return _verdict(True, "one step at a time, carrying (h, c), is the same as all at once.")


@_never_crashes
def check_last_layer_states(fn: Callable) -> None:
    """``fn(h_n) -> (batch, 2*hidden)``: the last layer's forward and backward final states
    of a 2-layer bidirectional nn.LSTM, concatenated."""
    if _unanswered(fn):
        return
    gen = torch.Generator().manual_seed(3)
    h_n = torch.randn(2 * 2, 5, 6, generator=gen)  # (layers*directions, batch, hidden)
    want = torch.cat([h_n[-2], h_n[-1]], dim=1)
    ok, got = _call(fn, h_n.clone())
    if not ok:
        return _verdict(False, got)
    problem = _close(got, want, "your result", atol=0)
    if problem:
        return _verdict(False, problem + ". The last layer's two directions are h_n[-2], h_n[-1].")
    return _verdict(True, "forward then backward, from the last layer.")


# --------------------------------------------------------------------------- lesson 3
@_never_crashes
def check_encode_with_unk(fn: Callable) -> None:
    """``fn(words, word2idx, unk_index) -> list[int]``: unknown words map to ``unk_index``."""
    if _unanswered(fn):
        return
    word2idx = {"the": 0, "cat": 1, "ate": 2, "cheese": 3}
    cases = [
        (["the", "cat", "ate", "the", "cheese"], 4, [0, 1, 2, 0, 3]),
        (["the", "dog", "ate", "pizza"], 4, [0, 4, 2, 4]),
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
        indices = _int_list(got)
        if indices is None:
            return _verdict(False, f"return a list of indices (ints), got {_show(got)}")
        got = indices
        if got != want:
            return _verdict(False, f"for {words} expected {want}, got {got}")
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


# --------------------------------------------------------------------------- lesson 4
@_never_crashes
def check_masked_accuracy(fn: Callable) -> None:
    """``fn(scores, tags) -> float``: accuracy of ``scores.argmax(-1)`` over the positions
    whose tag is not -100 (padding)."""
    if _unanswered(fn):
        return
    gen = torch.Generator().manual_seed(4)
    scores = torch.randn(3, 5, 4, generator=gen)
    tags = scores.argmax(-1).clone()
    tags[0, 1] = (tags[0, 1] + 1) % 4  # one wrong real word
    tags[1, 3:] = -100  # padding: the model's guess there must not count
    tags[2, 2:] = -100
    real = int((tags != -100).sum())
    want = (real - 1) / real
    ok, got = _call(fn, scores.clone(), tags.clone())
    if not ok:
        return _verdict(False, got)
    if _as_number(got) is None:
        return _verdict(False, _wanted_number(got, "return"))
    got = _as_number(got)
    if abs(got - want) < 1e-6:
        return _verdict(True, f"{real - 1} of {real} real words right; the padding did not count.")
    if abs(got - 14 / 15) < 1e-6:
        return _verdict(False, "the padded positions (tag -100) must not count.")
    return _verdict(False, f"expected {want:.4f}, got {got:.4f}")


@_never_crashes
def check_unknown_rate(fn: Callable) -> None:
    """``fn(sentences, vocab) -> float``: the share of words that ``vocab`` encodes as <unk>."""
    if _unanswered(fn):
        return
    vocab = Vocab(["the", "cat", "sat"])
    sentences = [["the", "cat", "sat"], ["the", "dog", "sat", "down"]]
    ok, got = _call(fn, sentences, vocab)
    if not ok:
        return _verdict(False, got)
    if _as_number(got) is None:
        return _verdict(False, _wanted_number(got, "return"))
    got = _as_number(got)
    if abs(got - 2 / 7) < 1e-6:
        return _verdict(True, "2 of 7 words are unknown.")
    if abs(got - 2 / 2) < 1e-6 or abs(got - 2 / 5) < 1e-6:
        return _verdict(False, "count word occurrences (tokens), not distinct words.")
    return _verdict(False, f"expected {2 / 7:.4f} for the test sentences, got {got}")


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
    tagged = _tag_lists(got)
    if tagged is None:
        return _verdict(False, f"return a list of lists of tags (str), got {_show(got)}")
    if tagged == want:
        return _verdict(True, "argmax per word, decoded, and cut at each sentence's length.")
    if tagged == [["DET", "NOUN", "VERB"], ["NOUN", "VERB", "DET"]]:
        return _verdict(False, "cut each sentence at its length: padding has no tag.")
    return _verdict(False, f"expected {want}, got {_show(tagged, limit=200)}")


def _tag_lists(value: Any) -> list[list[str]] | None:
    """``value`` as a list of lists of str, if it is a sequence of sequences of str."""
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
        return None
    try:
        rows = [row if isinstance(row, (str, bytes, dict)) else list(row) for row in value]
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

    Tried on the course's tagger, which packs (so the answer is always True), and on the same
    tagger without packing (True only for the longest sentence: the others' padding is read
    first by the backward LSTM)."""
    if _unanswered(fn):
        return
    sentences = [["the", "cat", "sat"], ["a", "dog", "ran", "home", "fast"], ["birds", "sing"]]
    cases = (
        (LSTMTagger, "the course's tagger (it packs)", [True, True, True]),
        (_UnpackedTagger, "the same tagger without packing", [False, True, False]),
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


# --------------------------------------------------------------------------- lesson 5
@_never_crashes
def check_paper_gru_step(fn: Callable) -> None:
    """``fn(x, h, weight_ih, weight_hh, bias_ih, bias_hh) -> h``: one GRU step, the paper's
    way (Cho et al. 2014), with the reset gate applied *before* the product: U_n (r ⊙ h) + b_hn.
    """
    if _unanswered(fn):
        return
    problems, like_torch = [], []
    for size, torch_cell, x, (h,) in _random_cells(nn.GRUCell, seed=5, states=1):
        with _own_rng():  # a new cell draws initial weights before it copies torch's
            paper = GRUCell.from_torch(torch_cell, reset_after=False)
        with torch.no_grad():
            want, torch_way = paper(x, h), torch_cell(x, h)
            weights = (torch_cell.weight_ih, torch_cell.weight_hh)
            ok, got = _call(fn, x, h, *weights, torch_cell.bias_ih, torch_cell.bias_hh)
        if not ok:
            return _verdict(False, got)
        problems.append(_close(got, want, f"h ({size})", atol=1e-10))
        # On these weights the two formulas differ by more than 0.04: an answer within 1e-6
        # of nn.GRU's step is nn.GRU's formula.
        like_torch.append(_close(got, torch_way, "h", atol=1e-6) is None)
    if all(like_torch):
        return _verdict(
            False,
            "that is nn.GRU's step: r_t multiplies (U_n h + b_hn), after the product. The paper "
            "resets the memory first and multiplies after: U_n (r_t ⊙ h) + b_hn.",
        )
    problem = next((p for p in problems if p), None)
    if problem:
        return _verdict(
            False,
            problem + ". Check the row order (r, z, n), that z_t keeps the old memory, that "
            "U_n (the rows 2H:3H of weight_hh) multiplies r_t ⊙ h, and that b_hn is added after "
            "the product, not scaled by r_t.",
        )
    return _verdict(
        True,
        "your step is the paper's GRU (GRUCell(reset_after=False)), not nn.GRU's: the same "
        "weights give a different function.",
    )


@_never_crashes
def check_set_forget_bias(fn: Callable) -> None:
    """``fn(lstm)`` sets the forget bias the LSTM sees to 1, in every layer and direction,
    and leaves every other number alone."""
    if _unanswered(fn):
        return
    with _own_rng():
        torch.manual_seed(0)
        lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    before = {n: p.detach().clone() for n, p in lstm.named_parameters()}
    hidden = lstm.hidden_size
    ok, got = _call(fn, lstm)
    if not ok:
        return _verdict(False, got)
    now = dict(lstm.named_parameters())
    if set(now) != set(before):
        return _verdict(False, "keep the LSTM's parameters; set values inside them, in place.")
    for name, p in now.items():
        old = before[name]
        if (p.shape, p.dtype, p.device, p.layout) != (old.shape, old.dtype, old.device, old.layout):
            return _verdict(
                False,
                f"{name} is now a {p.dtype} tensor of shape {tuple(p.shape)} on {p.device}; "
                "change only its values, in place, under torch.no_grad().",
            )
    forget = slice(hidden, 2 * hidden)
    for suffix in ("_l0", "_l0_reverse", "_l1", "_l1_reverse"):
        total = getattr(lstm, "bias_ih" + suffix) + getattr(lstm, "bias_hh" + suffix)
        if not torch.allclose(total[forget], torch.ones(hidden)):
            seen = "[" + ", ".join(f"{v:.3f}" for v in total[forget].tolist()) + "]"
            return _verdict(
                False,
                f"in {suffix[1:]}, bias_ih + bias_hh of the forget rows is {seen}, not all 1. "
                "torch adds both biases; the forget rows are hidden:2*hidden.",
            )
    for name, p in lstm.named_parameters():
        other = torch.ones_like(p, dtype=torch.bool)
        if name.startswith("bias"):
            other[forget] = False
        if not torch.equal(p.detach()[other], before[name][other]):
            return _verdict(False, f"{name} changed outside the forget gate's bias rows.")
    return _verdict(True, "every forget factor starts near σ(1) ≈ 0.73.")


_ADDING_SEEDS = (0, 1, 2)


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    """Train on one CPU thread: the answer and the check then add up in the same order
    whatever the machine's thread count, and models this small train no slower (faster
    where OpenMP's threads wait passively, as in the tests)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@functools.lru_cache(maxsize=2)
def _adding_over_seeds(kind: str, length: int, steps: int) -> tuple[float, ...]:
    """The answer of :func:`check_adding_over_seeds`, computed on this machine (training
    results differ between machines, not between runs on one), once per session."""
    mses = []
    with _own_rng(), _one_thread():
        for seed in _ADDING_SEEDS:
            torch.manual_seed(seed)
            model = SequenceRegressor(kind, hidden_size=32)
            train_adding(model, length, steps=steps, seed=seed, progress=False)
            mses.append(evaluate_mse(model, length))
    return tuple(mses)


@_never_crashes
def check_adding_over_seeds(fn: Callable) -> None:
    """``fn(kind, length, steps) -> [mse_0, mse_1, mse_2]``: for seeds 0, 1 and 2, the test MSE
    (``evaluate_mse``) of a ``SequenceRegressor(kind, hidden_size=32)`` built on the CPU right
    after ``torch.manual_seed(seed)`` and trained with ``train_adding(model, length,
    steps=steps, seed=seed)``.

    The check asks for an LSTM (no forget bias) on length 20 for 300 steps, trains the same
    three models on this machine, and compares: a few seconds each, on one CPU thread."""
    if _unanswered(fn):
        return
    kind, length, steps = "lstm", 20, 300
    # The answer seeds torch: the lesson's random stream stays as it was.
    with _own_rng(), _one_thread():
        ok, got = _call(fn, kind, length, steps)
    if not ok:
        return _verdict(False, got)
    values = None
    if not isinstance(got, (str, bytes, dict)) and hasattr(got, "__iter__"):
        try:
            values = [_as_number(v) for v in got]
        except Exception:  # iterating the answer raised
            values = None
    if values is None or len(values) != len(_ADDING_SEEDS) or None in values:
        return _verdict(
            False, f"return three finite numbers, the test MSEs of seeds 0, 1, 2; got {_show(got)}"
        )
    want = _adding_over_seeds(kind, length, steps)
    pairs = zip(values, want, strict=True)
    same = [math.isclose(v, w, rel_tol=1e-5, abs_tol=1e-9) for v, w in pairs]
    shown = ", ".join(f"{v:.4f}" for v in values)
    if all(same):
        solved = sum(v < SOLVED_MSE for v in values)
        return _verdict(
            True,
            f"test MSE {shown} for seeds 0, 1, 2: mean {sum(values) / 3:.4f}, from "
            f"{min(values):.4f} to {max(values):.4f}; solved (below {SOLVED_MSE:.4f}) by "
            f"{solved} of 3 seeds. One seed is one sample: report them all, or mean and range.",
        )
    if sorted(values) == sorted(want):
        return _verdict(False, f"right numbers, wrong order ({shown}): seed 0 first, then 1, 2.")
    if max(values) - min(values) <= 1e-9 * max(1.0, abs(values[0])):
        return _verdict(
            False,
            f"the three seeds gave the same number ({shown}): set each seed's own starting "
            "weights and training problems.",
        )
    if same[0]:
        return _verdict(
            False,
            f"seed 0 matches, seeds 1 and 2 do not ({shown}): the seed must set both the starting "
            "weights (torch.manual_seed(seed) just before building the model) and the training "
            "problems (train_adding(..., seed=seed)).",
        )
    return _verdict(
        False,
        f"got {shown}, expected other numbers. For each seed: torch.manual_seed(seed), then "
        "SequenceRegressor(kind, hidden_size=32) on the CPU, train_adding(model, length, "
        "steps=steps, seed=seed) for all the steps (no stop_when_solved), then "
        "evaluate_mse(model, length).",
    )


# --------------------------------------------------------------------------- lesson 6
@_never_crashes
def check_bits_per_character(fn: Callable) -> None:
    """``fn(logits, targets) -> float``: the average surprise in bits per character."""
    if _unanswered(fn):
        return
    gen = torch.Generator().manual_seed(6)
    for n, classes in [(1, 2), (50, 98), (7, 5)]:
        logits = torch.randn(n, classes, generator=gen) * 3
        targets = torch.randint(0, classes, (n,), generator=gen)
        want = nn.functional.cross_entropy(logits, targets).item() / math.log(2)
        ok, got = _call(fn, logits, targets)
        if not ok:
            return _verdict(False, got)
        if _as_number(got) is None:
            return _verdict(False, _wanted_number(got, "return"))
        got = _as_number(got)
        if math.isclose(got, want * math.log(2), rel_tol=1e-4):
            return _verdict(False, "that is in nats (natural log); divide by ln 2 for bits.")
        if not math.isclose(got, want, rel_tol=1e-4):
            return _verdict(False, f"for {n} characters you gave {got:.4f}, expected {want:.4f}")
    return _verdict(True, "cross-entropy in nats divided by ln 2: bits per character.")


@_never_crashes
def check_position_in_line(fn: Callable) -> None:
    """``fn(text) -> list[int]``: for every character, how many characters precede it on
    its line (a newline belongs to the line it ends)."""
    if _unanswered(fn):
        return
    for text in ["ab\ncd", "\n\nx", "def f():\n    return 1\n", "x"]:
        want = []
        column = 0
        for ch in text:
            want.append(column)
            column = 0 if ch == "\n" else column + 1
        ok, got = _call(fn, text)
        if not ok:
            return _verdict(False, got)
        positions = _int_list(got)
        if positions is None:
            return _verdict(False, f"return a list of whole numbers, got {_show(got)}")
        if positions != want:
            return _verdict(False, f"for {text!r} you gave {positions}, expected {want}")
    return _verdict(True, "the column of every character, restarting after each newline.")


def _is_nan(value: Any) -> bool:
    """Whether ``value`` is a NaN number (a float, a NumPy scalar, a one-element tensor)."""
    try:
        return math.isnan(float(value))
    except Exception:
        return False


@_never_crashes
def check_best_unit(fn: Callable) -> None:
    """``fn(states, feature) -> (unit, r)``: the unit whose state correlates most strongly
    (largest |r|, sign kept) with the feature."""
    if _unanswered(fn):
        return
    gen = torch.Generator().manual_seed(7)
    feature = torch.randn(200, generator=gen)
    states = torch.randn(200, 6, generator=gen)
    states[:, 4] = -2 * feature + 0.3 * torch.randn(200, generator=gen)  # strong, negative
    states[:, 1] = feature + 1.5 * torch.randn(200, generator=gen)  # weaker, positive
    states[:, 2] = 0.5  # never changes, as a unit of a real memory may: its r is 0/0
    r_all = [torch.corrcoef(torch.stack([states[:, u], feature]))[0, 1].item() for u in range(6)]
    with np.errstate(invalid="ignore", divide="ignore"):  # the 0/0: the verdict says it
        ok, got = _call(fn, states.numpy(), feature.numpy())
    if not ok:
        return _verdict(False, got)
    if not (isinstance(got, tuple) and len(got) == 2):
        return _verdict(False, "return a pair (unit, r)")
    unit, r = (_as_number(v) for v in got)
    if unit == 2 or _is_nan(got[1]):
        return _verdict(
            False,
            "unit 2 never changes, so its r is 0/0 = NaN, and argmax takes NaN for the largest: "
            "count a unit that never changes as r = 0, or skip it.",
        )
    if unit is None or r is None or unit != int(unit):
        return _verdict(False, f"return a unit number and a correlation, got {got!r}")
    if int(unit) == 1:
        return _verdict(
            False,
            "unit 1 has the largest positive r, but a strongly negative r "
            "is just as telling: compare |r|.",
        )
    if int(unit) != 4:
        return _verdict(False, f"unit {int(unit)} is not the one with the largest |r|")
    if not math.isclose(float(r), r_all[4], abs_tol=1e-4):
        return _verdict(False, f"unit 4 is right, but its r is {r_all[4]:.4f}, not {float(r):.4f}")
    return _verdict(True, f"unit 4, r = {r_all[4]:.2f}: strongly negative is as good as positive.")


# --------------------------------------------------------------------------- lesson 7
def _float_array(value: Any) -> Any:
    """``value`` as a float64 NumPy array, or None if it is not an array of real numbers."""
    if isinstance(value, (str, bytes, dict, bool)) or value is None:
        return None
    try:
        if isinstance(value, torch.Tensor):
            value = value.detach().cpu()
        array = np.asarray(value, dtype=np.float64)
    except Exception:
        return None
    return array


@_never_crashes
def check_split_in_time(fn: Callable) -> None:
    """``fn(n_weeks, n_val, n_test) -> (train, val, test)``: the week numbers of each period,
    in time order: training first, then validation, the last ``n_test`` weeks for the test."""
    if _unanswered(fn):
        return
    for n, n_val, n_test in [(10, 2, 3), (100, 20, 20), (7, 1, 1), (52, 13, 26)]:
        n_train = n - n_val - n_test
        want = [list(range(n_train)), list(range(n_train, n - n_test)), list(range(n - n_test, n))]
        ok, got = _call(fn, n, n_val, n_test)
        if not ok:
            return _verdict(False, got)
        if not (isinstance(got, (tuple, list)) and len(got) == 3):
            return _verdict(False, f"return three collections (train, val, test), got {_show(got)}")
        parts = [_int_list(part) for part in got]
        if any(part is None for part in parts):
            return _verdict(False, "each period must be a list or array of week numbers (ints)")
        if [len(p) for p in parts] != [len(w) for w in want]:
            return _verdict(
                False,
                f"for {n} weeks, {n_val} for validation and {n_test} for test the sizes "
                f"should be {[len(w) for w in want]}, got {[len(p) for p in parts]}",
            )
        if sorted(week for part in parts for week in part) != list(range(n)):
            return _verdict(False, "every week must be in exactly one period, once")
        if parts != want:
            if [sorted(p) for p in parts] == want:
                return _verdict(False, "the right weeks, but keep each period in time order")
            return _verdict(
                False,
                "the periods must follow each other in time: a shuffled split trains on "
                "weeks that come after the ones it is tested on",
            )
    return _verdict(True, "the past for training, the future for testing, nothing shared.")


@_never_crashes
def check_seasonal_naive(fn: Callable) -> None:
    """``fn(windows, horizon, season) -> forecasts``: windows ``(n, window)``, forecasts
    ``(n, horizon)``, each week equal to the same week one season earlier (two seasons
    earlier beyond one season ahead)."""
    if _unanswered(fn):
        return
    rng = np.random.default_rng(7)
    for n, window, horizon, season in [(3, 12, 4, 4), (2, 10, 9, 4), (1, 52, 52, 52), (4, 8, 5, 5)]:
        windows = rng.normal(size=(n, window)).round(2)
        want = seasonal_naive_forecast(windows, horizon, season)
        ok, got = _call(fn, windows.copy(), horizon, season)
        if not ok:
            return _verdict(False, got)
        array = _float_array(got)
        if array is None or array.shape != want.shape:
            shape = getattr(array, "shape", None)
            return _verdict(
                False, f"return an array of shape {want.shape}, got {shape or _show(got)}"
            )
        if np.allclose(array, want, atol=1e-9, rtol=0):
            continue
        if np.allclose(array, last_value_forecast(windows, horizon)):
            return _verdict(False, "that is the last value; take the week one season back")
        for lag in (season - 1, season + 1):
            if lag <= window and np.allclose(array, seasonal_naive_forecast(windows, horizon, lag)):
                return _verdict(False, f"that is {lag} weeks back, one off: check the index")
        return _verdict(
            False,
            f"for a season of {season} and a horizon of {horizon} your forecast differs "
            "from the value one season back (mind horizons longer than a season)",
        )
    return _verdict(True, "the same week one season back, repeated beyond a season.")


@_never_crashes
def check_make_windows(fn: Callable) -> None:
    """``fn(series, window, horizon) -> (inputs, targets)``: for every week t with a full
    window before it and a full horizon after it, the inputs ``series[t-window+1 .. t]``
    and the targets ``series[t+1 .. t+horizon]``; shapes ``(n, window)``, ``(n, horizon)``."""
    if _unanswered(fn):
        return
    for length, window, horizon in [(20, 5, 3), (12, 4, 1), (9, 3, 6), (30, 1, 2)]:
        series = np.arange(length, dtype=np.float64) * 10 + 3
        n = length - window - horizon + 1
        inputs = np.stack([series[i : i + window] for i in range(n)])
        targets = np.stack([series[i + window : i + window + horizon] for i in range(n)])
        ok, got = _call(fn, series.copy(), window, horizon)
        if not ok:
            return _verdict(False, got)
        if not (isinstance(got, (tuple, list)) and len(got) == 2):
            return _verdict(False, f"return the pair (inputs, targets), got {_show(got)}")
        got_inputs, got_targets = (_float_array(part) for part in got)
        if got_inputs is None or got_targets is None:
            return _verdict(False, "inputs and targets must be arrays of numbers")
        if got_inputs.shape != inputs.shape or got_targets.shape != targets.shape:
            return _verdict(
                False,
                f"for {length} weeks, a window of {window} and a horizon of {horizon}: shapes "
                f"{inputs.shape} and {targets.shape} expected, got {got_inputs.shape} and "
                f"{got_targets.shape} (every week with a full window and horizon, once)",
            )
        if not np.array_equal(got_inputs, inputs):
            return _verdict(False, "the inputs are not the weeks up to each origin, in order")
        if not np.array_equal(got_targets, targets):
            if got_targets.size and np.array_equal(got_targets[:, 0], got_inputs[:, -1]):
                return _verdict(False, "the first target repeats the last input: start after it")
            return _verdict(False, "the targets are not the weeks right after each window")
    return _verdict(True, "inputs (n, window), targets (n, horizon), none inside its own window.")


@_never_crashes
def check_skill_score(fn: Callable) -> None:
    """``fn(error, naive_error) -> float``: the skill score, 1 - error / naive_error (0: no
    better than the naive forecast, 1: perfect, below 0: worse)."""
    if _unanswered(fn):
        return
    for error, naive in [(0.5, 2.0), (3.0, 2.0), (1.25, 1.25), (0.0, 0.4)]:
        want = 1 - error / naive
        ok, got = _call(fn, error, naive)
        if not ok:
            return _verdict(False, got)
        value = _as_number(got)
        if value is None:
            return _verdict(False, _wanted_number(got, "return"))
        if math.isclose(value, want, abs_tol=1e-9):
            continue
        if math.isclose(value, error / naive, abs_tol=1e-9):
            return _verdict(False, "that is the ratio of the errors; the skill is 1 minus it")
        if math.isclose(value, 100 * want, abs_tol=1e-7):
            return _verdict(False, "give the skill as a fraction, not a percentage")
        if naive and error and math.isclose(value, 1 - naive / error, abs_tol=1e-9):
            return _verdict(False, "the naive error is the yardstick: divide by it")
        return _verdict(False, f"for errors {error} and {naive} (naive) you gave {value:.4g}")
    return _verdict(True, "1 - error / naive error: 0 is no better than copying, 1 is perfect.")
