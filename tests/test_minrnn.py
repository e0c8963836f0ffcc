"""minGRU and minLSTM: the log-space scan gives the step loop's memories (float64, 1e-10),
the gates are the paper's, bad input is refused in one line; and the cost-measuring helpers
of lesson 8 measure what they say."""

import importlib.util

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_course.minrnn import (
    MinGRU,
    MinLSTM,
    g,
    log_g,
    log_space_scan,
    min_lstm_gates,
    min_lstm_log_gates,
    scan_loop,
)
from lstm_course.scaling import (
    INDEXED,
    LAYERS,
    indexed_scan_loop,
    loglog_slope,
    make_layer,
    measure,
    saved_bytes,
)

F64 = torch.float64


@settings(max_examples=40, deadline=None)
@given(
    kind=st.sampled_from([MinGRU, MinLSTM]),
    input_size=st.integers(1, 6),
    hidden_size=st.integers(1, 6),
    batch=st.integers(1, 3),
    steps=st.integers(1, 80),
    scale=st.floats(0.1, 5.0),
    with_h0=st.booleans(),
    seed=st.integers(0, 2**31 - 1),
)
def test_scan_and_loop_give_the_same_memories(
    kind, input_size, hidden_size, batch, steps, scale, with_h0, seed
):
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    layer = kind(input_size, hidden_size, dtype=F64)
    events = scale * torch.randn(batch, steps, input_size, generator=gen, dtype=F64)
    h0 = torch.rand(batch, hidden_size, generator=gen, dtype=F64) + 0.05 if with_h0 else None
    with torch.no_grad():
        scanned, last = layer(events, h0)
        looped, _ = layer(events, h0, mode="loop")
    assert scanned.shape == (batch, steps, hidden_size)
    assert torch.allclose(scanned, looped, rtol=1e-10, atol=1e-10)
    assert torch.equal(last, scanned[:, -1])


def test_the_loop_is_the_papers_step_written_out():
    torch.manual_seed(0)
    layer = MinLSTM(3, 4, dtype=F64)
    x = torch.randn(2, 5, 3, dtype=F64)
    pre_f, pre_i, pre_h = layer.linear(x).chunk(3, dim=-1)
    f, i = torch.sigmoid(pre_f), torch.sigmoid(pre_i)
    h = torch.zeros(2, 4, dtype=F64)
    for t in range(5):
        cand = torch.where(pre_h[:, t] >= 0, pre_h[:, t] + 0.5, torch.sigmoid(pre_h[:, t]))
        h = f[:, t] / (f[:, t] + i[:, t]) * h + i[:, t] / (f[:, t] + i[:, t]) * cand
    assert torch.allclose(layer(x)[1], h, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-30, 30), min_size=1, max_size=20))
def test_g_is_positive_continuous_and_its_log_is_log_g(values):
    x = torch.tensor(values, dtype=F64)
    assert bool((g(x) > 0).all())
    assert torch.allclose(log_g(x), g(x).log(), atol=1e-12)
    assert g(torch.tensor(0.0)) == 0.5 == torch.sigmoid(torch.tensor(0.0))


@settings(max_examples=30, deadline=None)
@given(st.floats(-20, 20), st.floats(-20, 20))
def test_min_lstm_gates_add_to_one_and_match_their_logs(a, b):
    pre_f, pre_i = torch.tensor([a], dtype=F64), torch.tensor([b], dtype=F64)
    f, i = min_lstm_gates(pre_f, pre_i)
    log_f, log_i = min_lstm_log_gates(pre_f, pre_i)
    assert torch.allclose(f + i, torch.ones(1, dtype=F64))
    assert torch.allclose(log_f.exp(), f, rtol=1e-10) and torch.allclose(log_i.exp(), i, rtol=1e-10)


def test_the_scan_survives_thousands_of_forget_factors_below_one():
    # a loop in float32 would multiply 10,000 factors of 0.5 and get exactly 0 long before the
    # end; the scan keeps every product as a logarithm
    log_a = torch.full((1, 10_000, 1), -0.693)
    log_b = torch.full((1, 10_000, 1), 0.0)
    h = log_space_scan(log_a, log_b)
    assert bool(torch.isfinite(h).all()) and abs(h[0, -1, 0].item() - 2.0) < 1e-2


def _backward_nodes(t):
    """The names of every node in the autograd graph behind ``t``."""
    seen, todo, names = set(), [t.grad_fn], []
    while todo:
        node = todo.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        names.append(type(node).__name__)
        todo.extend(next_node for next_node, _ in node.next_functions)
    return names


