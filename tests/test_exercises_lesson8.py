"""Lesson 8's exercise checks (lstm_course/exercises/lesson8.py): answers that must pass,
however written, and plausible wrong ones that must fail with a hint."""

import math

import numpy
import torch
from exercise_cases import case_tests

from lstm_course import exercises as ex
from lstm_course.minrnn import log_space_scan
from lstm_course.slstm import SLSTMState, slstm_step


def _scan(log_a, log_b):
    a_star = log_a.cumsum(dim=1)
    return (a_star + (log_b - a_star).logcumsumexp(dim=1)).exp()


def _scan_in_float64_by_hand(log_a, log_b):  # the sums written out, with torch.logcumsumexp
    a_star = torch.cumsum(log_a, dim=1)
    total = torch.logcumsumexp(log_b - a_star, dim=1)
    return torch.exp(total + a_star)


def _scan_by_hand(log_a, log_b):  # the same sums, the log-sum-exp accumulated with logaddexp
    a_star = torch.cumsum(log_a, 1)
    shifted, acc, out = log_b - a_star, None, []
    for t in range(shifted.shape[1]):
        acc = shifted[:, t] if acc is None else torch.logaddexp(acc, shifted[:, t])
        out.append(acc)
    return torch.exp(a_star + torch.stack(out, 1))


def _scan_loop_in_log_space(log_a, log_b):  # a loop, right numbers: refused as a loop
    h, out = torch.zeros_like(log_b[:, 0]), []
    for t in range(log_b.shape[1]):
        h = log_a[:, t].exp() * h + log_b[:, t].exp()
        out.append(h)
    return torch.stack(out, 1)


def _scan_loop_in_numpy(log_a, log_b):  # a loop PyTorch does not see: refused too
    a, b = log_a.detach().exp().numpy(), log_b.detach().exp().numpy()
    h, out = 0 * b[:, 0], []
    for t in range(b.shape[1]):
        h = a[:, t] * h + b[:, t]
        out.append(h)
    return torch.from_numpy(numpy.stack(out, 1))


def _scan_with_products(log_a, log_b):  # exp first: the product underflows to 0 on long ones
    a_star = log_a.exp().cumprod(dim=1)
    return a_star * (log_b.exp() / a_star).cumsum(dim=1)


def _scan_exclusive(log_a, log_b):  # A* without step t's own coefficient
    a_star = log_a.cumsum(dim=1) - log_a
    return (a_star + (log_b - a_star).logcumsumexp(dim=1)).exp()


def _scan_returns_log(log_a, log_b):
    a_star = log_a.cumsum(dim=1)
    return a_star + (log_b - a_star).logcumsumexp(dim=1)


def _scan_over_batch(log_a, log_b):  # cumulative sums over the wrong dimension
    a_star = log_a.cumsum(dim=0)
    return (a_star + (log_b - a_star).logcumsumexp(dim=0)).exp()


def _slstm(pre, h, c, n, m):
    return tuple(slstm_step(pre, SLSTMState(h, c, n, m)))


def _slstm_by_hand(pre, h, c, n, m):
    i_, f_, z_, o_ = pre.chunk(4, dim=1)
    log_f = -torch.nn.functional.softplus(-f_)  # log σ
    m_new = torch.maximum(log_f + m, i_)
    i, f = torch.exp(i_ - m_new), torch.exp(log_f + m - m_new)
    c_new, n_new = f * c + i * torch.tanh(z_), f * n + i
    return torch.sigmoid(o_) * c_new / n_new, c_new, n_new, m_new


def _slstm_plain(pre, h, c, n, m):  # no stabiliser: overflows, and c, n are not divided
    return tuple(slstm_step(pre, SLSTMState(h, c, n, m), stabilised=False))


def _slstm_exp_forget(pre, h, c, n, m):
    return tuple(slstm_step(pre, SLSTMState(h, c, n, m), exp_forget=True))


def _slstm_forgets_old_m(pre, h, c, n, m):  # f' = exp(log f - m_t): m_{t-1} left out
    i_, f_, z_, o_ = pre.chunk(4, dim=1)
    log_f = torch.nn.functional.logsigmoid(f_)
    m_new = torch.maximum(log_f + m, i_)
    i, f = torch.exp(i_ - m_new), torch.exp(log_f - m_new)
    c_new, n_new = f * c + i * torch.tanh(z_), f * n + i
    return torch.sigmoid(o_) * c_new / n_new, c_new, n_new, m_new


def _slstm_gate_order_ifoz(pre, h, c, n, m):
    i_, f_, o_, z_ = pre.chunk(4, dim=1)
    return _slstm(torch.cat([i_, f_, z_, o_], dim=1), h, c, n, m)


CASES = {
    ex.check_log_space_scan: (
        [_scan, lambda a, b: log_space_scan(a, b), _scan_in_float64_by_hand],
        [
            _scan_by_hand,  # right numbers, but a loop over time: refused
            _scan_loop_in_log_space,
            _scan_loop_in_numpy,
            _scan_with_products,
            _scan_exclusive,
            _scan_returns_log,
            _scan_over_batch,
            lambda a, b: _scan(a, b)[:, :-1],
            lambda a, b: _scan(a, b).float(),
            lambda a, b: _scan(a, b).tolist(),
            lambda a, b: _scan(a, b) * math.nan,
        ],
    ),
    ex.check_stabilised_slstm_step: (
        [_slstm, _slstm_by_hand, lambda *args: list(_slstm(*args))],
        [
            _slstm_plain,
            _slstm_exp_forget,
            _slstm_forgets_old_m,
            _slstm_gate_order_ifoz,
            lambda *args: _slstm(*args)[:3],
            lambda *args: _slstm(*args)[0],
            lambda *args: (*_slstm(*args)[:3], torch.zeros_like(args[4])),
        ],
    ),
}
test_right_answers_pass, test_wrong_answers_fail, test_a_blank_answer_is_the_learners_turn = (
    case_tests(CASES)
)


def test_a_right_loop_over_time_is_refused_and_told_why(capsys):
    ex.check_log_space_scan(_scan_loop_in_log_space)
    said = capsys.readouterr().out
    assert said.startswith("❌") and "loop over time" in said and "operations" in said
    ex.check_log_space_scan(_scan)
    assert capsys.readouterr().out.startswith("✅")
