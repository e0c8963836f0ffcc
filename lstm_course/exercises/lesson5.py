"""The checks of lesson 5's exercises (the GRU and why gates keep memory alive).

Shared machinery is in :mod:`lstm_course.exercises.harness`.
"""

from __future__ import annotations

import contextlib
import functools
import math
from collections.abc import Callable, Iterator

import torch
from torch import nn

from lstm_course.adding import SOLVED_MSE, SequenceRegressor, evaluate_mse, train_adding
from lstm_course.cells import GRUCell
from lstm_course.exercises.harness import (
    _as_number,
    _call,
    _close,
    _items,
    _never_crashes,
    _own_rng,
    _random_cells,
    _show,
    _TooManyItems,
    _unanswered,
    _verdict,
)


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
            values = [_as_number(v) for v in _items(got, len(_ADDING_SEEDS))]
        except _TooManyItems:
            raise
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
