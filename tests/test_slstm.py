"""sLSTM: the stabilised step gives the plain step's output wherever the plain one is
finite, and stays finite where it overflows; the softmax form and the xlstm package's
pure-PyTorch step agree with it; bad input is refused in one line."""

import importlib.metadata
import importlib.util
import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_course.slstm import (
    SLSTMState,
    run_slstm,
    slstm_step,
    slstm_weighted_average,
    zero_state,
)

F64 = torch.float64


def _weights(gen, inputs, hidden, scale):
    wx = scale * torch.randn(4 * hidden, inputs, generator=gen, dtype=F64)
    wh = torch.randn(4 * hidden, hidden, generator=gen, dtype=F64)
    return wx, wh, torch.randn(4 * hidden, generator=gen, dtype=F64)


@settings(max_examples=40, deadline=None)
@given(
    batch=st.integers(1, 3),
    inputs=st.integers(1, 4),
    hidden=st.integers(1, 4),
    steps=st.integers(1, 25),
    scale=st.floats(0.1, 4.0),
    seed=st.integers(0, 2**31 - 1),
)
def test_stabilised_plain_and_softmax_forms_agree(batch, inputs, hidden, steps, scale, seed):
    gen = torch.Generator().manual_seed(seed)
    weights = _weights(gen, inputs, hidden, scale)
    x = torch.randn(batch, steps, inputs, generator=gen, dtype=F64)
    h, pre = run_slstm(x, *weights)
    plain, _ = run_slstm(x, *weights, stabilised=False)
    assert torch.allclose(h, plain, atol=1e-10)  # finite here: pre-activations stay small
    assert torch.allclose(slstm_weighted_average(pre), h, atol=1e-10)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), exp_forget=st.booleans())
def test_stabilised_states_are_the_plain_ones_divided_by_exp_m(seed, exp_forget):
    gen = torch.Generator().manual_seed(seed)
    plain = stable = zero_state(2, 3, dtype=F64)
    for _ in range(6):
        pre = torch.randn(2, 12, generator=gen, dtype=F64)
        plain = slstm_step(pre, plain, stabilised=False, exp_forget=exp_forget)
        stable = slstm_step(pre, stable, exp_forget=exp_forget)
        scale = torch.exp(-stable.m)
        assert torch.allclose(stable.c, plain.c * scale) and torch.allclose(
            stable.n, plain.n * scale
        )
        assert torch.allclose(stable.h, plain.h, atol=1e-12)


def test_the_plain_step_overflows_in_float32_and_the_stabiliser_prevents_it():
    pre = torch.tensor([[100.0, 0.0, 1.0, 0.0]])  # input gate pre-activation 100: exp > 3.4e38
    plain = slstm_step(pre, zero_state(1, 1), stabilised=False)
    stable = slstm_step(pre, zero_state(1, 1))
    assert torch.isinf(plain.c).all() and torch.isnan(plain.h).all()
    assert torch.isfinite(torch.stack(stable)).all()
    assert stable.h.item() == pytest.approx(
        torch.sigmoid(torch.tensor(0.0)) * torch.tanh(torch.tensor(1.0))
    )


def test_bad_input_is_refused_in_one_line():
    with pytest.raises(ValueError, match="4 \\* hidden"):
        slstm_step(torch.zeros(2, 7), zero_state(2, 2))
    with pytest.raises(ValueError, match="every state"):
        slstm_step(torch.zeros(2, 8), zero_state(2, 3))
    with pytest.raises(TypeError, match="SLSTMState"):
        slstm_step(torch.zeros(2, 8), torch.zeros(2, 2))
    with pytest.raises(ValueError, match="pre_seq"):
        slstm_weighted_average(torch.zeros(2, 5))
    with pytest.raises(ValueError, match="weight_h"):
        run_slstm(torch.zeros(1, 2, 3), torch.zeros(8, 3), torch.zeros(8, 3), torch.zeros(8))


def _xlstm_vanilla_step():
    """The xlstm package's pure-PyTorch sLSTM step, read from its file: importing the package
    itself pulls in its CUDA kernels' build tools."""
    try:
        path = importlib.metadata.distribution("xlstm").locate_file(
            "xlstm/blocks/slstm/src/vanilla/slstm.py"
        )
    except importlib.metadata.PackageNotFoundError:
        return None
    spec = importlib.util.spec_from_file_location("xlstm_vanilla_slstm", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.slstm_forward_pointwise


_XLSTM_STEP = _xlstm_vanilla_step()


@pytest.mark.skipif(_XLSTM_STEP is None, reason="xlstm is not installed (not a requirement)")
def test_matches_the_xlstm_packages_vanilla_step():
    gen = torch.Generator().manual_seed(0)
    for _ in range(5):
        state = SLSTMState(
            torch.randn(3, 4, generator=gen, dtype=F64),
            torch.randn(3, 4, generator=gen, dtype=F64),
            torch.rand(3, 4, generator=gen, dtype=F64) + 0.5,  # n > 0: a state after a step
            3 * torch.randn(3, 4, generator=gen, dtype=F64),
        )
        pre = 5 * torch.randn(3, 16, generator=gen, dtype=F64)
        ours = slstm_step(pre, state)
        zeros = torch.zeros_like(pre)
        theirs, _ = _XLSTM_STEP(pre, zeros, zeros[:1], torch.stack(list(state)), {})
        for a, b in zip(ours, theirs, strict=True):
            assert torch.allclose(a, b, atol=1e-12)


_FINITE32 = st.floats(allow_nan=False, allow_infinity=False, width=32)


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(st.lists(_FINITE32, min_size=4, max_size=4), min_size=1, max_size=6),
    exp_forget=st.booleans(),
)
def test_every_finite_input_gives_a_finite_h_from_the_initial_state(steps, exp_forget):
    # m starts at -inf: the first step sets m = ĩ and n = 1, so no 0/0 however negative ĩ is
    state = zero_state(1, 1)
    for pre in steps:
        state = slstm_step(torch.tensor([pre]), state, exp_forget=exp_forget)
        assert torch.isfinite(state.h).all() and state.h.abs().item() <= 1
        assert state.n.item() >= 1 and torch.isfinite(state.m).all()


def test_a_very_negative_first_input_gate_is_not_nan():
    # with m_0 = 0 this was exp(-200 - m) = 0 in float32, n = 0 and h = 0/0
    pre = torch.tensor([[-200.0, 0.0, 1.0, 2.0]])
    state = slstm_step(pre, zero_state(1, 1))
    assert state.h.item() == pytest.approx((torch.sigmoid(torch.tensor(2.0)) * math.tanh(1)).item())
    assert torch.isneginf(zero_state(2, 3).m).all()
