"""The adding problem, the forget bias and the gradient probe of lesson 5."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from lstm_course.adding import (
    BASELINE_MSE,
    SequenceRegressor,
    adding_problem,
    evaluate_mse,
    memory_gradient_norms,
    set_forget_bias,
    steps_to_solve,
    train_adding,
)


@settings(max_examples=30, deadline=None)
@given(batch=st.integers(1, 8), length=st.integers(2, 60), seed=st.integers(0, 10_000))
def test_two_markers_one_in_each_half_and_the_target_is_their_sum(batch, length, seed):
    events, target = adding_problem(batch, length, generator=torch.Generator().manual_seed(seed))
    assert events.shape == (batch, length, 2) and target.shape == (batch,)
    values, markers = events[..., 0], events[..., 1]
    half = length // 2
    assert (markers.sum(1) == 2).all()
    assert (markers[:, :half].sum(1) == 1).all() and (markers[:, half:].sum(1) == 1).all()
    assert ((values >= 0) & (values < 1)).all()
    torch.testing.assert_close(target, (values * markers).sum(1))


def test_always_answering_one_scores_the_baseline():
    _, target = adding_problem(200_000, 10, generator=torch.Generator().manual_seed(0))
    mse = ((target - 1) ** 2).mean().item()
    assert abs(mse - BASELINE_MSE) < 0.003
    assert abs(BASELINE_MSE - 0.1667) < 1e-4


def test_adding_problem_rejects_sizes_that_make_no_problem():
    with pytest.raises(ValueError, match="length >= 2"):
        adding_problem(4, 1)


def test_forget_bias_is_the_sum_torch_sees_in_every_layer_and_direction():
    lstm = nn.LSTM(2, 5, num_layers=2, bidirectional=True)
    before = {n: p.detach().clone() for n, p in lstm.named_parameters()}
    set_forget_bias(lstm, 1.0)
    for suffix in ("_l0", "_l0_reverse", "_l1", "_l1_reverse"):
        total = getattr(lstm, "bias_ih" + suffix) + getattr(lstm, "bias_hh" + suffix)
        torch.testing.assert_close(total[5:10], torch.ones(5))
        torch.testing.assert_close(
            total[:5], (before["bias_ih" + suffix] + before["bias_hh" + suffix])[:5]
        )
    torch.testing.assert_close(lstm.weight_hh_l1, before["weight_hh_l1"])
    with pytest.raises(TypeError, match=r"nn\.LSTM or nn\.LSTMCell"):
        set_forget_bias(nn.GRU(2, 3))
    with pytest.raises(ValueError, match="bias=False"):
        set_forget_bias(nn.LSTM(2, 3, bias=False))


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_gradient_probe_agrees_with_autograd_through_the_torch_layer(kind):
    """‖∂L/∂h_t‖ at the last step is the gradient of the loss w.r.t. torch's last output,
    and the probe's loss is the model's loss."""
    torch.manual_seed(0)
    model = SequenceRegressor(kind, hidden_size=8).double()
    events, target = adding_problem(4, 12, generator=torch.Generator().manual_seed(1))
    events, target = events.double(), target.double()
    norms = memory_gradient_norms(model, events, target)
    assert norms.shape == (12,) and (norms >= 0).all()
    out, _ = model.rnn(events)
    last = out[:, -1].detach().requires_grad_()
    loss = nn.functional.mse_loss(model.head(last).squeeze(-1), target)
    (grad,) = torch.autograd.grad(loss, last)
    torch.testing.assert_close(norms[-1], grad.norm())


def test_a_forget_bias_of_one_keeps_the_gradient_alive_further_back():
    """The lesson's picture, as a property: at initialisation the gradient reaching step 0
    of 100 is orders of magnitude larger with a forget bias of 1 than without."""
    events, target = adding_problem(64, 100, generator=torch.Generator().manual_seed(2))
    reach = {}
    for bias in (None, 1.0):
        torch.manual_seed(0)
        model = SequenceRegressor("lstm", hidden_size=32).double()  # no underflow to 0
        if bias is not None:
            set_forget_bias(model.rnn, bias)
        norms = memory_gradient_norms(model, events.double(), target.double())
        reach[bias] = (norms[0] / norms[-1]).item()
    assert reach[1.0] > 1e6 * reach[None]


def test_a_gru_learns_a_short_adding_problem_and_the_training_is_reproducible():
    def run():
        torch.manual_seed(0)
        model = SequenceRegressor("gru", hidden_size=16)
        losses = train_adding(model, 10, steps=300, batch_size=64, progress=False)
        return losses, evaluate_mse(model, 10)

    (losses, mse), (again, _) = run(), run()
    assert losses == again
    assert mse < 0.1 * BASELINE_MSE
    solved = steps_to_solve(losses)
    assert solved is not None
    torch.manual_seed(0)
    early = train_adding(
        SequenceRegressor("gru", hidden_size=16),
        10,
        steps=300,
        batch_size=64,
        stop_when_solved=True,
        progress=False,
    )
    assert early == losses[:solved]  # the same run, stopped where it was solved


def test_steps_to_solve_finds_the_first_good_window():
    assert steps_to_solve([1.0] * 30 + [0.0] * 30, threshold=0.5, window=10) == 36
    assert steps_to_solve([1.0] * 50, threshold=0.5) is None


def test_regressor_rejects_bad_kind_and_bad_shape():
    with pytest.raises(ValueError, match="kind must be one of"):
        SequenceRegressor("transformer")
    with pytest.raises(ValueError, match=r"\(batch, time, 2\)"):
        SequenceRegressor("lstm")(torch.randn(5, 2))
    with pytest.raises(ValueError, match="steps must be at least 1"):
        train_adding(SequenceRegressor("rnn"), 10, steps=0)
