"""The checks of lesson 7's exercises (forecasting a time series, honestly).

Each asks for something the lesson did not write out, on random series with many decimals,
so that an answer cannot pass by matching a pattern in the test values.

Shared machinery is in :mod:`lstm_course.exercises.harness`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from lstm_course.exercises.harness import (
    _as_number,
    _call,
    _int_list,
    _never_crashes,
    _show,
    _unanswered,
    _verdict,
    _wanted_number,
)
from lstm_course.forecasting import forecast_origins


def _float_array(value: Any) -> Any:
    """``value`` as a float64 NumPy array, or None if it is not an array of real numbers."""
    if isinstance(value, (str, bytes, dict, bool)) or value is None:
        return None
    try:
        if isinstance(value, torch.Tensor):
            value = torch.Tensor(value.detach().cpu()).numpy()  # the base class: plain values
        array = np.asarray(value, dtype=np.float64)
    except Exception:
        return None
    return array


@_never_crashes
def check_forecast_origins(fn: Callable) -> None:
    """``fn(length, window, horizon, start, stop) -> origins``: every week t (in increasing
    order) from which a forecast can be made and judged inside the period ``start:stop``: the
    window ``t-window+1 .. t`` exists (it may reach back before ``start``) and the targets
    ``t+1 .. t+horizon`` all lie in ``start .. stop-1``."""
    if _unanswered(fn):
        return
    rng = np.random.default_rng(17)
    cases = [(60, 8, 3, 0, 30), (60, 8, 5, 30, 45), (200, 20, 13, 120, 200), (40, 3, 1, 10, 12)]
    cases += [
        (int(n), int(w), int(h), int(s), int(s + p))
        for n, w, h, s, p in zip(
            rng.integers(150, 300, 3),
            rng.integers(2, 30, 3),
            rng.integers(1, 20, 3),
            rng.integers(0, 60, 3),
            rng.integers(40, 80, 3),
            strict=True,
        )
    ]
    for length, window, horizon, start, stop in cases:
        want = forecast_origins(length, window, horizon, slice(start, stop)).tolist()
        ok, got = _call(fn, length, window, horizon, start, stop)
        if not ok:
            return _verdict(False, got)
        origins = _int_list(got, most=length + 1)
        if origins is None:
            return _verdict(
                False, f"return a list or array of week numbers (ints), got {_show(got)}"
            )
        if origins == want:
            continue
        where = (
            f"for {length} weeks, a window of {window}, a horizon of {horizon} and {start}:{stop}"
        )
        if origins and origins[-1] + horizon >= stop:
            return _verdict(False, f"{where}: origin {origins[-1]} has targets after the period")
        if origins and origins[0] - window + 1 < 0:
            return _verdict(False, f"{where}: origin {origins[0]} has no full window before it")
        if start > 0 and origins and origins[0] > want[0]:
            return _verdict(
                False,
                f"{where}: the first origin is {want[0]}: the window may reach back before the "
                "period (the past is known), only the targets must lie inside it",
            )
        return _verdict(
            False, f"{where}: expected {len(want)} origins from {want[0]} to {want[-1]}"
        )
    return _verdict(True, "targets inside the period, windows allowed to reach into the past.")


def _scaled(series: np.ndarray, n_train: int, ddof: int) -> np.ndarray:
    train = series[:n_train]
    return (series - train.mean()) / train.std(ddof=ddof)


@_never_crashes
def check_scale_on_training(fn: Callable) -> None:
    """``fn(series, n_train) -> scaled``: the whole series standardized with the mean and
    standard deviation of its first ``n_train`` values (the training period) only."""
    if _unanswered(fn):
        return
    rng = np.random.default_rng(5)
    for n, n_train in [(40, 25), (100, 60), (13, 7)]:
        series = rng.normal(300.0, 7.0, size=n) + np.linspace(0, 20, n)
        spiked = series.copy()
        spiked[rng.integers(n_train, n)] += 1000.0  # a spike planted in the test period
        for values in (series, spiked):
            ok, got = _call(fn, values.copy(), n_train)
            if not ok:
                return _verdict(False, got)
            array = _float_array(got)
            if array is None or array.shape != (n,):
                shape = getattr(array, "shape", None)
                return _verdict(False, f"return {n} numbers, got {shape or _show(got)}")
            if any(np.allclose(array, _scaled(values, n_train, d), atol=1e-9) for d in (0, 1)):
                continue
            if any(np.allclose(array, _scaled(values, n, d), atol=1e-9) for d in (0, 1)):
                return _verdict(
                    False,
                    "that is scaled with every week's mean and spread: a spike in the test "
                    "period changes your training values, so the model would see the future",
                )
            return _verdict(False, "subtract the training mean, divide by the training std")
    return _verdict(True, "scaled by what the training period knows: a test spike changes nothing.")


@_never_crashes
def check_conformal_half_width(fn: Callable) -> None:
    """``fn(errors, coverage) -> half_width``: from the validation errors (actual minus
    forecast, any sign) of one horizon, the half-width q of a split conformal interval,
    ``forecast ± q``: the ``ceil((n + 1) * coverage)``-th smallest absolute error."""
    if _unanswered(fn):
        return
    rng = np.random.default_rng(11)
    # (23, 0.8): (n + 1) * coverage = 19.2, where rounding (19) and rounding up (20) differ
    for n, coverage in [(20, 0.8), (23, 0.8), (50, 0.8), (33, 0.9), (41, 0.5)]:
        errors = rng.normal(0.3, 1.0, size=n)
        absolute = np.sort(np.abs(errors))
        want = absolute[math.ceil((n + 1) * coverage) - 1]
        ok, got = _call(fn, errors.copy(), coverage)
        if not ok:
            return _verdict(False, got)
        value = _as_number(got)
        if value is None:
            return _verdict(False, _wanted_number(got, "return"))
        if math.isclose(value, want, abs_tol=1e-12):
            continue
        if math.isclose(value, absolute[round((n + 1) * coverage) - 1], abs_tol=1e-12):
            return _verdict(
                False,
                f"for {n} errors and coverage {coverage}: (n + 1) * coverage = "
                f"{(n + 1) * coverage:.4g}; round it up (math.ceil), not to the nearest",
            )
        if math.isclose(value, absolute[math.ceil(n * coverage) - 1], abs_tol=1e-12):
            return _verdict(False, "rank ceil((n + 1) * coverage), not ceil(n * coverage)")
        if math.isclose(value, float(np.quantile(absolute, coverage)), abs_tol=1e-12):
            return _verdict(
                False,
                "that is the plain quantile; take the order statistic of "
                "rank ceil((n + 1) * coverage)",
            )
        if math.isclose(value, float(np.sort(errors)[math.ceil((n + 1) * coverage) - 1])):
            return _verdict(False, "rank the absolute errors: a miss below counts as one above")
        return _verdict(False, f"for {n} errors and coverage {coverage} you gave {value:.4g}")
    return _verdict(True, "the (n + 1)-corrected rank of the absolute validation errors.")
