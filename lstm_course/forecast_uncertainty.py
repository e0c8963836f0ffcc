"""How sure is a forecast, and is one model really better than another?

A table of errors is half an answer. Lesson 7 adds what a forecaster asks next:

- **bias** (:func:`bias`): the mean signed error. A year-ahead error that is mostly bias is a
  trend missed, not noise;
- **prediction intervals** (:func:`conformal_half_widths`, :func:`interval_scores`): split
  conformal intervals from each horizon's validation errors, with their coverage and width
  measured on the test period (origins of one series are not exchangeable, so coverage is
  checked there, not promised);
- **ties** (:func:`loss_difference_interval`, :func:`diebold_mariano`, :func:`tied_with_best`):
  the forecast origins of one series overlap and their errors are strongly autocorrelated (a
  year-ahead error hardly changes from one week to the next), so 210 origins hold far fewer
  than 210 independent answers: about as many as the years they span. A **circular** block
  bootstrap over origins, with blocks of a year, gives an interval for the difference of two
  models' errors (or for a coverage: :func:`mean_interval`); the Diebold–Mariano test, with
  a variance that allows for the autocorrelation (HAC, Newey–West), is the textbook test
  beside it. When either cannot tell two models apart, they are tied.

Everything is NumPy in float64 on plain arrays ``(origins, horizons)``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def _matrix(values: Any, what: str) -> np.ndarray:
    """A 2-D float64 array ``(origins, horizons)`` of finite numbers, or a one-line ValueError."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be numbers, got {type(values).__name__}") from None
    if array.ndim != 2 or 0 in array.shape:
        raise ValueError(f"{what} must have shape (origins, horizons), got {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{what} has NaN or infinite values")
    return array


def _same_shape(first: np.ndarray, second: np.ndarray, names: str) -> None:
    if first.shape != second.shape:
        raise ValueError(f"{names} differ in shape: {first.shape} and {second.shape}")


