"""The from-scratch LSTM cell: it is torch's LSTM, and it says so when given bad input."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from lstm_course.cells import (
    Gates,
    GRUCell,
    LectureLSTMCell,
    LSTMCell,
    RNNCell,
    cell_from_torch,
    trace,
    unroll,
)

F64 = torch.float64


def _torch_unroll(cell: nn.LSTMCell, xs: torch.Tensor, state=None):
    outs = []
    for x in xs:
        state = cell(x, state)
        outs.append(state[0])
    return torch.stack(outs), state


@settings(max_examples=40, deadline=None)
@given(
    input_size=st.integers(1, 9),
    hidden_size=st.integers(1, 9),
    batch=st.integers(1, 4),
    steps=st.integers(1, 12),
    bias=st.booleans(),
    seed=st.integers(0, 2**31 - 1),
)
def test_matches_torch_lstmcell_over_a_sequence(input_size, hidden_size, batch, steps, bias, seed):
    gen = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        reference = nn.LSTMCell(input_size, hidden_size, bias=bias, dtype=F64)
    ours = LSTMCell.from_torch(reference)
    xs = torch.randn(steps, batch, input_size, generator=gen, dtype=F64)
    h0 = torch.randn(batch, hidden_size, generator=gen, dtype=F64)
    c0 = torch.randn(batch, hidden_size, generator=gen, dtype=F64)
    with torch.no_grad():
        want_out, (want_h, want_c) = _torch_unroll(reference, xs, (h0, c0))
        got_out, (got_h, got_c) = unroll(ours, xs, (h0, c0))
    torch.testing.assert_close(got_out, want_out, atol=1e-6, rtol=0)
    torch.testing.assert_close(got_h, want_h, atol=1e-6, rtol=0)
    torch.testing.assert_close(got_c, want_c, atol=1e-6, rtol=0)


@settings(max_examples=15, deadline=None)
@given(layers=st.integers(1, 3), bidirectional=st.booleans(), seed=st.integers(0, 10_000))
def test_from_torch_copies_every_layer_of_nn_lstm(layers, bidirectional, seed):
    """Stacking our cells layer by layer (both directions) reproduces nn.LSTM's output."""
    gen = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        lstm = nn.LSTM(3, 4, num_layers=layers, bidirectional=bidirectional, dtype=F64)
    xs = torch.randn(6, 2, 3, generator=gen, dtype=F64)
    with torch.no_grad():
        want, (h_n, c_n) = lstm(xs)
        layer_input = xs
        for layer in range(layers):
            fwd, (h_f, c_f) = unroll(LSTMCell.from_torch(lstm, layer=layer), layer_input)
            outputs, finals = [fwd], [(h_f, c_f)]
            if bidirectional:
                cell = LSTMCell.from_torch(lstm, layer=layer, reverse=True)
                bwd, (h_b, c_b) = unroll(cell, layer_input.flip(0))
                outputs.append(bwd.flip(0))
                finals.append((h_b, c_b))
            layer_input = torch.cat(outputs, dim=-1)
            for direction, (h, c) in enumerate(finals):
                index = layer * (2 if bidirectional else 1) + direction
                torch.testing.assert_close(h, h_n[index], atol=1e-6, rtol=0)
                torch.testing.assert_close(c, c_n[index], atol=1e-6, rtol=0)
    torch.testing.assert_close(layer_input, want, atol=1e-6, rtol=0)


def test_from_torch_keeps_dtype_and_starts_from_zero_state():
    reference = nn.LSTMCell(2, 3, dtype=F64)
    ours = LSTMCell.from_torch(reference)
    assert ours.weight_ih.dtype == F64
    x = torch.randn(5, 2, dtype=F64)
    with torch.no_grad():
        torch.testing.assert_close(ours(x)[0], reference(x)[0], atol=1e-12, rtol=0)


def test_unbatched_input_gives_unbatched_state_like_torch():
    reference = nn.LSTMCell(4, 3)
    ours = LSTMCell.from_torch(reference)
    x, h, c = torch.randn(4), torch.randn(3), torch.randn(3)
    with torch.no_grad():
        want = reference(x, (h, c))
        got = ours(x, (h, c))
    assert got[0].shape == (3,) and got[1].shape == (3,)
    torch.testing.assert_close(got, want)


def test_gates_are_in_their_ranges_and_rebuild_the_step():
    cell = LSTMCell(3, 5)
    x, h, c = torch.randn(4, 3), torch.randn(4, 5), torch.randn(4, 5)
    (new_h, new_c), g = cell.step(x, (h, c))
    assert isinstance(g, Gates)
    for factor in (g.ignore, g.forget, g.use):
        assert ((factor > 0) & (factor < 1)).all()
    assert ((g.new_info > -1) & (g.new_info < 1)).all()
    torch.testing.assert_close(new_c, g.forget * c + g.ignore * g.new_info)
    torch.testing.assert_close(new_h, g.use * torch.tanh(new_c))


