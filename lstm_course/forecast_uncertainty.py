"""How sure is a forecast, and is one model really better than another?

A table of errors is half an answer. Lesson 7 adds what a forecaster asks next:

- **bias** (:func:`bias`): the mean signed error. A year-ahead error that is mostly bias is a
  trend missed, not noise;
- **prediction intervals** (:func:`conformal_half_widths`, :func:`interval_scores`): split
  conformal intervals from each horizon's validation errors, with their coverage and width
  measured on the test period (origins of one series are not exchangeable, so coverage is
  checked there, not promised);
- **ties** (:func:`loss_difference_interval`, :func:`tied_with_best`): the forecast origins of
  one series overlap and their errors are strongly autocorrelated (a year-ahead error hardly
  changes from one week to the next), so 210 origins hold far fewer than 210 independent
  answers. A moving-block bootstrap over origins, with blocks of a year, gives an interval for
  the difference of two models' errors; when it includes 0, the two are tied.

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


def block_bootstrap_indices(n: int, block: int, resamples: int, seed: int = 0) -> np.ndarray:
    """``(resamples, n)`` row indices of a moving-block bootstrap: each resample strings
    together blocks of ``block`` consecutive origins, starting at random, cut to ``n``.

    Consecutive origins keep their autocorrelation inside a block, which resampling single
    origins would destroy (and make every interval too narrow)."""
    n, block = _count(n, "n"), _count(block, "block")
    resamples = _count(resamples, "resamples")
    if block > n:
        raise ValueError(f"a block of {block} is longer than the {n} origins")
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an int >= 0, got {seed!r}")
    rng = np.random.default_rng(int(seed))
    blocks = -(-n // block)
    starts = rng.integers(0, n - block + 1, size=(resamples, blocks))
    rows = (starts[:, :, None] + np.arange(block)).reshape(resamples, -1)
    return rows[:, :n]


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
    ``level`` percentile interval from a moving-block bootstrap over origins."""
    loss_a, loss_b = _matrix(loss_a, "loss_a"), _matrix(loss_b, "loss_b")
    _same_shape(loss_a, loss_b, "loss_a and loss_b")
    level = _fraction(level, "level")
    rows = block_bootstrap_indices(loss_a.shape[0], block, resamples, seed)
    difference = loss_a - loss_b
    means = difference[rows].mean(axis=1)  # (resamples, horizons)
    tail = (1.0 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail], axis=0)
    return difference.mean(axis=0), low, high


def tied_with_best(
    losses: dict[str, Any],
    block: int = 52,
    resamples: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> list[tuple[str, list[str]]]:
    """For each horizon (column): the model with the lowest mean loss, and every model tied
    with it, i.e. whose loss difference to the best has a bootstrap interval that includes 0.
    The same resampled origins serve every pair, so the comparisons are paired."""
    if not isinstance(losses, dict) or len(losses) < 2:
        raise ValueError("losses must be a dict of at least two models' losses")
    arrays = {str(name): _matrix(loss, f"the losses of {name}") for name, loss in losses.items()}
    shapes = {a.shape for a in arrays.values()}
    if len(shapes) != 1:
        raise ValueError(f"every model's losses must have one shape, got {sorted(shapes)}")
    names = list(arrays)
    means = np.array([arrays[name].mean(axis=0) for name in names])
    result = []
    for column in range(means.shape[1]):
        best = names[int(np.argmin(means[:, column]))]
        tied = []
        for name in names:
            if name == best:
                continue
            _, low, _ = loss_difference_interval(
                arrays[name][:, column : column + 1],
                arrays[best][:, column : column + 1],
                block,
                resamples,
                level,
                seed,
            )
            if low[0] <= 0.0:
                tied.append(name)
        result.append((best, tied))
    return result