def _fraction(value: Any, what: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise ValueError(f"{what} must be a number between 0 and 1, got {value!r}")
    if not 0.0 < float(value) < 1.0:
        raise ValueError(f"{what} must lie strictly between 0 and 1, got {value!r}")
    return float(value)


def _count(value: Any, what: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{what} must be a positive int, got {value!r}")
    if value < 1:
        raise ValueError(f"{what} must be a positive int, got {value!r}")
    return int(value)


def bias(actual: Any, forecast: Any) -> np.ndarray:
    """The mean signed error ``actual - forecast`` at each horizon: positive means the model
    forecasts too low (on a rising series: it misses growth)."""
    actual, forecast = _matrix(actual, "actual"), _matrix(forecast, "forecast")
    _same_shape(actual, forecast, "actual and forecast")
    return (actual - forecast).mean(axis=0)


def conformal_half_widths(val_actual: Any, val_forecast: Any, coverage: float = 0.8) -> np.ndarray:
    """Split conformal prediction intervals: for each horizon, the half-width ``q`` such that
    ``forecast ± q`` held the actual value in at least ``coverage`` of the validation
    forecasts (the ``ceil((n + 1) * coverage)``-th smallest absolute error, the usual
    finite-sample correction).

    Why validation errors: the model never trained on them, so they are the errors it makes
    on new data; training errors would give intervals that are too narrow."""
    actual, forecast = _matrix(val_actual, "val_actual"), _matrix(val_forecast, "val_forecast")
    _same_shape(actual, forecast, "val_actual and val_forecast")
    coverage = _fraction(coverage, "coverage")
    n = actual.shape[0]
    rank = math.ceil((n + 1) * coverage)
    if rank > n:
        raise ValueError(f"{n} validation forecasts are too few for {coverage:.0%} intervals")
    return np.sort(np.abs(actual - forecast), axis=0)[rank - 1]


def interval_scores(actual: Any, lower: Any, upper: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(coverage, width)`` at each horizon: the share of actual values inside
    ``[lower, upper]`` and the mean width. An interval is only as good as both: a wide one
    covers everything and says nothing."""
    actual, lower, upper = (
        _matrix(v, w) for v, w in ((actual, "actual"), (lower, "lower"), (upper, "upper"))
    )
    _same_shape(actual, lower, "actual and lower")
    _same_shape(actual, upper, "actual and upper")
    if (lower > upper).any():
        raise ValueError("lower must not exceed upper")
    inside = (lower <= actual) & (actual <= upper)
    return inside.mean(axis=0), (upper - lower).mean(axis=0)


#: The most indices :func:`block_bootstrap_indices` makes (0.8 GB of int64): a size beyond it
#: is a one-line ValueError, not a MemoryError after seconds of swapping.
MAX_BOOTSTRAP_CELLS = 100_000_000


def block_bootstrap_indices(n: int, block: int, resamples: int, seed: int = 0) -> np.ndarray:
    """``(resamples, n)`` row indices of a circular block bootstrap (Politis & Romano 1992):
    each resample strings together blocks of ``block`` consecutive origins, each starting at
    a random origin and wrapping around from the last origin to the first, cut to ``n``.

    Consecutive origins keep their autocorrelation inside a block, which resampling single
    origins would destroy (and make every interval too narrow). The wrap-around gives every
    origin the same chance to be drawn: in the plain moving-block bootstrap a block must fit
    inside the sample, so the first and last origins are drawn in far fewer blocks than the
    middle ones (with blocks of 52 among 210 origins, the first one 52 times less often)."""
    n, block = _count(n, "n"), _count(block, "block")
    resamples = _count(resamples, "resamples")
    if block > n:
        raise ValueError(f"a block of {block} is longer than the {n} origins")
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an int >= 0, got {seed!r}")
    blocks = -(-n // block)
    if resamples * blocks * block > MAX_BOOTSTRAP_CELLS:  # checked before any allocation
        raise ValueError(
            f"{resamples:,} resamples of {n:,} origins make {resamples * blocks * block:,} "
            f"indices, more than the {MAX_BOOTSTRAP_CELLS:,} this function makes (1,000 to "
            "10,000 resamples are enough for an interval)"
        )
    rng = np.random.default_rng(int(seed))
    starts = rng.integers(0, n, size=(resamples, blocks))
    rows = (starts[:, :, None] + np.arange(block)).reshape(resamples, -1) % n
    return rows[:, :n]


def mean_interval(
    values: Any, block: int = 52, resamples: int = 2000, level: float = 0.95, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(mean, low, high)`` at each horizon: the mean of ``values`` over origins (say, 1 where
    an interval held the actual value and 0 where not: the coverage) and its ``level``
    percentile interval from a circular block bootstrap over origins."""
    values = _matrix(values, "values")
    level = _fraction(level, "level")
    rows = block_bootstrap_indices(values.shape[0], block, resamples, seed)
    means = values[rows].mean(axis=1)  # (resamples, horizons)
    tail = (1.0 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail], axis=0)
    return values.mean(axis=0), low, high


def loss_difference_interval(
    loss_a: Any,
    loss_b: Any,
    block: int = 52,
    resamples: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(difference, low, high)`` at each horizon: the mean of ``loss_a - loss_b`` (say, the
    absolute errors of two models at the same origins, so the MAE difference) and its
    ``level`` percentile interval from a circular block bootstrap over origins."""
    loss_a, loss_b = _matrix(loss_a, "loss_a"), _matrix(loss_b, "loss_b")
    _same_shape(loss_a, loss_b, "loss_a and loss_b")
    return mean_interval(loss_a - loss_b, block, resamples, level, seed)


def diebold_mariano(loss_a: Any, loss_b: Any, lags: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(statistic, p_value)`` at each horizon: the Diebold–Mariano (1995) test that two
    forecasts have the same expected loss, from their losses at the same origins.

    The statistic is the mean loss difference divided by its standard error, whose variance
    is a HAC (heteroskedasticity and autocorrelation consistent) estimate: the Newey–West
    sum of the difference's autocovariances up to ``lags`` (an int, or one per horizon) with
    Bartlett weights ``1 - k / (lags + 1)``. Without them, neighbouring origins would count
    as independent answers. The p-value is two-sided, from the normal distribution; with a
    few years of origins it is only approximate (the variance is itself estimated from
    them). A difference that is exactly 0 at every origin has p-value 1; the same nonzero
    difference at every origin, p-value 0."""
    loss_a, loss_b = _matrix(loss_a, "loss_a"), _matrix(loss_b, "loss_b")
    _same_shape(loss_a, loss_b, "loss_a and loss_b")
    n, columns = loss_a.shape
    lags = _lags(lags, columns, n)
    difference = loss_a - loss_b
    mean = difference.mean(axis=0)
    centred = difference - mean
    statistic, p_value = np.zeros(columns), np.ones(columns)
    for column, lag in enumerate(lags):
        d = centred[:, column]
        variance = d @ d / n
        for k in range(1, lag + 1):
            variance += 2 * (1 - k / (lag + 1)) * (d[k:] @ d[:-k]) / n
        if variance > 0:
            statistic[column] = mean[column] / math.sqrt(variance / n)
            p_value[column] = math.erfc(abs(statistic[column]) / math.sqrt(2))
        elif mean[column] != 0:  # the same nonzero difference at every origin: no doubt
            statistic[column], p_value[column] = math.copysign(math.inf, mean[column]), 0.0
    return statistic, p_value


def _lags(lags: Any, columns: int, n: int) -> list[int]:
    """One lag per column, from an int or a sequence of one int per column."""
    if isinstance(lags, (list, tuple, np.ndarray)):
        values = list(np.asarray(lags, dtype=object).ravel())
        if len(values) != columns:
            raise ValueError(
                f"lags must be one int or {columns} (one per horizon), got {len(values)}"
            )
    else:
        values = [lags] * columns
    return [_lag(value, n) for value in values]


def _lag(value: Any, n: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"lags must be ints >= 0, got {value!r}")
    if not 0 <= value < n:
        raise ValueError(f"lags must lie in 0..{n - 1} for {n} origins, got {value!r}")
    return int(value)


def tied_with_best(
    losses: dict[str, Any],
    block: int = 52,
    resamples: int = 2000,
    level: float = 0.95,
    seed: int = 0,
    lags: Any = None,
) -> list[tuple[str, list[str]]]:
    """For each horizon (column): the model with the lowest mean loss, and every model tied
    with it, i.e. whose loss difference to the best has a bootstrap interval that includes 0
    (the same resampled origins serve every pair, so the comparisons are paired). Given
    ``lags`` (see :func:`diebold_mariano`), a model is also tied when the Diebold–Mariano
    test's p-value is at least ``1 - level``: it is behind the best only where both say so."""
    if not isinstance(losses, dict) or len(losses) < 2:
        raise ValueError("losses must be a dict of at least two models' losses")
    arrays = {str(name): _matrix(loss, f"the losses of {name}") for name, loss in losses.items()}
    shapes = {a.shape for a in arrays.values()}
    if len(shapes) != 1:
        raise ValueError(f"every model's losses must have one shape, got {sorted(shapes)}")
    names = list(arrays)
    n, columns = next(iter(shapes))
    per_column = None if lags is None else _lags(lags, columns, n)

    means = np.array([arrays[name].mean(axis=0) for name in names])
    result = []
    for column in range(columns):
        best = names[int(np.argmin(means[:, column]))]
        tied = []
        for name in names:
            if name == best:
                continue
            pair = arrays[name][:, column : column + 1], arrays[best][:, column : column + 1]
            _, low, _ = loss_difference_interval(*pair, block, resamples, level, seed)
            behind = low[0] > 0.0
            if behind and per_column is not None:
                _, p_value = diebold_mariano(*pair, per_column[column])
                behind = p_value[0] < 1.0 - level
            if not behind:
                tied.append(name)
        result.append((best, tied))
    return result
