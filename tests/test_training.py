"""The pieces train() is made of: the cosine schedule, one training step, one epoch."""

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from lstm_course.data import read_conllu
from lstm_course.tagger import LSTMTagger, TaggerConfig, TaggerVocabs
from lstm_course.training import cosine_lr, make_optimizer, train_epoch, train_step

SMALL = TaggerConfig(
    word_dim=8, hidden_dim=8, num_layers=1, char_dim=4, char_filters=4, dropout=0.0, min_freq=1
)


@pytest.fixture
def setup(toy_conllu):
    sentences = read_conllu(toy_conllu)
    torch.manual_seed(0)
    model = LSTMTagger(SMALL, TaggerVocabs.build(sentences, SMALL))
    batch = model.encode([s.words for s in sentences], [s.tags for s in sentences])
    return model, make_optimizer(model, 0.01), batch


def test_the_cosine_runs_from_lr_to_zero_and_stays_there():
    assert cosine_lr(0.1, 0.0) == 0.1
    assert cosine_lr(0.1, 0.5) == pytest.approx(0.05)
    assert cosine_lr(0.1, 1.0) == pytest.approx(0.0, abs=1e-18)
    assert cosine_lr(0.1, 3.0) == cosine_lr(0.1, 1.0)


@given(st.floats(0, 1), st.floats(0, 1))
def test_the_cosine_never_rises(a, b):
    low, high = sorted((a, b))
    assert cosine_lr(1.0, high) <= cosine_lr(1.0, low)


def test_a_step_changes_the_weights_and_returns_the_loss(setup):
    model, optimizer, batch = setup
    model.train()
    before = [p.detach().clone() for p in model.parameters()]
    with torch.no_grad():
        expected = model.loss(batch)
    loss = train_step(model, optimizer, batch, clip=5.0)
    assert not loss.requires_grad and torch.allclose(loss, expected)
    assert any(not torch.equal(b, p) for b, p in zip(before, model.parameters(), strict=True))


def test_a_step_clips_the_gradients_to_clip(setup):
    model, _, batch = setup
    model.train()
    sgd = torch.optim.SGD(model.parameters(), lr=0.0)  # keeps the gradients, moves nothing
    train_step(model, sgd, batch, clip=1e-3)
    norm = torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in model.parameters()]))
    assert norm.item() == pytest.approx(1e-3, rel=1e-4)


def test_a_step_reports_its_phases_in_order(setup):
    model, optimizer, batch = setup
    laps: list[str] = []
    train_step(model, optimizer, batch, clip=5.0, lap=laps.append)
    assert laps == ["forward", "backward", "clip + optimizer step"]


def test_an_epoch_sets_each_steps_learning_rate_and_stops_at_the_deadline(setup):
    model, optimizer, batch = setup
    rates: list[float] = []

    def schedule(step: int) -> float:
        rates.append(0.01 / (step + 1))
        return rates[-1]

    loss, words_per_second = train_epoch(
        model, optimizer, [batch] * 3, clip=5.0, learning_rate=schedule
    )
    assert rates == [0.01, 0.005, 0.01 / 3] and optimizer.param_groups[0]["lr"] == 0.01 / 3
    assert math.isfinite(loss) and words_per_second > 0 and model.training
    rates.clear()
    train_epoch(model, optimizer, [batch] * 3, clip=5.0, learning_rate=schedule, deadline=0.0)
    assert len(rates) == 1  # the deadline had passed: one step, then stop
