"""Automatic checks for the lessons' exercises.

Each ``check_*`` takes the learner's answer (a value or a function) and prints one line
that says whether it is right (it starts with ✅) and, if not, what is off (❌). It returns
nothing, so a notebook shows only that line. An answer left as ``...`` is not an error:
the check says it is the learner's turn, so every notebook still runs top to bottom. The
checks draw their test inputs from their own seeded generator and leave the global random
state alone.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

_NOT_ANSWERED = (Ellipsis, None)


def _verdict(ok: bool, message: str = "") -> None:
    print(("✅ Correct! " if ok else "❌ Not yet: ") + message)


def _unanswered(answer: Any) -> bool:
    if any(answer is blank for blank in _NOT_ANSWERED):
        print("✏️ Your turn: replace the ... with your answer, then run this cell again.")
        return True
    return False


def _own_rng() -> contextlib.AbstractContextManager:
    """Build torch modules inside this, so their random init leaves the lesson's stream alone."""
    return torch.random.fork_rng(devices=[])


def _call(fn: Callable, *args: Any) -> tuple[bool, Any]:
    """Run the learner's function; a crash is an answer that is not yet right."""
    if not callable(fn):
        return False, f"expected a function, got {type(fn).__name__}"
    try:
        return True, fn(*args)
    except Exception as e:  # the learner's code may raise anything; report it, don't crash
        return False, f"your function raised {type(e).__name__}: {e}"


def _as_number(answer: Any) -> float | None:
    """A plain number from an int, a float, a NumPy scalar or a one-element tensor; else None."""
    if isinstance(answer, bool):
        return None
    if isinstance(answer, (int, float)):
        return float(answer)
    if isinstance(answer, torch.Tensor) and answer.numel() == 1 and not answer.is_complex():
        return float(answer.detach().cpu().item())
    if (
        type(answer).__module__ == "numpy"
        and hasattr(answer, "item")
        and getattr(answer, "size", 0) == 1
    ):
        value = answer.item()
        return (
            float(value)
            if isinstance(value, (int, float)) and not isinstance(value, bool)
            else None
        )
    return None


def _close(got: Any, want: torch.Tensor, what: str, atol: float = 1e-8) -> str | None:
    """None if ``got`` is a tensor equal to ``want``; else what is wrong with it."""
    if not isinstance(got, torch.Tensor):
        return f"{what} should be a tensor, got {type(got).__name__}"
    if got.shape != want.shape:
        return f"{what} has shape {tuple(got.shape)}, expected {tuple(want.shape)}"
    err = (got.detach().to(want.dtype) - want).abs().max().item()
    if err > atol:
        return f"{what} differs from the right answer by up to {err:.3g}"
    return None


# --------------------------------------------------------------------------- lesson 1
def check_lstm_step(fn: Callable) -> None:
    """``fn(x, h, c, weight_ih, weight_hh, bias) -> (h, c)``: one LSTM step, torch's way."""
    if _unanswered(fn):
        return
    gen = torch.Generator().manual_seed(1)
    for batch, n_in, n_hid in [(1, 1, 1), (3, 4, 5), (2, 6, 3)]:
        with _own_rng():
            torch_cell = nn.LSTMCell(n_in, n_hid, dtype=torch.float64)
        with torch.no_grad():
            for p in torch_cell.parameters():
                p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64))
        x = torch.randn(batch, n_in, generator=gen, dtype=torch.float64)
        h = torch.randn(batch, n_hid, generator=gen, dtype=torch.float64)
        c = torch.randn(batch, n_hid, generator=gen, dtype=torch.float64)
        with torch.no_grad():
            want_h, want_c = torch_cell(x, (h, c))
            bias = torch_cell.bias_ih + torch_cell.bias_hh
            ok, got = _call(fn, x, h, c, torch_cell.weight_ih, torch_cell.weight_hh, bias)
        if not ok:
            return _verdict(False, got)
        if not (isinstance(got, tuple) and len(got) == 2):
            return _verdict(False, "return the pair (h, c)")
        for value, want, name in zip(got, (want_h, want_c), ("h", "c"), strict=True):
            problem = _close(value, want, f"{name} (batch={batch}, hidden={n_hid})")
            if problem:
                _, f, _, o = (x @ torch_cell.weight_ih.T + h @ torch_cell.weight_hh.T + bias).chunk(
                    4, 1
                )
                notes_h = torch.sigmoid(o) * torch.tanh(torch.sigmoid(f) * c)
                if name == "h" and _close(value, notes_h, "h") is None:
                    return _verdict(
                        False,
                        "that is the notes' use gate, tanh(f_t ⊙ c_{t-1}); PyTorch's h_t "
                        "is o_t ⊙ tanh(c_t), with the new long-term memory.",
                    )
                return _verdict(False, problem + ". Check the gate order: i, f, g, o.")
    return _verdict(True, "your step matches torch.nn.LSTMCell.")


def check_memory_after_steps(answer: Any) -> None:
    """Forget factor 0.9 at every step, nothing learned: the share of LTM left after 10.

    Any answer that rounds to the right share is right: 0.9 ** 10, 0.349 or 0.35."""
    if _unanswered(answer):
        return
    want = 0.9**10  # 0.3487
    value = _as_number(answer)
    if value is None:
        return _verdict(False, f"give a number, got {type(answer).__name__}")
    if abs(value - want) <= 0.005:
        return _verdict(True, f"0.9 ** 10 = {want:.4f}: about a third of the memory is left.")
    if abs(value - 100 * want) <= 0.5:
        return _verdict(False, "give the share as a number between 0 and 1, not a percentage.")
    if abs(value - (1 - want)) <= 0.005:
        return _verdict(False, "that is the share forgotten; the question asks what is left.")
    if math.isclose(value, 0.9 * 10) or math.isclose(value, 0.9):
        return _verdict(False, "the forget factor multiplies the memory at every step.")
    return _verdict(False, f"{value} is not it. The memory is multiplied by f_t at every step.")


def check_forget_bias(answer: Any) -> None:
    """The forget-gate pre-activation that keeps 99% of the long-term memory per step."""
    if _unanswered(answer):
        return
    value = _as_number(answer)
    if value is None:
        return _verdict(False, f"give a number, got {type(answer).__name__}")
    kept = 1 / (1 + math.exp(-value)) if value > -700 else 0.0
    want = math.log(0.99 / 0.01)
    if math.isclose(value, want, abs_tol=0.01):
        return _verdict(True, f"σ({value:.3f}) = {kept:.4f}: the long-term memory stays.")
    return _verdict(
        False, f"σ({value:.4g}) = {kept:.4f}, not 0.99. Invert the sigmoid: log(p/(1-p))."
    )


# --------------------------------------------------------------------------- lesson 2
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
        try:
            got = list(got)
        except TypeError:
            return _verdict(False, f"return a list of indices, got {type(got).__name__}")
        if got != want:
            return _verdict(False, f"for {words} expected {want}, got {got}")
    return _verdict(True, "unknown words get the <unk> index and the dictionary is unchanged.")


def check_vocab_size(answer: Any) -> None:
    """Size of Vocab.from_corpus(the notes' four sentences, min_freq=2), specials included."""
    if _unanswered(answer):
        return
    value = _as_number(answer)
    if value is None:
        return _verdict(False, f"give a number, got {type(answer).__name__}")
    if value == 3:
        return _verdict(True, "<pad>, <unk> and 'the', the only word seen twice or more.")
    if value in (1, 2):
        return _verdict(False, "count both special tokens, <pad> and <unk>, too.")
    return _verdict(False, f"{answer} is not it. Which words appear at least twice?")


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
    try:
        got = float(got)
    except (TypeError, ValueError):
        return _verdict(False, f"return a number, got {type(got).__name__}")
    if abs(got - want) < 1e-6:
        return _verdict(True, f"{real - 1} of {real} real words right; the padding did not count.")
    if abs(got - 14 / 15) < 1e-6:
        return _verdict(False, "the padded positions (tag -100) must not count.")
    return _verdict(False, f"expected {want:.4f}, got {got:.4f}")


def check_unknown_rate(fn: Callable) -> None:
    """``fn(sentences, vocab) -> float``: the share of words that ``vocab`` encodes as <unk>."""
    if _unanswered(fn):
        return
    from lstm_course.vocab import Vocab

    vocab = Vocab(["the", "cat", "sat"])
    sentences = [["the", "cat", "sat"], ["the", "dog", "sat", "down"]]
    ok, got = _call(fn, sentences, vocab)
    if not ok:
        return _verdict(False, got)
    if _as_number(got) is None:
        return _verdict(False, f"return a number, got {type(got).__name__}")
    got = _as_number(got)
    if abs(got - 2 / 7) < 1e-6:
        return _verdict(True, "2 of 7 words are unknown.")
    if abs(got - 2 / 2) < 1e-6 or abs(got - 2 / 5) < 1e-6:
        return _verdict(False, "count word occurrences (tokens), not distinct words.")
    return _verdict(False, f"expected {2 / 7:.4f} for the test sentences, got {got}")


