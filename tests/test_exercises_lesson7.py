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


def _split_in_time(n, n_val, n_test):
    weeks = list(range(n))
    return weeks[: n - n_val - n_test], weeks[n - n_val - n_test : n - n_test], weeks[n - n_test :]


def _split_shuffled(n, n_val, n_test):  # the tutorials' random split: same sizes, leaks
    weeks = np.random.default_rng(0).permutation(n)
    return weeks[: n - n_val - n_test], weeks[n - n_val - n_test : n - n_test], weeks[n - n_test :]


def _split_overlapping(n, n_val, n_test):  # validation repeats the last training weeks
    train, _, test = _split_in_time(n, n_val, n_test)
    return train, list(range(n - n_test - n_val - 1, n - n_test - 1)), test


def _seasonal_naive_loop(windows, horizon, season):
    last = windows.shape[1] - 1
    back = [season * ((h + season - 1) // season) for h in range(1, horizon + 1)]
    columns = [windows[:, last + h - b] for h, b in zip(range(1, horizon + 1), back, strict=True)]
    return np.stack(columns, axis=1)


def _seasonal_naive_no_wrap(windows, horizon, season):  # runs into the future beyond a season
    last = windows.shape[1] - 1
    return np.stack([windows[:, min(last + h - season, last)] for h in range(1, horizon + 1)], 1)


def _windows(series, window, horizon):
    starts = range(len(series) - window - horizon + 1)
    inputs = np.stack([series[s : s + window] for s in starts])
    return inputs, np.stack([series[s + window : s + window + horizon] for s in starts])


def _windows_as_tensors(series, window, horizon):
    inputs, targets = _windows(series, window, horizon)
    return torch.from_numpy(inputs), [list(row) for row in targets]


def _windows_target_overlaps(series, window, horizon):  # the first target is the last input
    starts = range(len(series) - window - horizon + 1)
    inputs = np.stack([series[s : s + window] for s in starts])
    return inputs, np.stack([series[s + window - 1 : s + window - 1 + horizon] for s in starts])


def _windows_one_short(series, window, horizon):  # forgets the last origin
    inputs, targets = _windows(series, window, horizon)
    return inputs[:-1], targets[:-1]


CASES = {
    ex.check_split_in_time: (
        [_split_in_time, lambda *a: tuple(np.array(p) for p in _split_in_time(*a))],
        [
            _split_shuffled,
            _split_overlapping,
            lambda n, v, t: _split_in_time(n, v, t)[::-1],
            lambda n, v, t: [sorted(p, reverse=True) for p in _split_in_time(n, v, t)],
            lambda n, v, t: (list(range(n)), [], []),
            lambda n, v, t: [float("nan")] * 3,
            lambda *a: "train, val, test",
        ],
    ),
    ex.check_seasonal_naive: (
        [_seasonal_naive_loop, lambda w, h, s: torch.tensor(_seasonal_naive_loop(w, h, s))],
        [
            _seasonal_naive_no_wrap,
            lambda w, h, s: np.repeat(w[:, -1:], h, axis=1),
            lambda w, h, s: _seasonal_naive_loop(w, h, s + 1),
            lambda w, h, s: _seasonal_naive_loop(w, h, s).T,
            lambda w, h, s: np.full((w.shape[0], h), np.nan),
            lambda w, h, s: None,
        ],
    ),
    ex.check_make_windows: (
        [_windows, _windows_as_tensors],
        [
            _windows_target_overlaps,
            _windows_one_short,
            lambda s, w, h: _windows(s, w, h)[::-1],
            lambda s, w, h: (_windows(s, w, h)[0].T, _windows(s, w, h)[1]),
            lambda s, w, h: (_windows(s, w, h)[0] * np.nan, _windows(s, w, h)[1]),
            lambda s, w, h: _windows(s, w, h)[0],
        ],
    ),
    ex.check_skill_score: (
        [lambda e, n: 1 - e / n, lambda e, n: np.float32(1 - e / n), lambda e, n: (n - e) / n],
        [
            lambda e, n: e / n,
            lambda e, n: 100 * (1 - e / n),
            lambda e, n: 1 - n / e,
            lambda e, n: float("nan"),
            lambda e, n: str(1 - e / n),
            lambda e, n: n - e,
        ],
    ),
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
