"""sLSTM (Beck et al. 2024, xLSTM): the LSTM with an exponential input gate, a normaliser
state n_t, and the stabiliser m_t that keeps the exponentials finite.

One step, from the pre-activations ĩ, f̃, z̃, õ (each W x_t + R h_{t-1} + b, as in an LSTM):

    i_t = exp(ĩ)          f_t = σ(f̃)  (or exp(f̃))      z_t = tanh(z̃)      o_t = σ(õ)
    c_t = f_t c_{t-1} + i_t z_t        n_t = f_t n_{t-1} + i_t        h_t = o_t c_t / n_t

An exponential input gate lets a new event outweigh everything before it (a σ gate can at
most double its share), and n_t makes h_t a weighted *average* of the candidates z, so the
size of i_t cancels. But exp(ĩ) overflows float32 once ĩ > 88.7. The stabiliser carries the
log of the largest weight so far, m_t = max(log f_t + m_{t-1}, ĩ), and stores c_t and n_t
divided by exp(m_t): every exponential then has an argument ≤ 0, and h_t = o_t c_t / n_t is
unchanged because the same factor divides c_t and n_t. It starts at m_0 = -∞ (the empty
past weighs nothing; :func:`zero_state` says why not 0).

The package's gate order is i, f, z, o (the ``xlstm`` package's order, so weights compare).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor
from torch.nn import functional as F


class SLSTMState(NamedTuple):
    """The four states of an sLSTM: output h, cell c, normaliser n, stabiliser m (log scale)."""

    h: Tensor
    c: Tensor
    n: Tensor
    m: Tensor


def zero_state(batch: int, hidden: int, **kw) -> SLSTMState:
    """The initial state: h = c = n = 0 and m = -∞, the log of the weight (zero) that the
    empty past carries, as the xLSTM reference code starts it.

    Why not m = 0: the first step then stores c and n divided by exp(max(log f, ĩ)) and
    computes i = exp(ĩ - m); with ĩ below about -100 in float32 (-745 in float64) that
    underflows to 0, n_1 = 0 and h_1 = 0/0 = NaN. From m = -∞ the first step sets m_1 = ĩ_1
    exactly, so i = exp(0) = 1, n_1 = 1 and h_1 = o_1 tanh(z̃_1): finite for every finite
    input, and from then on n_t ≥ 1 (the largest weight so far is exp(0) = 1)."""
    zeros = torch.zeros(batch, hidden, **kw)
    return SLSTMState(zeros, zeros, zeros, torch.full_like(zeros, float("-inf")))


def _split(pre: Tensor, state: SLSTMState) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    if not isinstance(pre, Tensor) or pre.dim() != 2 or pre.shape[1] % 4:
        raise ValueError("pre-activations must be a tensor of shape (batch, 4 * hidden)")
    if not isinstance(state, tuple) or len(state) != 4:
        raise TypeError("state must be an SLSTMState (h, c, n, m)")
    hidden = pre.shape[1] // 4
    if any(not isinstance(s, Tensor) or s.shape != (pre.shape[0], hidden) for s in state):
        raise ValueError(f"every state must have shape {(pre.shape[0], hidden)}")
    return pre.chunk(4, dim=1)


def slstm_step(
    pre: Tensor, state: SLSTMState, *, stabilised: bool = True, exp_forget: bool = False
) -> SLSTMState:
    """One sLSTM step from pre-activations ``(batch, 4H)`` (rows i, f, z, o) and a state.

    ``stabilised=False`` is the paper's formula as first written: exp(ĩ) in full, m left as
    it was. ``exp_forget`` makes the forget gate exp(f̃) instead of σ(f̃). The two versions
    give the same h wherever the plain one is finite; their c and n differ by exp(m_t).
    """
    pre_i, pre_f, pre_z, pre_o = _split(pre, state)
    log_f = pre_f if exp_forget else F.logsigmoid(pre_f)
    z, o = torch.tanh(pre_z), torch.sigmoid(pre_o)
    if stabilised:
        m = torch.maximum(log_f + state.m, pre_i)
        i, f = torch.exp(pre_i - m), torch.exp(log_f + state.m - m)
    else:
        m = state.m
        i, f = torch.exp(pre_i), torch.exp(log_f)
    c = f * state.c + i * z
    n = f * state.n + i
    return SLSTMState(o * c / n, c, n, m)


def slstm_weighted_average(pre_seq: Tensor, *, exp_forget: bool = False) -> Tensor:
    """Every h_t of an sLSTM run from zeros, written a second way: as a softmax.

    Unrolling c_t and n_t from zero gives c_t = Σ_k w_{t,k} z_k and n_t = Σ_k w_{t,k} with
    log w_{t,k} = ĩ_k + Σ_{j=k+1..t} log f_j. So c_t / n_t is the softmax-weighted average of
    the candidates z_1..z_t, and h_t = o_t times it: no stabiliser needed, because a softmax
    subtracts its own maximum. ``pre_seq`` is ``(batch, time, 4H)``, the pre-activations
    each step actually saw (with R h_{t-1} in them); returns h ``(batch, time, H)``.
    """
    if not isinstance(pre_seq, Tensor) or pre_seq.dim() != 3 or pre_seq.shape[2] % 4:
        raise ValueError("pre_seq must be a tensor of shape (batch, time, 4 * hidden)")
    pre_i, pre_f, pre_z, pre_o = pre_seq.chunk(4, dim=2)
    log_f = pre_f if exp_forget else F.logsigmoid(pre_f)
    total = log_f.cumsum(dim=1)  # Σ_{j≤t} log f_j
    # log w[t, k] = ĩ_k + total_t - total_k, for k ≤ t; -inf for the future (k > t)
    log_w = pre_i[:, None] + total[:, :, None] - total[:, None]  # (batch, t, k, H)
    steps = pre_seq.shape[1]
    future = torch.ones(steps, steps, dtype=torch.bool, device=pre_seq.device).triu(1)
    log_w = log_w.masked_fill(future[None, :, :, None], float("-inf"))
    weights = torch.softmax(log_w, dim=2)
    return torch.sigmoid(pre_o) * (weights * torch.tanh(pre_z)[:, None]).sum(dim=2)


def run_slstm(
    events: Tensor, weight_x: Tensor, weight_h: Tensor, bias: Tensor, *, stabilised: bool = True
) -> tuple[Tensor, Tensor]:
    """An sLSTM layer over ``events`` ``(batch, time, input)``, from zeros: pre-activations
    W x_t + R h_{t-1} + b, then :func:`slstm_step`. Returns every h ``(batch, time, H)`` and
    the pre-activations each step saw ``(batch, time, 4H)`` (for
    :func:`slstm_weighted_average`). ``weight_x`` is ``(4H, input)``, ``weight_h`` ``(4H, H)``.
    """
    if events.dim() != 3 or weight_x.dim() != 2 or weight_x.shape[1] != events.shape[2]:
        raise ValueError("events must be (batch, time, input) and weight_x (4H, input)")
    hidden = weight_x.shape[0] // 4
    if weight_h.shape != (4 * hidden, hidden) or bias.shape != (4 * hidden,):
        raise ValueError(f"weight_h must be {(4 * hidden, hidden)} and bias {(4 * hidden,)}")
    state = zero_state(events.shape[0], hidden, dtype=events.dtype, device=events.device)
    outputs, pres = [], []
    for t in range(events.shape[1]):
        pre = events[:, t] @ weight_x.T + state.h @ weight_h.T + bias
        state = slstm_step(pre, state, stabilised=stabilised)
        outputs.append(state.h)
        pres.append(pre)
    return torch.stack(outputs, dim=1), torch.stack(pres, dim=1)
