"""Lesson 5 builds ``memory_gradient_norms`` (section 5.1) by hand: it gives the package's
numbers, for every kind of layer, on sizes and problems the lesson never tried."""

import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from test_lessons_agree import lesson_function
from torch import nn

from lstm_course import adding
from lstm_course.cells import cell_from_torch


@settings(max_examples=20, deadline=None)
@given(
    st.sampled_from(["lstm", "gru", "rnn"]),
    st.integers(1, 6),
    st.integers(2, 12),
    st.integers(1, 3),
    st.integers(0, 2**31 - 1),
)
def test_lesson5_memory_gradient_norms_is_the_packages(kind, hidden, length, batch, seed):
    torch.manual_seed(seed)
    model = adding.SequenceRegressor(kind, hidden_size=hidden).double()
    with torch.no_grad():  # weights large enough that the norms differ from step to step
        for p in model.parameters():
            p.mul_(3)
    events, target = adding.adding_problem(
        batch, length, generator=torch.Generator().manual_seed(seed)
    )
    events, target = events.double(), target.double()
    ours = lesson_function(
        "05_gru_and_why_gates.ipynb",
        "memory_gradient_norms",
        {"torch": torch, "nn": nn, "cell_from_torch": cell_from_torch},
    )
    got = ours(model, events, target)
    model.zero_grad()
    want = adding.memory_gradient_norms(model, events, target)
    assert got.shape == want.shape == (length,)
    torch.testing.assert_close(got, want, atol=1e-12, rtol=1e-12)
