"""Lesson 5's exercise checks (lstm_course/exercises/lesson5.py): answers that must pass,
however written, and plausible wrong ones that must fail with a hint."""

import math

import numpy as np
import torch
from exercise_cases import case_tests

from lstm_course import exercises as ex
from lstm_course.adding import SequenceRegressor, evaluate_mse, train_adding
from lstm_course.exercises.lesson5 import _adding_over_seeds


def _gru_step(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    r_i, z_i, n_i = (x @ weight_ih.T + bias_ih).chunk(3, dim=1)
    r_h, z_h, n_h = (h @ weight_hh.T + bias_hh).chunk(3, dim=1)
    r, z = torch.sigmoid(r_i + r_h), torch.sigmoid(z_i + z_h)
    return z * h + (1 - z) * torch.tanh(n_i + r * n_h)


def _paper_gru_step(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    hidden = h.shape[1]
    r_i, z_i, n_i = (x @ weight_ih.T + bias_ih).chunk(3, dim=1)
    r_h, z_h, _ = (h @ weight_hh.T + bias_hh).chunk(3, dim=1)
    r, z = torch.sigmoid(r_i + r_h), torch.sigmoid(z_i + z_h)
    n_h = (r * h) @ weight_hh[2 * hidden :].T + bias_hh[2 * hidden :]
    return z * h + (1 - z) * torch.tanh(n_i + n_h)


def _paper_gru_step_by_rows(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    hidden = h.shape[1]
    rows = [slice(k * hidden, (k + 1) * hidden) for k in range(3)]

    def gate(k, memory):
        from_x = x @ weight_ih[rows[k]].T + bias_ih[rows[k]]
        return from_x + memory @ weight_hh[rows[k]].T + bias_hh[rows[k]]

    r, z = torch.sigmoid(gate(0, h)), torch.sigmoid(gate(1, h))
    n = torch.tanh(gate(2, r * h))  # the paper: U_n (r ⊙ h) + b_hn
    return h + (1 - z) * (n - h)


def _paper_gru_step_bias_reset(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    # r_t scales b_hn too: neither the paper's formula nor torch's
    hidden = h.shape[1]
    r_i, z_i, n_i = (x @ weight_ih.T + bias_ih).chunk(3, dim=1)
    r_h, z_h, _ = (h @ weight_hh.T + bias_hh).chunk(3, dim=1)
    r, z = torch.sigmoid(r_i + r_h), torch.sigmoid(z_i + z_h)
    n_h = (r * h) @ weight_hh[2 * hidden :].T + r * bias_hh[2 * hidden :]
    return z * h + (1 - z) * torch.tanh(n_i + n_h)


def _paper_gru_step_z_swapped(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    hidden = h.shape[1]
    r_i, z_i, n_i = (x @ weight_ih.T + bias_ih).chunk(3, dim=1)
    r_h, z_h, _ = (h @ weight_hh.T + bias_hh).chunk(3, dim=1)
    r, z = torch.sigmoid(r_i + r_h), torch.sigmoid(z_i + z_h)
    n_h = (r * h) @ weight_hh[2 * hidden :].T + bias_hh[2 * hidden :]
    return (1 - z) * h + z * torch.tanh(n_i + n_h)  # z_t taken as the share replaced


def _three_seeds(kind, length, steps):
    mses = []
    for seed in (0, 1, 2):
        torch.manual_seed(seed)
        model = SequenceRegressor(kind, hidden_size=32)
        train_adding(model, length, steps=steps, seed=seed, progress=False)
        mses.append(evaluate_mse(model, length))
    return mses


def _seeds_torch_and_answers(kind, length, steps):
    torch.manual_seed(7)  # as a right answer does: the check must restore the lesson's stream
    return list(_adding_over_seeds(kind, length, steps))


def _three_seeds_weights_only(kind, length, steps):
    mses = []
    for seed in (0, 1, 2):
        torch.manual_seed(seed)
        model = SequenceRegressor(kind, hidden_size=32)
        train_adding(model, length, steps=steps, progress=False)  # the same problems each time
        mses.append(evaluate_mse(model, length))
    return mses


def _forget_bias_one(lstm):
    h = lstm.hidden_size
    with torch.no_grad():
        for name, p in lstm.named_parameters():
            if name.startswith("bias_ih"):
                p[h : 2 * h] = 1.0
            elif name.startswith("bias_hh"):
                p[h : 2 * h] = 0.0


def _forget_bias_split_between_both(lstm):
    h = lstm.hidden_size
    with torch.no_grad():
        for name, p in lstm.named_parameters():
            if "bias" in name:
                p[h : 2 * h].fill_(0.5)


def _forget_bias_first_layer_only(lstm):
    h = lstm.hidden_size
    with torch.no_grad():
        lstm.bias_ih_l0[h : 2 * h] = 1.0
        lstm.bias_hh_l0[h : 2 * h] = 0.0


def _forget_bias_ih_only(lstm):  # forgets that torch adds bias_hh too
    h = lstm.hidden_size
    with torch.no_grad():
        for name, p in lstm.named_parameters():
            if name.startswith("bias_ih"):
                p[h : 2 * h] = 1.0


CASES = {
    ex.check_paper_gru_step: (
        [_paper_gru_step, _paper_gru_step_by_rows],
        [_gru_step, _paper_gru_step_bias_reset, _paper_gru_step_z_swapped],
    ),
    ex.check_set_forget_bias: (
        [_forget_bias_one, _forget_bias_split_between_both],
        [_forget_bias_first_layer_only, _forget_bias_ih_only],
    ),
    # each trains three small models: a few seconds
    ex.check_adding_over_seeds: (
        [_three_seeds, lambda *config: np.array(_adding_over_seeds(*config))],
        [
            _three_seeds_weights_only,
            lambda *config: list(_adding_over_seeds(*config))[::-1],
            lambda *config: [_adding_over_seeds(*config)[0]] * 3,
            lambda *config: sum(_adding_over_seeds(*config)) / 3,  # the mean alone
            lambda *config: [*_adding_over_seeds(*config)[:2], math.nan],
        ],
    ),
}
test_right_answers_pass, test_wrong_answers_fail, test_a_blank_answer_is_the_learners_turn = (
    case_tests(CASES)
)
