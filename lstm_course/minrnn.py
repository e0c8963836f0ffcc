"""minGRU and minLSTM (Feng et al. 2024, "Were RNNs All We Needed?"): gated recurrences whose
gates read only the event x_t, never the memory h_{t-1}.

That one change turns each step into ``h_t = a_t ⊙ h_{t-1} + b_t`` with ``a_t`` and ``b_t``
known for every step in advance (they depend on x alone). Such a recurrence unrolls into
sums: ``h_t = Σ_{k≤t} (Π_{j=k+1..t} a_j) b_k``, and with logarithms the products become
cumulative sums, so all T steps come from ``cumsum`` and ``logcumsumexp``
(:func:`log_space_scan`, Heinsen 2023) instead of a loop of T steps (:func:`scan_loop`).
In PyTorch that means a handful of large operations instead of a few small ones per step;
on the CPU ``cumsum`` and ``logcumsumexp`` still walk the time axis in order inside C++, and
only a parallel-scan kernel would take the log₂ T rounds a prefix sum allows.

The paper's choices, kept here:

* the candidate passes through ``g`` (x + 0.5 for x ≥ 0, σ(x) below): positive, so its
  logarithm exists, and linear for large x, like an unbounded ReLU;
* minLSTM normalises its two gates, f'_t = f_t / (f_t + i_t) and i'_t = i_t / (f_t + i_t), so
  the memory is a weighted average and does not grow with the length;
* minGRU keeps z_t of the candidate: h_t = (1 - z_t) ⊙ h_{t-1} + z_t ⊙ g(h̃_t).

The initial memory h_0 is zero unless given; a given one must be positive: the scan takes its
logarithm, as it does of every value b_t (log 0 = -∞ is the zero start, handled by leaving
h_0 out of the sum).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

MODES = ("scan", "loop")


def g(x: Tensor) -> Tensor:
    """The paper's activation for the candidate: x + 0.5 where x ≥ 0, σ(x) below. Always
    positive (so it has a logarithm), continuous at 0 (both give 0.5), and growing like x."""
    return torch.where(x >= 0, x + 0.5, torch.sigmoid(x))


def log_g(x: Tensor) -> Tensor:
    """log g(x), computed without ever taking the log of σ(x) directly (-softplus(-x) is
    log σ(x) without underflow for very negative x)."""
    return torch.where(x >= 0, torch.log(F.relu(x) + 0.5), -F.softplus(-x))


def _check_scan_inputs(a: Tensor, b: Tensor, h0: Tensor | None) -> None:
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError("the coefficients and values must be tensors")
    if a.dim() != 3 or a.shape != b.shape:
        raise ValueError(
            "coefficients and values must have one shape (batch, time, hidden), got "
            f"{tuple(a.shape)} and {tuple(b.shape)}"
        )
    if h0 is not None and (not isinstance(h0, Tensor) or h0.shape != (a.shape[0], a.shape[2])):
        raise ValueError(f"h0 must have shape {(a.shape[0], a.shape[2])} (batch, hidden)")


def scan_loop(coeffs: Tensor, values: Tensor, h0: Tensor | None = None) -> Tensor:
    """h_t = coeffs_t ⊙ h_{t-1} + values_t, one step after another (time is dim 1).

    The way an LSTM must run, since its gates need h_{t-1}: T small steps in order. The steps
    are taken with ``unbind(1)`` (one split into T views), not by indexing ``coeffs[:, t]``:
    the backward pass of every indexing writes a gradient as large as the whole sequence,
    which makes an indexed loop's training cost grow with the square of the length and
    would measure the indexing, not the recurrence (lesson 8, section 6).
    """
    _check_scan_inputs(coeffs, values, h0)
    h = torch.zeros_like(values[:, 0]) if h0 is None else h0
    out = []
    for a_t, b_t in zip(coeffs.unbind(1), values.unbind(1), strict=True):
        h = a_t * h + b_t
        out.append(h)
    return torch.stack(out, dim=1)


def log_space_scan(log_coeffs: Tensor, log_values: Tensor, h0: Tensor | None = None) -> Tensor:
    """The same h_t as :func:`scan_loop`, all steps at once, from the logarithms of the
    coefficients and of the (positive) values.

    With A_t = Σ_{j≤t} log a_j (a cumulative sum), h_t = Σ_{k≤t} exp(A_t - A_k) b_k
    = exp(A_t + log Σ_{k≤t} exp(log b_k - A_k)): one ``cumsum``, one ``logcumsumexp``.
    Every term stays a logarithm until the end, so products of thousands of gates below 1
    neither underflow nor cost a step each. A given ``h0`` (positive) is step 0's value.
    """
    _check_scan_inputs(log_coeffs, log_values, h0)
    if h0 is not None:
        if not bool((h0 > 0).all()):
            raise ValueError("h0 must be positive: the log-space scan takes its logarithm")
        log_coeffs = F.pad(log_coeffs, (0, 0, 1, 0))  # step 0 keeps nothing before it
        log_values = torch.cat([h0.log()[:, None], log_values], dim=1)
    a_star = log_coeffs.cumsum(dim=1)
    h = (a_star + (log_values - a_star).logcumsumexp(dim=1)).exp()
    return h if h0 is None else h[:, 1:]


def min_lstm_gates(pre_f: Tensor, pre_i: Tensor) -> tuple[Tensor, Tensor]:
    """minLSTM's normalised gates f'_t = f/(f+i) and i'_t = i/(f+i), with f = σ(pre_f) and
    i = σ(pre_i): they add up to 1, so the memory is an average and cannot grow with length."""
    f, i = torch.sigmoid(pre_f), torch.sigmoid(pre_i)
    return f / (f + i), i / (f + i)


def min_lstm_log_gates(pre_f: Tensor, pre_i: Tensor) -> tuple[Tensor, Tensor]:
    """log f'_t and log i'_t, computed in log space: with d = softplus(-pre_f) -
    softplus(-pre_i) = log i - log f, log f' = -softplus(d) and log i' = -softplus(-d)."""
    d = F.softplus(-pre_f) - F.softplus(-pre_i)
    return -F.softplus(d), -F.softplus(-d)


class _MinRNN(nn.Module):
    """What minGRU and minLSTM share: one linear map from the event to every gate and the
    candidate, and two ways to run the recurrence (``mode="scan"`` or ``"loop"``)."""

    blocks = 0  # how many H-row blocks the linear map has

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, **kw) -> None:
        super().__init__()
        if input_size < 1 or hidden_size < 1:
            raise ValueError(
                f"need input_size and hidden_size >= 1, got {input_size} and {hidden_size}"
            )
        self.input_size, self.hidden_size = input_size, hidden_size
        self.batch_first = True  # (batch, time, features), as the course's layers use them
        self.linear = nn.Linear(input_size, self.blocks * hidden_size, bias=bias, **kw)

    def forward(
        self, events: Tensor, h0: Tensor | None = None, mode: str = "scan"
    ) -> tuple[Tensor, Tensor]:
        """Events ``(batch, time, input)`` -> every memory ``(batch, time, hidden)`` and the
        last one ``(batch, hidden)``, as ``nn.GRU`` returns them (without the layer dim)."""
        if not isinstance(events, Tensor) or events.dim() != 3:
            raise ValueError("events must be a tensor of shape (batch, time, input)")
        if events.shape[-1] != self.input_size or events.shape[1] < 1:
            raise ValueError(
                f"events must have shape (batch, time >= 1, {self.input_size}), "
                f"got {tuple(events.shape)}"
            )
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        pre = self.linear(events).chunk(self.blocks, dim=-1)
        if mode == "scan":
            out = log_space_scan(*self._log_coeffs_and_values(*pre), h0)
        else:
            out = scan_loop(*self._coeffs_and_values(*pre), h0)
        return out, out[:, -1]

    def _coeffs_and_values(self, *pre: Tensor) -> tuple[Tensor, Tensor]:
        raise NotImplementedError

    def _log_coeffs_and_values(self, *pre: Tensor) -> tuple[Tensor, Tensor]:
        raise NotImplementedError


class MinGRU(_MinRNN):
    """h_t = (1 - z_t) ⊙ h_{t-1} + z_t ⊙ g(h̃_t), with z_t = σ(W_z x_t + b_z) and
    h̃_t = W_h x_t + b_h. No reset gate: there is no h_{t-1} inside the candidate to reset.
    ``linear``'s rows: z, then h̃."""

    blocks = 2

    def _coeffs_and_values(self, pre_z: Tensor, pre_h: Tensor) -> tuple[Tensor, Tensor]:
        z = torch.sigmoid(pre_z)
        return 1 - z, z * g(pre_h)

    def _log_coeffs_and_values(self, pre_z: Tensor, pre_h: Tensor) -> tuple[Tensor, Tensor]:
        # log(1 - σ(k)) = -softplus(k) and log σ(k) = -softplus(-k), both without cancellation
        return -F.softplus(pre_z), -F.softplus(-pre_z) + log_g(pre_h)


class MinLSTM(_MinRNN):
    """h_t = f'_t ⊙ h_{t-1} + i'_t ⊙ g(h̃_t), the gates normalised (:func:`min_lstm_gates`),
    each reading x_t only. No output gate and no separate cell state: h_t is the memory.
    ``linear``'s rows: f, then i, then h̃."""

    blocks = 3

    def _coeffs_and_values(self, pre_f: Tensor, pre_i: Tensor, pre_h: Tensor):
        forget, learn = min_lstm_gates(pre_f, pre_i)
        return forget, learn * g(pre_h)

    def _log_coeffs_and_values(self, pre_f: Tensor, pre_i: Tensor, pre_h: Tensor):
        log_forget, log_learn = min_lstm_log_gates(pre_f, pre_i)
        return log_forget, log_learn + log_g(pre_h)