def check_decode_predictions(fn: Callable) -> None:
    """``fn(scores, lengths, tag_vocab) -> list[list[str]]``: the best tag of every real word."""
    if _unanswered(fn):
        return
    from lstm_course.vocab import Vocab

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
    if got == want:
        return _verdict(True, "argmax per word, decoded, and cut at each sentence's length.")
    if got == [["DET", "NOUN", "VERB"], ["NOUN", "VERB", "DET"]]:
        return _verdict(False, "cut each sentence at its length: padding has no tag.")
    return _verdict(False, f"expected {want}, got {got}")


# --------------------------------------------------------------------------- lesson 5
def check_gru_step(fn: Callable) -> None:
    """``fn(x, h, weight_ih, weight_hh, bias_ih, bias_hh) -> h``: one GRU step, torch's way."""
    if _unanswered(fn):
        return
    gen = torch.Generator().manual_seed(5)
    for batch, n_in, n_hid in [(1, 1, 1), (3, 4, 5), (2, 6, 3)]:
        with _own_rng():
            torch_cell = nn.GRUCell(n_in, n_hid, dtype=torch.float64)
        with torch.no_grad():
            for p in torch_cell.parameters():
                p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64))
        x = torch.randn(batch, n_in, generator=gen, dtype=torch.float64)
        h = torch.randn(batch, n_hid, generator=gen, dtype=torch.float64)
        with torch.no_grad():
            want = torch_cell(x, h)
            weights = (torch_cell.weight_ih, torch_cell.weight_hh)
            ok, got = _call(fn, x, h, *weights, torch_cell.bias_ih, torch_cell.bias_hh)
        if not ok:
            return _verdict(False, got)
        problem = _close(got, want, f"h (batch={batch}, hidden={n_hid})")
        if problem:
            return _verdict(
                False,
                problem + ". Check the row order (r, z, n), that z_t keeps the old memory, "
                "and that r_t multiplies (U_n h + b_hn).",
            )
    return _verdict(True, "your step matches torch.nn.GRUCell.")


def check_parameter_count(fn: Callable) -> None:
    """``fn(kind, input_size, hidden_size) -> int``: the parameters of one torch layer."""
    if _unanswered(fn):
        return
    layers = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}
    for kind, layer in layers.items():
        for n_in, n_hid in [(1, 1), (10, 20), (300, 7)]:
            with _own_rng():
                want = sum(p.numel() for p in layer(n_in, n_hid).parameters())
            ok, got = _call(fn, kind, n_in, n_hid)
            if not ok:
                return _verdict(False, got)
            if got != want:
                return _verdict(
                    False,
                    f"{kind} with input {n_in}, hidden {n_hid}: you said {got}, torch has {want}. "
                    "Each gate block has W (hidden×input), U (hidden×hidden) and two biases.",
                )
    return _verdict(True, "1, 3 and 4 blocks of the same shape: RNN, GRU and LSTM.")


def check_set_forget_bias(fn: Callable) -> None:
    """``fn(lstm)`` sets the forget bias the LSTM sees to 1, in every layer and direction,
    and leaves every other number alone."""
    if _unanswered(fn):
        return
    with _own_rng():
        torch.manual_seed(0)
        lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    before = {n: p.detach().clone() for n, p in lstm.named_parameters()}
    ok, got = _call(fn, lstm)
    if not ok:
        return _verdict(False, got)
    hidden = lstm.hidden_size
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


# --------------------------------------------------------------------------- lesson 6
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
            return _verdict(False, f"return a number, got {type(got).__name__}")
        got = _as_number(got)
        if math.isclose(got, want * math.log(2), rel_tol=1e-4):
            return _verdict(False, "that is in nats (natural log); divide by ln 2 for bits.")
        if not math.isclose(got, want, rel_tol=1e-4):
            return _verdict(False, f"for {n} characters you gave {got:.4f}, expected {want:.4f}")
    return _verdict(True, "cross-entropy in nats divided by ln 2: bits per character.")


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
        got = [int(x) for x in got] if hasattr(got, "__iter__") else got
        if got != want:
            return _verdict(False, f"for {text!r} you gave {got}, expected {want}")
    return _verdict(True, "the column of every character, restarting after each newline.")


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
    r_all = [torch.corrcoef(torch.stack([states[:, u], feature]))[0, 1].item() for u in range(6)]
    ok, got = _call(fn, states.numpy(), feature.numpy())
    if not ok:
        return _verdict(False, got)
    if not (isinstance(got, tuple) and len(got) == 2):
        return _verdict(False, "return a pair (unit, r)")
    unit, r = (_as_number(v) for v in got)
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
