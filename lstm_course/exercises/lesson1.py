"""The checks of lesson 1's exercises (the LSTM gates from scratch).

Shared machinery is in :mod:`lstm_course.exercises.harness`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from lstm_course.exercises.harness import (
    _as_number,
    _call,
    _close,
    _never_crashes,
    _random_cells,
    _unanswered,
    _verdict,
    _wanted_number,
)


def _use_gate_hint(
    value: Any,
    c_new: torch.Tensor,
    x: torch.Tensor,
    h: torch.Tensor,
    c: torch.Tensor,
    torch_cell: nn.LSTMCell,
    bias: torch.Tensor,
) -> str | None:
    """A hint for an h that is right everywhere but in what the use gate's tanh reads."""
    f, o = (x @ torch_cell.weight_ih.T + h @ torch_cell.weight_hh.T + bias).chunk(4, 1)[1::2]
    use = torch.sigmoid(o)
    new_memory = "PyTorch's h_t is o_t ⊙ tanh(c_t), with the new long-term memory c_t"
    wrong_reads = (
        (
            use * torch.tanh(torch.sigmoid(f) * c),
            "that is the lecture's use gate with W_u = I, o_t ⊙ tanh(f_t ⊙ c_{t-1}) "
            f"(lesson 1, section 6); {new_memory}.",
        ),
        (
            use * torch.tanh(c),
            "your h reads the old memory, o_t ⊙ tanh(c_{t-1}): compute c_t first, then "
            f"{new_memory} (lesson 1, section 6).",
        ),
        (
            use * c_new,
            f"your h has no tanh on the memory, o_t ⊙ c_t: {new_memory} squashed by tanh.",
        ),
    )
    for wrong, hint in wrong_reads:
        if _close(value, wrong, "h") is None:
            return hint
    return None


def _memory_hint(
    got: tuple[Any, Any],
    x: torch.Tensor,
    h: torch.Tensor,
    c: torch.Tensor,
    torch_cell: nn.LSTMCell,
    bias: torch.Tensor,
) -> str | None:
    """A hint for a wrong long-term memory c_t (or a pair in the wrong order), one for each
    mistake a learner makes: gates read in another order, σ for the candidate, the learn
    (input) gate left out, the forget gate left out, (c, h) returned for (h, c)."""
    pre = x @ torch_cell.weight_ih.T + h @ torch_cell.weight_hh.T + bias
    blocks = dict(zip("ifgo", pre.chunk(4, 1), strict=True))
    sig, tanh = torch.sigmoid, torch.tanh
    want_c = sig(blocks["f"]) * c + sig(blocks["i"]) * tanh(blocks["g"])
    want_h = sig(blocks["o"]) * tanh(want_c)
    if _close(got[0], want_c, "c") is None and _close(got[1], want_h, "h") is None:
        return "you returned (c, h): return the pair in the order (h, c)."
    value = got[1]
    wrong_memories = [
        (
            sig(blocks["f"]) * c + sig(blocks["i"]) * sig(blocks["g"]),
            "your candidate g_t goes through σ: PyTorch's g_t = tanh(...), so new information "
            "can be negative as well as positive.",
        ),
        (
            sig(blocks["f"]) * c + tanh(blocks["g"]),
            "your c_t adds the candidate g_t unscaled: the learn (input) gate decides how much of "
            "it is written, c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t.",
        ),
        (
            c + sig(blocks["i"]) * tanh(blocks["g"]),
            "your c_t keeps all of the old memory: the forget gate scales it first, "
            "c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t.",
        ),
    ]
    for wrong_c, hint in wrong_memories:
        if _close(value, wrong_c, "c") is None:
            return hint
    for order in itertools.permutations("ifgo"):
        if "".join(order) == "ifgo":
            continue
        named = dict(zip(order, pre.chunk(4, 1), strict=True))
        if _close(value, sig(named["f"]) * c + sig(named["i"]) * tanh(named["g"]), "c") is None:
            return (
                f"your gates are read in the order {', '.join(order)}: PyTorch stacks the rows "
                "of weight_ih, weight_hh and bias as i, f, g, o (learn, forget, candidate, use)."
            )
    return None


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
        problems = [
            _close(value, want, f"{name} ({size})")
            for value, want, name in zip(got, (want_h, want_c), ("h", "c"), strict=True)
        ]
        if problems[1] or (problems[0] and _close(got[0], want_c, "c") is None):
            # c is wrong (or h and c are swapped): the mistake is in the memory, or the order
            hint = _memory_hint(got, x, h, c, torch_cell, bias)
            return _verdict(False, hint or problems[1] or problems[0])
        if problems[0]:  # c is right, h is not: the use gate
            hint = _use_gate_hint(got[0], want_c, x, h, c, torch_cell, bias)
            return _verdict(False, hint or problems[0])
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
