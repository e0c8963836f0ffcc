"""The checks of lesson 8's exercises (LSTMs today: minLSTM's scan, sLSTM's stabiliser).

Shared machinery is in :mod:`lstm_course.exercises.harness`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import torch
from torch.utils._python_dispatch import TorchDispatchMode

from lstm_course.exercises.harness import _call, _close, _never_crashes, _unanswered, _verdict
from lstm_course.minrnn import scan_loop
from lstm_course.slstm import SLSTMState, slstm_step

F64 = torch.float64
#: The most PyTorch operations a scan may dispatch on the 3,000-step problem. Two cumulative
#: sums and a few element-wise operations are about ten, whatever the length; a loop over time
#: dispatches at least one per step.
MAX_SCAN_OPS = 100


class _OperationCounter(TorchDispatchMode):
    """Counts every PyTorch operation dispatched inside the ``with`` block (each one a kernel
    call): a scan's count does not grow with the length, a step loop's grows like it."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.count += 1
        return func(*args, **(kwargs or {}))


def _scan_problems(seed: int) -> Iterator[tuple[str, torch.Tensor, torch.Tensor]]:
    """(what, log_coeffs, log_values) in float64: small ones, and a long one whose products
    of forget factors fall far below float64's smallest number (exp(-709))."""
    gen = torch.Generator().manual_seed(seed)
    for batch, steps, hidden in [(1, 1, 1), (2, 7, 3), (3, 40, 2)]:
        log_a = -torch.rand(batch, steps, hidden, generator=gen, dtype=F64) * 2
        log_b = torch.randn(batch, steps, hidden, generator=gen, dtype=F64)
        yield f"batch={batch}, steps={steps}, hidden={hidden}", log_a, log_b
    log_a = -0.5 - torch.rand(2, 3000, 2, generator=gen, dtype=F64)  # Σ log a ≈ -3000
    yield "3,000 steps", log_a, torch.randn(2, 3000, 2, generator=gen, dtype=F64)


@_never_crashes
def check_log_space_scan(fn: Callable) -> None:
    """``fn(log_coeffs, log_values) -> h``: every h_t of h_t = a_t ⊙ h_{t-1} + b_t from h_0 = 0,
    given log a and log b of shape (batch, time, hidden), computed with cumulative sums.

    A right answer that loops over time is refused: the check counts the PyTorch operations
    the answer dispatches on 3,000 steps (a scan needs about ten, a loop thousands), and
    refuses a result computed outside PyTorch, where it cannot count."""
    if _unanswered(fn):
        return
    for what, log_a, log_b in _scan_problems(seed=8):
        want = scan_loop(log_a.exp(), log_b.exp())
        log_a, log_b = log_a.clone(), log_b.clone()
        if what == "3,000 steps":  # so that a result computed outside PyTorch shows (no graph)
            log_a, log_b = (t.requires_grad_() * 1 for t in (log_a, log_b))
        with _OperationCounter() as counter:
            ok, got = _call(fn, log_a, log_b)
        if not ok:
            return _verdict(False, got)
        if (
            isinstance(got, torch.Tensor)
            and got.shape == want.shape
            and torch.allclose(got.detach().to(F64), want.log(), atol=1e-8)
        ):
            return _verdict(False, f"({what}) that is log h: take exp of the result at the end.")
        if isinstance(got, torch.Tensor) and got.dtype != want.dtype:
            return _verdict(False, f"h is {got.dtype}: keep the float64 it was given.")
        problem = _close(got, want, f"h ({what})", atol=1e-10 * max(1.0, want.abs().max().item()))
        if problem:
            hint = (
                " On 3,000 steps the product of the a's is below exp(-709), 0 in float64: keep "
                "it as a sum of logs (cumsum), and add inside logcumsumexp, never divide by it."
                if what == "3,000 steps"
                else " A* = cumsum(log a) over time (dim 1, including step t); h_t = "
                "exp(A*_t + logcumsumexp(log b - A*)_t)."
            )
            return _verdict(False, problem + "." + hint)
        if what == "3,000 steps" and got.grad_fn is None:
            return _verdict(
                False,
                "the numbers are right, but they were not computed by PyTorch operations on the "
                "inputs (NumPy or Python numbers?), so the check cannot tell a scan from a loop: "
                "use torch's cumsum and logcumsumexp over dim 1.",
            )
        if what == "3,000 steps" and counter.count > MAX_SCAN_OPS:
            return _verdict(
                False,
                f"the numbers are right, but your function ran {counter.count:,} PyTorch "
                f"operations on 3,000 steps (a scan needs at most {MAX_SCAN_OPS}, whatever the "
                "length): that is a loop over time. Use cumsum and logcumsumexp over dim 1, "
                "with no Python loop.",
            )
    return _verdict(True, "two cumulative sums give every step at once, even 3,000 steps long.")


def _slstm_problems(seed: int) -> Iterator[tuple[str, torch.Tensor, SLSTMState]]:
    gen = torch.Generator().manual_seed(seed)
    for scale in (1.0, 5.0, 400.0):  # 400: exp(ĩ) overflows even float64's 1.8e308 at 710
        pre = scale * torch.randn(3, 8, generator=gen, dtype=F64)
        state = SLSTMState(
            torch.randn(3, 2, generator=gen, dtype=F64),
            torch.randn(3, 2, generator=gen, dtype=F64),
            torch.rand(3, 2, generator=gen, dtype=F64) + 0.5,
            scale * torch.randn(3, 2, generator=gen, dtype=F64),
        )
        yield f"pre-activations of size ~{scale:g}", pre, state


@_never_crashes
def check_stabilised_slstm_step(fn: Callable) -> None:
    """``fn(pre, h, c, n, m) -> (h, c, n, m)``: one stabilised sLSTM step, ``pre`` of shape
    (batch, 4H) with rows i, f, z, o, the forget gate σ(f̃), the input gate exp(ĩ) stabilised
    by m_t = max(log σ(f̃) + m_{t-1}, ĩ)."""
    if _unanswered(fn):
        return
    order = (3, 1, 2, 0)  # m, c, n, then h: the first wrong one names the cause
    for what, pre, state in _slstm_problems(seed=8):
        want = slstm_step(pre, state)
        ok, got = _call(fn, pre.clone(), *(s.clone() for s in state))
        if not ok:
            return _verdict(False, got)
        if not isinstance(got, (tuple, list)) or len(got) != 4:
            return _verdict(False, "return four tensors: (h, c, n, m).")
        for k in order:
            name, g, w = "hcnm"[k], got[k], want[k]
            problem = _close(g, w, f"{name} ({what})", atol=1e-9 * max(1.0, w.abs().max().item()))
            if problem:
                hint = {
                    "m": " m_t = max(log σ(f̃) + m_{t-1}, ĩ): the log of the largest weight so far.",
                    "h": " h_t = σ(õ) ⊙ c_t / n_t, with c and n both divided by exp(m_t).",
                }.get(
                    name,
                    " i' = exp(ĩ - m_t), f' = exp(log σ(f̃) + m_{t-1} - m_t); "
                    "c_t = f' c_{t-1} + i' tanh(z̃), n_t = f' n_{t-1} + i'.",
                )
                return _verdict(False, problem + "." + hint)
    return _verdict(True, "every exponential has an argument ≤ 0, so nothing overflows.")
