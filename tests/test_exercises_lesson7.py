"""Lesson 7's exercise checks (lstm_course/exercises/lesson7.py): answers that must pass,
however written, and plausible wrong ones that must fail with a hint."""

import itertools
import math

import numpy as np
import torch
from exercise_cases import case_tests

from lstm_course import exercises as ex


def _origins(length, window, horizon, start, stop):
    return [
        t for t in range(length) if t - window + 1 >= 0 and start <= t + 1 and t + horizon < stop
    ]


def _origins_inputs_inside(length, window, horizon, start, stop):  # windows may not reach back
    return [t for t in _origins(length, window, horizon, start, stop) if t - window + 1 >= start]


def _origins_targets_leave(length, window, horizon, start, stop):  # only t + 1 inside
    return [t for t in range(length) if t - window + 1 >= 0 and start <= t + 1 < stop]


def _origins_from_start(length, window, horizon, start, stop):  # t from start: misses start - 1
    return [t for t in _origins(length, window, horizon, start, stop) if t >= start]


def _scale(series, n_train):
    train = series[:n_train]
    return (series - train.mean()) / train.std()


def _scale_all(series, n_train):  # the leak: every week's mean and spread
    return (series - series.mean()) / series.std()


def _scale_robust_looking(series, n_train):  # the last weeks' spread: the test period again
    return (series - series[:n_train].mean()) / series[-n_train:].std()


def _conformal(errors, coverage):
    return np.sort(np.abs(errors))[math.ceil((len(errors) + 1) * coverage) - 1]


CASES = {
    ex.check_forecast_origins: (
        [
            _origins,
            lambda *a: np.array(_origins(*a)),
            lambda *a: torch.tensor(_origins(*a)),
            lambda n, w, h, s, e: range(max(w - 1, s - 1), e - h),
        ],
        [
            _origins_inputs_inside,
            _origins_targets_leave,
            _origins_from_start,
            lambda *a: _origins(*a)[::-1],
            lambda *a: [float(t) + 0.5 for t in _origins(*a)],
            lambda *a: itertools.count(),
            lambda *a: None,
        ],
    ),
    ex.check_scale_on_training: (
        [
            _scale,
            lambda s, n: (s - s[:n].mean()) / s[:n].std(ddof=1),
            lambda s, n: torch.tensor(_scale(s, n)),
            lambda s, n: list(_scale(s, n)),
        ],
        [
            _scale_all,
            _scale_robust_looking,
            lambda s, n: _scale(s, n)[:n],
            lambda s, n: s - s[:n].mean(),
            lambda s, n: _scale(s, n) * np.nan,
            lambda s, n: "scaled",
        ],
    ),
    ex.check_conformal_half_width: (
        [
            _conformal,
            lambda e, c: float(_conformal(e, c)),
            lambda e, c: torch.tensor(_conformal(e, c)),
            lambda e, c: sorted(abs(x) for x in e)[-(-(len(e) + 1) * c // 1).__int__() - 1],
        ],
        [
            lambda e, c: np.quantile(np.abs(e), c),
            lambda e, c: np.sort(np.abs(e))[math.ceil(len(e) * c) - 1],
            lambda e, c: np.sort(np.abs(e))[round((len(e) + 1) * c) - 1],  # rounded, not up
            lambda e, c: np.sort(np.abs(e))[int((len(e) + 1) * c) - 1],  # rounded down
            lambda e, c: np.sort(e)[math.ceil((len(e) + 1) * c) - 1],
            lambda e, c: 1.2816 * np.std(e),
            lambda e, c: float("nan"),
            lambda e, c: [_conformal(e, c)] * 2,
        ],
    ),
}
test_right_answers_pass, test_wrong_answers_fail, test_a_blank_answer_is_the_learners_turn = (
    case_tests(CASES)
)


def test_the_conformal_check_has_a_case_where_rounding_and_rounding_up_differ(capsys):
    """n = 23, coverage 0.8: (n + 1) * 0.8 = 19.2, so round gives rank 19 and ceil rank 20."""
    assert round(24 * 0.8) != math.ceil(24 * 0.8)
    ex.check_conformal_half_width(lambda e, c: np.sort(np.abs(e))[round((len(e) + 1) * c) - 1])
    out = capsys.readouterr().out
    assert out.startswith("❌") and "round it up" in out and "23 errors" in out, out
