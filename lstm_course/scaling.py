"""What a sequence layer costs as the sequence grows: time of one forward and backward pass,
and the memory autograd keeps for the backward pass, at several lengths.

Lesson 8 and ``benchmarks/scan_vs_loop.py`` measure four layers of one width on one batch:
``nn.LSTM`` (PyTorch's fused kernel, a loop over time inside C++), the minLSTM step loop
(a loop in Python, taking its steps with ``unbind``), the minLSTM log-space scan (a few
large operations; ``cumsum`` and ``logcumsumexp`` walk the time axis inside C++) and one
``nn.TransformerEncoderLayer`` (every word looks at every word). A fifth,
``"minLSTM loop, indexed"``, is the step loop written with ``coeffs[:, t]``: a lesson in
measuring, not a layer anyone should train (:func:`indexed_scan_loop`). Times are the best of a
few rounds after a warm-up: the least disturbed run, the number closest to the machine's cost.
Memory is counted, not timed: the bytes of every tensor autograd saves for the backward
pass (each storage once), so it is the same number on every machine and every run.
"""

from __future__ import annotations

import functools
import math
import numbers
import time
from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn

from lstm_course.minrnn import MinLSTM

LAYERS = ("nn.LSTM", "minLSTM loop", "minLSTM scan", "Transformer")
INDEXED = "minLSTM loop, indexed"


def indexed_scan_loop(coeffs: Tensor, values: Tensor, h0: Tensor | None = None) -> Tensor:
    """:func:`lstm_course.minrnn.scan_loop` with its steps read as ``coeffs[:, t]``: the same
    numbers, but the backward pass of each indexing writes a zero-filled gradient of the whole
    sequence's size, so forward + backward costs T² and times the indexing, not the loop."""
    h = torch.zeros_like(values[:, 0]) if h0 is None else h0
    out = []
    for t in range(values.shape[1]):
        h = coeffs[:, t] * h + values[:, t]
        out.append(h)
    return torch.stack(out, dim=1)


class _IndexedMinLSTM(MinLSTM):
    """A minLSTM whose step loop is :func:`indexed_scan_loop` (only for the measuring aside)."""

    def forward(self, events: Tensor, h0: Tensor | None = None, mode: str = "loop"):
        pre = self.linear(events).chunk(self.blocks, dim=-1)
        out = indexed_scan_loop(*self._coeffs_and_values(*pre), h0)
        return out, out[:, -1]


class _FirstOutput(nn.Module):
    """A recurrent layer that returns only its outputs (not its last state)."""

    def __init__(self, layer: nn.Module, **options: str) -> None:
        super().__init__()
        self.layer, self.options = layer, options

    def forward(self, x: Tensor) -> Tensor:
        return self.layer(x, **self.options)[0]


def make_layer(name: str, width: int) -> nn.Module:
    """A layer of ``width`` units that maps events to outputs ``(batch, time, width)``."""
    if name == "nn.LSTM":
        return _FirstOutput(nn.LSTM(width, width, batch_first=True))
    if name in ("minLSTM loop", "minLSTM scan"):
        return _FirstOutput(MinLSTM(width, width), mode=name.split()[1])
    if name == INDEXED:
        return _FirstOutput(_IndexedMinLSTM(width, width))
    if name == "Transformer":
        return nn.TransformerEncoderLayer(width, 4, 2 * width, dropout=0.0, batch_first=True)
    raise ValueError(f"layer must be one of {(*LAYERS, INDEXED)}, got {name!r}")


def forward_backward(layer: Callable[[Tensor], Tensor], x: Tensor) -> None:
    """One forward pass and one backward pass (of the outputs' sum)."""
    layer(x).sum().backward()


#: The most timed rounds a measurement takes: the best of 100 is as good as the best of more,
#: and ``--rounds 1000000000`` would never end.
MAX_ROUNDS = 100


def best_time(fn: Callable[[], object], rounds: int = 3, warmup: int = 1) -> float:
    """The fastest of ``rounds`` timed calls of ``fn``, after ``warmup`` untimed ones, in
    seconds (a CUDA or MPS device is synchronised around each call)."""
    if not (_whole(rounds) and 1 <= rounds <= MAX_ROUNDS and _whole(warmup) and warmup >= 0):
        raise ValueError(
            f"need rounds from 1 to {MAX_ROUNDS} and warmup >= 0 (ints), got {rounds!r} and "
            f"{warmup!r}"
        )
    for _ in range(warmup):
        fn()
    best = math.inf
    for _ in range(rounds):
        _synchronize()
        start = time.perf_counter()
        fn()
        _synchronize()
        best = min(best, time.perf_counter() - start)
    return best


def _synchronize() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    if torch.backends.mps.is_available():
        torch.mps.synchronize()


def saved_bytes(layer: Callable[[Tensor], Tensor], x: Tensor) -> int:
    """Bytes of the tensors autograd keeps from a forward pass for the backward pass (each
    storage counted once): the memory that grows with the length while training."""
    storages: dict[int, int] = {}

    def keep(t: Tensor) -> Tensor:
        storage = t.untyped_storage()
        storages[storage.data_ptr()] = storage.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(keep, lambda t: t):
        out = layer(x)
    del out
    return sum(storages.values())


def measure(
    lengths: Sequence[int],
    layers: Sequence[str] = LAYERS,
    *,
    batch: int = 4,
    width: int = 64,
    rounds: int = 3,
    device: torch.device | str = "cpu",
    seed: int = 0,
) -> dict[tuple[str, int], tuple[float, int]]:
    """(best seconds of forward + backward, bytes saved for backward) per (layer, length)."""
    if not lengths or min(lengths) < 2 or batch < 1 or width < 4:
        raise ValueError("need lengths >= 2, batch >= 1 and width >= 4")
    results = {}
    for name in layers:
        torch.manual_seed(seed)
        layer = make_layer(name, width).to(device)
        for length in lengths:
            x = torch.randn(batch, length, width, device=device, requires_grad=True)
            seconds = best_time(functools.partial(forward_backward, layer, x), rounds=rounds)
            results[name, length] = (seconds, saved_bytes(layer, x))
    return results


def loglog_slope(lengths: Sequence[int], values: Sequence[float]) -> float:
    """The slope of log(value) against log(length), by least squares: 1 means cost
    proportional to the length, 2 to its square, 0 a cost that does not grow."""
    if len(lengths) != len(values) or len(lengths) < 2:
        raise ValueError("need two or more lengths and as many positive values")
    if not all(_positive(n) for n in lengths) or not all(_positive(v) for v in values):
        raise ValueError("lengths and values must be finite numbers above 0")
    if len(set(lengths)) < 2:  # no spread in log(length): the slope is undefined (0 / 0)
        raise ValueError(f"need at least two different lengths, got only {lengths[0]}")
    xs = [math.log(n) for n in lengths]
    ys = [math.log(v) for v in values]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    num = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    return num / sum((x - mx) ** 2 for x in xs)


def _whole(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _positive(value: object) -> bool:
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )
