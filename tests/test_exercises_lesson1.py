"""Lesson 1's exercise checks (lstm_course/exercises/lesson1.py): answers that must pass,
however written, and plausible wrong ones that must fail with a hint."""

import math

import numpy as np
import pytest
import torch
from exercise_cases import case_tests

from lstm_course import exercises as ex


def _lstm_step(x, h, c, weight_ih, weight_hh, bias):
    i, f, g, o = (x @ weight_ih.T + h @ weight_hh.T + bias).chunk(4, dim=1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def _lstm_step_gate_by_gate(x, h, c, weight_ih, weight_hh, bias):
    hidden = h.shape[1]

    def block(k):
        rows = slice(k * hidden, (k + 1) * hidden)
        return torch.nn.functional.linear(x, weight_ih[rows]) + h @ weight_hh[rows].T + bias[rows]

    ignore, forget, use = (torch.sigmoid(block(k)) for k in (0, 1, 3))
    c_new = forget * c + ignore * torch.tanh(block(2))
    return use * torch.tanh(c_new), c_new


def _wrong_gate_order(x, h, c, weight_ih, weight_hh, bias):
    f, i, g, o = (x @ weight_ih.T + h @ weight_hh.T + bias).chunk(4, dim=1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def _notes_use_gate(x, h, c, weight_ih, weight_hh, bias):
    # the notes' use gate: tanh of the forget gate's output, not of the new memory
    i, f, g, o = (x @ weight_ih.T + h @ weight_hh.T + bias).chunk(4, dim=1)
    kept = torch.sigmoid(f) * c
    return torch.sigmoid(o) * torch.tanh(kept), kept + torch.sigmoid(i) * torch.tanh(g)


def _no_tanh_on_memory(x, h, c, weight_ih, weight_hh, bias):
    i, f, g, o = (x @ weight_ih.T + h @ weight_hh.T + bias).chunk(4, dim=1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * c, c


def _old_memory_use_gate(x, h, c, weight_ih, weight_hh, bias):
    # h from the old long-term memory c_{t-1}, not the new c_t
    i, f, g, o = (x @ weight_ih.T + h @ weight_hh.T + bias).chunk(4, dim=1)
    h_new = torch.sigmoid(o) * torch.tanh(c)
    return h_new, torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)


def _sigmoid_candidate(x, h, c, weight_ih, weight_hh, bias):
    i, f, g, o = (x @ weight_ih.T + h @ weight_hh.T + bias).chunk(4, dim=1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.sigmoid(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def _no_learn_gate(x, h, c, weight_ih, weight_hh, bias):
    _i, f, g, o = (x @ weight_ih.T + h @ weight_hh.T + bias).chunk(4, dim=1)
    c = torch.sigmoid(f) * c + torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def _no_forget_gate(x, h, c, weight_ih, weight_hh, bias):
    i, _f, g, o = (x @ weight_ih.T + h @ weight_hh.T + bias).chunk(4, dim=1)
    c = c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def _keras_like_order(x, h, c, weight_ih, weight_hh, bias):  # i, f, o, g
    i, f, o, g = (x @ weight_ih.T + h @ weight_hh.T + bias).chunk(4, dim=1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def _c_then_h(x, h, c, weight_ih, weight_hh, bias):
    h_new, c_new = _lstm_step(x, h, c, weight_ih, weight_hh, bias)
    return c_new, h_new


CASES = {
    ex.check_lstm_step: (
        [_lstm_step, _lstm_step_gate_by_gate],
        [
            _wrong_gate_order,
            _notes_use_gate,
            _old_memory_use_gate,
            _no_tanh_on_memory,
            _sigmoid_candidate,
            _no_learn_gate,
            _no_forget_gate,
            _keras_like_order,
            _c_then_h,
            lambda *a: a[1],
        ],
    ),
    ex.check_memory_after_steps: (
        [0.9**10, 0.35, 0.349, 0.3487, torch.tensor(0.9) ** 10, np.float32(0.9) ** 10],
        [9.0, 0.9, 0.1, 0.34, 1 - 0.9**10, 34.87, "0.35", True],
    ),
    ex.check_forget_bias: (
        [math.log(99), 4.595, torch.logit(torch.tensor(0.99)), np.log(0.99 / 0.01)],
        [0.99, 99, -math.log(99), math.log10(99), torch.tensor([4.595, 1.0]), "4.6", -1e6],
    ),
}
test_right_answers_pass, test_wrong_answers_fail, test_a_blank_answer_is_the_learners_turn = (
    case_tests(CASES)
)


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (_wrong_gate_order, "read in the order f, i, g, o"),
        (_keras_like_order, "read in the order i, f, o, g"),
        (_sigmoid_candidate, "your candidate g_t goes through σ"),
        (_no_learn_gate, "adds the candidate g_t unscaled"),
        (_no_forget_gate, "keeps all of the old memory"),
        (_c_then_h, "return the pair in the order (h, c)"),
        (_notes_use_gate, "o_t ⊙ tanh(f_t ⊙ c_{t-1})"),
        (_old_memory_use_gate, "reads the old memory, o_t ⊙ tanh(c_{t-1})"),
        (_no_tanh_on_memory, "no tanh on the memory"),
    ],
)
def test_each_mistake_gets_its_own_hint(answer, hint, capsys):
    """Each of the step's common mistakes (the gate order, the candidate's squashing, a gate
    left out, the pair swapped, three wrong use gates) gets a hint that names it, and only
    that hint."""
    ex.check_lstm_step(answer)
    out = capsys.readouterr().out
    assert out.startswith("❌") and hint in out, out


def test_the_hints_are_all_different():
    """No two mistakes share a hint (once, four mistakes all got "check the gate order")."""
    import contextlib
    import io

    hints = []
    for answer in (
        _wrong_gate_order,
        _keras_like_order,
        _sigmoid_candidate,
        _no_learn_gate,
        _no_forget_gate,
        _c_then_h,
        _notes_use_gate,
        _old_memory_use_gate,
        _no_tanh_on_memory,
    ):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            ex.check_lstm_step(answer)
        hints.append(out.getvalue())
    assert len(set(hints)) == len(hints), hints
