"""The checks of lesson 2's exercises (nn.LSTM basics).

Shared machinery is in :mod:`lstm_course.exercises.harness`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from lstm_course.exercises.harness import (
    _call,
    _close,
    _never_crashes,
    _own_rng,
    _plain_int,
    _unanswered,
    _verdict,
)


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
    # compared as plain ints: an int subclass's == could say anything
    wrong = [k for k in want if tuple(_plain_int(n) for n in answer[k]) != want[k]]
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