def test_lecture_cell_differs_from_torch_but_shares_the_long_term_memory():
    torch.manual_seed(0)
    reference = nn.LSTMCell(3, 4, dtype=F64)
    ours, lecture = LSTMCell.from_torch(reference), LectureLSTMCell.from_torch(reference)
    assert sum(p.numel() for p in lecture.parameters()) == (
        sum(p.numel() for p in ours.parameters()) + 4 * 4 + 4
    )
    x = torch.randn(2, 3, dtype=F64)
    state = (torch.randn(2, 4, dtype=F64), torch.randn(2, 4, dtype=F64))
    with torch.no_grad():
        (h_ours, c_ours), g = ours.step(x, state)
        h_lect, c_lect = lecture(x, state)
    torch.testing.assert_close(c_lect, c_ours)
    assert (h_lect - h_ours).abs().max() > 1e-3
    torch.testing.assert_close(h_lect, g.use * torch.tanh(g.forget * state[1]))


@pytest.mark.parametrize(
    ("x", "state", "message"),
    [
        (torch.randn(2, 5), None, r"shape \(batch, 3\) or \(3,\), got \(2, 5\)"),
        (torch.randn(2, 2, 3), None, r"got \(2, 2, 3\)"),
        (torch.randn(2, 3), (torch.randn(2, 4), torch.randn(3, 4)), r"c \(long-term memory\)"),
        (torch.randn(2, 3), (torch.randn(4), torch.randn(2, 4)), r"h \(short-term memory\)"),
        (torch.randn(2, 3), torch.randn(2, 4), r"pair \(h, c\)"),
    ],
)
def test_bad_shapes_name_the_expected_shape(x, state, message):
    with pytest.raises((ValueError, TypeError), match=message):
        LSTMCell(3, 4)(x, state)


def test_bad_dtype_and_non_tensor_are_clear():
    with pytest.raises(TypeError, match=r"float64 but the weights are torch\.float32"):
        LSTMCell(3, 4)(torch.randn(2, 3, dtype=F64))
    with pytest.raises(TypeError, match=r"must be a torch\.Tensor"):
        LSTMCell(3, 4)([1.0, 2.0, 3.0])


def test_from_torch_rejects_what_it_cannot_copy():
    with pytest.raises(TypeError, match=r"nn\.LSTMCell or nn\.LSTM, got GRUCell"):
        LSTMCell.from_torch(nn.GRUCell(2, 3))
    with pytest.raises(ValueError, match=r"layer must be in 0\.\.1"):
        LSTMCell.from_torch(nn.LSTM(2, 3, num_layers=2), layer=2)
    with pytest.raises(ValueError, match="bidirectional"):
        LSTMCell.from_torch(nn.LSTM(2, 3), reverse=True)
    with pytest.raises(ValueError, match="proj_size"):
        LSTMCell.from_torch(nn.LSTM(2, 3, proj_size=2))


def test_unroll_rejects_an_empty_or_flat_sequence():
    with pytest.raises(ValueError, match="non-empty"):
        unroll(LSTMCell(3, 4), torch.randn(0, 2, 3))
    with pytest.raises(ValueError, match="non-empty"):
        unroll(LSTMCell(3, 4), torch.randn(3))


def test_trace_keeps_every_step_and_agrees_with_unroll():
    cell = LSTMCell(3, 4)
    xs = torch.randn(5, 2, 3)
    with torch.no_grad():
        t = trace(cell, xs)
        out, (h, c) = unroll(cell, xs)
    assert t.h.shape == t.c.shape == (5, 2, 4) and t.gates.forget.shape == (5, 2, 4)
    torch.testing.assert_close(t.h, out)
    torch.testing.assert_close((t.h[-1], t.c[-1]), (h, c))
    torch.testing.assert_close(
        t.c[1], t.gates.forget[1] * t.c[0] + t.gates.ignore[1] * t.gates.new_info[1]
    )