def test_the_step_loop_splits_once_instead_of_indexing_every_step():
    # an indexed loop has one SelectBackward per step and input, each writing a gradient of the
    # whole sequence's size: a T² backward that would time the indexing, not the recurrence
    a = torch.rand(2, 50, 3, requires_grad=True)
    b = torch.rand(2, 50, 3, requires_grad=True)
    fair = _backward_nodes(scan_loop(a, b))
    indexed = _backward_nodes(indexed_scan_loop(a, b))
    assert not any(name.startswith("Select") for name in fair)
    assert sum(name.startswith("Unbind") for name in fair) == 2
    assert sum(name.startswith("Select") for name in indexed) == 2 * 50
    assert torch.equal(scan_loop(a, b), indexed_scan_loop(a, b))


def test_scan_functions_refuse_bad_shapes_and_non_positive_h0():
    a = torch.zeros(2, 3, 4)
    with pytest.raises(ValueError, match="one shape"):
        scan_loop(a, torch.zeros(2, 3, 5))
    with pytest.raises(ValueError, match="h0 must have shape"):
        log_space_scan(a, a, torch.ones(2, 5))
    with pytest.raises(ValueError, match="positive"):
        log_space_scan(a, a, torch.zeros(2, 4))
    with pytest.raises(TypeError):
        scan_loop([[1.0]], a)


def test_layers_refuse_bad_input_in_one_line():
    layer = MinLSTM(3, 4)
    with pytest.raises(ValueError, match=r"\(batch, time"):
        layer(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="time >= 1, 3"):
        layer(torch.zeros(2, 5, 7))
    with pytest.raises(ValueError, match="mode"):
        layer(torch.zeros(2, 5, 3), mode="parallel")
    with pytest.raises(ValueError, match="hidden_size"):
        MinGRU(3, 0)


def test_gradients_of_scan_and_loop_agree():
    torch.manual_seed(1)
    layer = MinLSTM(2, 3, dtype=F64)
    x = torch.randn(2, 30, 2, dtype=F64)
    grads = []
    for mode in ("scan", "loop"):
        layer.zero_grad()
        layer(x, mode=mode)[0].square().sum().backward()
        grads.append(layer.linear.weight.grad.clone())
    assert torch.allclose(grads[0], grads[1], rtol=1e-9, atol=1e-10)


_MINGRU = importlib.util.find_spec("minGRU_pytorch") is not None


@pytest.mark.skipif(not _MINGRU, reason="mingru-pytorch is not installed (not a requirement)")
def test_matches_the_mingru_pytorch_package():
    from minGRU_pytorch.minGRU import minGRU
    from minGRU_pytorch.minLSTM import minLSTM

    torch.manual_seed(0)
    x = torch.randn(2, 50, 5, dtype=F64)
    ours, theirs = MinLSTM(5, 5, bias=False, dtype=F64), minLSTM(5).double()
    f, i, h = ours.linear.weight.chunk(3)
    with torch.no_grad():
        theirs.to_hidden_and_f_i_gate.weight.copy_(torch.cat([h, f, i]))  # their order: h, f, i
        assert torch.allclose(ours(x)[0], theirs(x), atol=1e-12)
    ours, theirs = MinGRU(5, 5, bias=False, dtype=F64), minGRU(5).double()
    z, h = ours.linear.weight.chunk(2)
    with torch.no_grad():
        theirs.to_hidden_and_gate.weight.copy_(torch.cat([h, z]))
        assert torch.allclose(ours(x)[0], theirs(x), atol=1e-12)


# ---------------------------------------------------------------- lstm_course.scaling
def test_loglog_slope_reads_the_power_of_a_power_law():
    lengths = [64, 256, 1024]
    assert loglog_slope(lengths, [3.0 * n**2 for n in lengths]) == pytest.approx(2.0)
    assert loglog_slope(lengths, [5.0, 5.0, 5.0]) == pytest.approx(0.0)
    with pytest.raises(ValueError):
        loglog_slope([1], [1.0])
    with pytest.raises(ValueError):
        loglog_slope([1, 2], [0.0, 1.0])


def test_memory_kept_for_backward_grows_with_length_for_every_layer():
    for name in LAYERS:
        torch.manual_seed(0)
        layer = make_layer(name, 8)
        short, long = (
            saved_bytes(layer, torch.randn(2, n, 8, requires_grad=True)) for n in (16, 64)
        )
        assert long > 2 * short, name


def test_measure_gives_a_time_and_a_byte_count_per_layer_and_length():
    results = measure([8, 16], batch=1, width=8, rounds=1)
    assert set(results) == {(name, n) for name in LAYERS for n in (8, 16)}
    assert all(seconds > 0 and nbytes > 0 for seconds, nbytes in results.values())
    with pytest.raises(ValueError):
        measure([1])
    with pytest.raises(ValueError, match="layer must be one of"):
        make_layer("mamba", 8)
    x = torch.randn(2, 9, 8)
    torch.manual_seed(0)
    indexed = make_layer(INDEXED, 8)
    torch.manual_seed(0)
    fair = make_layer("minLSTM loop", 8)
    assert torch.allclose(indexed(x), fair(x))