# --------------------------------------------------------------------------- GRU and RNN
@settings(max_examples=40, deadline=None)
@given(
    kind=st.sampled_from(["gru", "rnn"]),
    input_size=st.integers(1, 9),
    hidden_size=st.integers(1, 9),
    batch=st.integers(1, 4),
    steps=st.integers(1, 12),
    bias=st.booleans(),
    seed=st.integers(0, 2**31 - 1),
)
def test_gru_and_rnn_cells_match_torch_over_a_sequence(
    kind, input_size, hidden_size, batch, steps, bias, seed
):
    gen = torch.Generator().manual_seed(seed)
    torch_type, ours_type = {"gru": (nn.GRUCell, GRUCell), "rnn": (nn.RNNCell, RNNCell)}[kind]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        reference = torch_type(input_size, hidden_size, bias=bias, dtype=F64)
    ours = ours_type.from_torch(reference)
    xs = torch.randn(steps, batch, input_size, generator=gen, dtype=F64)
    h = want_h0 = torch.randn(batch, hidden_size, generator=gen, dtype=F64)
    want = []
    with torch.no_grad():
        for x in xs:
            h = reference(x, h)
            want.append(h)
        got, last = unroll(ours, xs, want_h0)
    torch.testing.assert_close(got, torch.stack(want), atol=1e-6, rtol=0)
    torch.testing.assert_close(last, want[-1], atol=1e-6, rtol=0)


@settings(max_examples=15, deadline=None)
@given(
    kind=st.sampled_from([nn.LSTM, nn.GRU, nn.RNN]),
    layers=st.integers(1, 2),
    bidirectional=st.booleans(),
    seed=st.integers(0, 10_000),
)
def test_cell_from_torch_rebuilds_any_torch_layer(kind, layers, bidirectional, seed):
    """Layer by layer, direction by direction, the course's cells give torch's output."""
    gen = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        layer = kind(3, 4, num_layers=layers, bidirectional=bidirectional, dtype=F64)
    xs = torch.randn(6, 2, 3, generator=gen, dtype=F64)
    with torch.no_grad():
        want, _ = layer(xs)
        layer_input = xs
        for i in range(layers):
            outputs = [unroll(cell_from_torch(layer, i), layer_input)[0]]
            if bidirectional:
                cell = cell_from_torch(layer, i, reverse=True)
                outputs.append(unroll(cell, layer_input.flip(0))[0].flip(0))
            layer_input = torch.cat(outputs, dim=-1)
    torch.testing.assert_close(layer_input, want, atol=1e-6, rtol=0)


def test_gru_update_gate_keeps_and_learns_in_one():
    """h_t = z ⊙ h_{t-1} + (1 - z) ⊙ n: the gates returned rebuild the step."""
    cell = GRUCell(3, 4)
    x, h = torch.randn(2, 3), torch.randn(2, 4)
    with torch.no_grad():
        new_h, g = cell.step(x, h)
    assert ((g.reset > 0) & (g.reset < 1) & (g.update > 0) & (g.update < 1)).all()
    torch.testing.assert_close(new_h, g.update * h + (1 - g.update) * g.candidate)


def test_paper_gru_resets_before_the_product_and_torch_after():
    reference = nn.GRUCell(3, 4, dtype=F64)
    torch_way = GRUCell.from_torch(reference)
    paper_way = GRUCell.from_torch(reference, reset_after=False)
    x, h = torch.randn(2, 3, dtype=F64), torch.randn(2, 4, dtype=F64)
    with torch.no_grad():
        g = torch_way.gates(x, h)
        w_in, w_hn = reference.weight_ih[8:], reference.weight_hh[8:]
        b_in, b_hn = reference.bias_ih[8:], reference.bias_hh[8:]
        paper_n = torch.tanh(x @ w_in.T + b_in + (g.reset * h) @ w_hn.T + b_hn)
        torch.testing.assert_close(paper_way.gates(x, h).candidate, paper_n)
        assert (paper_way(x, h) - reference(x, h)).abs().max() > 1e-3
        torch.testing.assert_close(torch_way(x, h), reference(x, h))
        # With the reset gate wide open (r = 1) the two formulas are the same.
        for cell in (torch_way, paper_way):
            cell.bias_ih[:4] = 1e3
        torch.testing.assert_close(paper_way(x, h), torch_way(x, h))


def test_gru_and_rnn_errors_are_clear():
    with pytest.raises(ValueError, match=r"h \(working memory\) must have shape \(2, 4\)"):
        GRUCell(3, 4)(torch.randn(2, 3), torch.randn(4))
    with pytest.raises(ValueError, match=r"shape \(batch, 3\) or \(3,\), got \(2, 5\)"):
        RNNCell(3, 4)(torch.randn(2, 5))
    with pytest.raises(TypeError, match=r"nn\.GRUCell or nn\.GRU, got LSTM"):
        GRUCell.from_torch(nn.LSTM(2, 3))
    with pytest.raises(ValueError, match="tanh"):
        RNNCell.from_torch(nn.RNN(2, 3, nonlinearity="relu"))
    with pytest.raises(TypeError, match="LSTM, GRU or RNN"):
        cell_from_torch(nn.Linear(2, 3))


def test_unbatched_gru_step_is_unbatched():
    cell = GRUCell(3, 4)
    h, g = cell.step(torch.randn(3))
    assert h.shape == (4,) and g.update.shape == (4,)
