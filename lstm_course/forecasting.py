"""Forecasting a time series honestly: windows, a split in time, baselines, multi-step
forecasts and errors that say whether a model beats the obvious.

Lesson 7 forecasts the weekly CO2 series of Mauna Loa. The pieces here are what every such
study needs and what popular tutorials get wrong:

- **a split in time** (:func:`chronological_split`): the model is fitted on the past and
  judged on the future. Shuffled windows would put weeks from the test period (or their
  neighbours, which overlap the same values) into training;
- **a scaler fitted on the training period only** (:class:`Standardizer`): fitted on all
  the data, it would tell the model the future's mean and spread;
- **forecast origins** (:func:`forecast_origins`, :func:`make_windows`): a forecast made at
  week t sees weeks up to t and is judged on weeks t+1 ... t+horizon, all inside one period;
- **baselines** a sceptic asks for first: the last value, the value one season earlier (with
  the training period's yearly drift added, over all its years or the recent ones:
  :func:`seasonal_drift`, :func:`seasonal_naive_drift_forecast`), a linear autoregression on
  the same window (:class:`LinearAR`);
- **two ways to forecast many steps**: feed one-step predictions back
  (:func:`recursive_forecast`) or predict the whole horizon at once (:func:`direct_forecast`);
- **errors relative to a naive forecast** (:func:`mase`, :func:`skill_score`): a model whose
  one-step plot looks perfect may only be copying the last value; these metrics show it.

Everything is NumPy in float64 and takes plain arrays, so a neural network joins in through a
function ``windows (n, window) -> forecasts``; nothing here depends on PyTorch. The function
gets a copy of the windows, and its answer is copied: a model cannot change the caller's
arrays, nor the caller its answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Weeks in the seasonal period the lesson uses for weekly data (a year is 52.18 weeks).
SEASON_WEEKS = 52


def _as_series(values: Any, what: str = "series") -> np.ndarray:
    """A 1-D float64 array without NaN or infinities, or a one-line ValueError."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be numbers, got {type(values).__name__}") from None
    if array.ndim != 1:
        raise ValueError(f"{what} must be 1-D, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{what} is empty")
    if not np.isfinite(array).all():
        raise ValueError(f"{what} has NaN or infinite values; fill them first (fill_gaps)")
    return array


def _as_windows(inputs: Any, what: str = "inputs") -> np.ndarray:
    """A 2-D float64 array (n, window) of finite numbers, or a one-line ValueError."""
    try:
        array = np.asarray(inputs, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be numbers, got {type(inputs).__name__}") from None
    if array.ndim != 2 or array.shape[1] == 0:
        raise ValueError(f"{what} must have shape (n, window), got {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{what} has NaN or infinite values")
    return array


def _positive_int(value: Any, what: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{what} must be a positive int, got {value!r}")
    return int(value)


def _real(value: Any, what: str) -> float:
    """A finite Python float from an int, a float or a NumPy scalar (not a bool), or a
    one-line ValueError."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise ValueError(f"{what} must be a number, got {value!r}")
    number = float(value)
    if not np.isfinite(number):
        raise ValueError(f"{what} must be finite, got {value!r}")
    return number


# --------------------------------------------------------------------------- data
def fill_gaps(values: Any) -> np.ndarray:
    """The series with every missing value (NaN) replaced by linear interpolation between
    the nearest observed weeks before and after it.

    Interpolation uses only the two neighbours of a gap, never a statistic of the whole series
    (a mean would carry the future into the past). A gap at either end has a neighbour on
    one side only, so it is refused rather than guessed: cut the series instead."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"values must be numbers, got {type(values).__name__}") from None
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"values must be a non-empty 1-D series, got shape {array.shape}")
    if np.isinf(array).any():
        raise ValueError("values has infinite entries")
    missing = np.isnan(array)
    if missing[0] or missing[-1]:
        raise ValueError("the series starts or ends with a missing value; cut it, don't guess it")
    if not missing.any():
        return array.copy()
    known = np.flatnonzero(~missing)
    filled = array.copy()
    filled[missing] = np.interp(np.flatnonzero(missing), known, array[known])
    return filled


def chronological_split(times: Any, val_start: Any, test_start: Any) -> tuple[slice, slice, slice]:
    """Train, validation and test periods as slices: train is every time before
    ``val_start``, validation up to ``test_start``, test the rest.

    The periods follow each other in time, so everything a model or a scaler is fitted on
    precedes everything it is judged on, as it will in use. ``times`` must increase strictly
    (dates, or plain numbers); each period must be non-empty."""
    try:
        array = np.asarray(times)
        if array.ndim != 1 or array.size < 3:
            raise ValueError(f"times must be 1-D with at least 3 entries, got shape {array.shape}")
        if array.dtype.kind == "M":
            # dates: the bounds as NumPy dates too (NumPy before 2.3 cannot search a datetime64
            # array for a pandas Timestamp)
            val_start, test_start = np.datetime64(val_start), np.datetime64(test_start)
        if not (array[1:] > array[:-1]).all():
            raise ValueError("times must increase strictly (sort the series first)")
        _ = bool(array[0] < val_start) and bool(
            array[0] < test_start
        )  # TypeError if not comparable
        if not val_start < test_start:
            raise ValueError(f"val_start ({val_start}) must come before test_start ({test_start})")
        n_train = int(np.searchsorted(array, val_start, side="left"))
        n_before_test = int(np.searchsorted(array, test_start, side="left"))
    except TypeError:
        raise ValueError("times, val_start and test_start must be comparable") from None
    if n_train == 0 or n_before_test == n_train or n_before_test == array.size:
        raise ValueError(
            f"empty period: {n_train} training, {n_before_test - n_train} validation, "
            f"{array.size - n_before_test} test times"
        )
    return slice(0, n_train), slice(n_train, n_before_test), slice(n_before_test, array.size)


@dataclass(frozen=True)
class Standardizer:
    """Subtract ``mean``, divide by ``std``: both fitted on the training period only.

    Fitted on all the data, the scaler would leak the test period's level into every input
    the model ever sees."""

    mean: float
    std: float

    @classmethod
    def fit(cls, values: Any) -> Standardizer:
        array = _as_series(values, "values to fit the scaler on")
        with np.errstate(over="ignore", invalid="ignore"):
            mean, std = float(array.mean()), float(array.std())
        if not (np.isfinite(mean) and np.isfinite(std)):
            raise ValueError(
                "values too large to scale in float64 (their mean or spread overflows)"
            )
        if std == 0.0:
            raise ValueError("cannot scale by a standard deviation of 0 (constant values)")
        return cls(mean, std)

    def transform(self, values: Any) -> np.ndarray:
        return (np.asarray(values, dtype=np.float64) - self.mean) / self.std

    def inverse(self, scaled: Any) -> np.ndarray:
        return np.asarray(scaled, dtype=np.float64) * self.std + self.mean


# --------------------------------------------------------------------------- windows
def forecast_origins(
    length: int, window: int, horizon: int, targets_in: slice, measured: Any = None
) -> np.ndarray:
    """Every week t from which a forecast can be made and judged inside ``targets_in``:
    the window ``t-window+1 ... t`` exists, and the targets ``t+1 ... t+horizon`` all lie in
    the period (and, given ``measured``, a boolean per week, were all measured, not filled).

    Why the mask: a week filled by interpolation lies on a straight line between its
    neighbours, so a target inside a gap is predictable from the last two inputs and from a
    neighbour up to a gap's length in the future; training on it teaches a shortcut, judging
    on it flatters.

    The inputs may come from before the period (they are the past, known when forecasting),
    the targets never leave it; so training windows (``targets_in`` the training period,
    which starts at 0) never see a later week, and every horizon of an evaluation is judged
    on the same origins."""
    length = _positive_int(length, "length")
    window = _positive_int(window, "window")
    horizon = _positive_int(horizon, "horizon")
    if not isinstance(targets_in, slice) or targets_in.step not in (None, 1):
        raise ValueError(f"targets_in must be a slice with step 1, got {targets_in!r}")
    start, stop, _ = targets_in.indices(length)
    first = max(window - 1, start - 1)
    last = stop - 1 - horizon
    if last < first:
        raise ValueError(
            f"no origin fits: a window of {window} and a horizon of {horizon} need more than "
            f"the {stop - start} weeks in {start}:{stop}"
        )
    origins = np.arange(first, last + 1)
    if measured is None:
        return origins
    known = np.asarray(measured)
    if known.dtype != np.bool_ or known.shape != (length,):
        raise ValueError(f"measured must be {length} booleans, got {known.dtype} {known.shape}")
    # filled[t] = how many filled weeks lie in t+1 .. t+horizon (a running sum)
    running = np.r_[0, np.cumsum(~known)]
    filled = running[origins + horizon + 1] - running[origins + 1]
    origins = origins[filled == 0]
    if origins.size == 0:
        raise ValueError("no origin has all its targets measured")
    return origins


def make_windows(
    series: Any, origins: Any, window: int, horizon: int
) -> tuple[np.ndarray, np.ndarray]:
    """Inputs ``(n, window)``: the weeks up to and including each origin; targets
    ``(n, horizon)``: the weeks after it."""
    series = _as_series(series)
    window = _positive_int(window, "window")
    horizon = _positive_int(horizon, "horizon")
    origins = np.asarray(origins)
    if origins.ndim == 1 and origins.size == 0:
        origins = origins.astype(np.int64)  # [] is float64 to NumPy
    if origins.ndim != 1 or not np.issubdtype(origins.dtype, np.integer):
        raise ValueError(
            f"origins must be a 1-D array of ints, got {origins.dtype} {origins.shape}"
        )
    if origins.size and (origins.min() < window - 1 or origins.max() + horizon >= series.size):
        raise ValueError(
            f"origins must lie in {window - 1}..{series.size - 1 - horizon} for a window of "
            f"{window} and a horizon of {horizon} in {series.size} weeks"
        )
    inputs = series[origins[:, None] + np.arange(1 - window, 1)]
    targets = series[origins[:, None] + np.arange(1, horizon + 1)]
    return inputs.reshape(origins.size, window), targets.reshape(origins.size, horizon)


# --------------------------------------------------------------------------- baselines
def last_value_forecast(inputs: Any, horizon: int) -> np.ndarray:
    """The naive forecast: every future week equals the last one seen. ``(n, horizon)``."""
    inputs = _as_windows(inputs)
    horizon = _positive_int(horizon, "horizon")
    return np.repeat(inputs[:, -1:], horizon, axis=1)


def seasonal_naive_forecast(inputs: Any, horizon: int, season: int = SEASON_WEEKS) -> np.ndarray:
    """The seasonal naive forecast: each future week equals the same week one season
    earlier (two seasons earlier beyond one season ahead, and so on). ``(n, horizon)``."""
    inputs = _as_windows(inputs)
    horizon = _positive_int(horizon, "horizon")
    season = _positive_int(season, "season")
    if inputs.shape[1] < season:
        raise ValueError(f"a window of {inputs.shape[1]} is shorter than the season ({season})")
    steps = np.arange(1, horizon + 1)
    seasons_back = -(-steps // season)  # ceil(h / season)
    return inputs[:, inputs.shape[1] - 1 + steps - season * seasons_back]


def seasonal_drift(train: Any, season: int = SEASON_WEEKS, last: int | None = None) -> float:
    """The mean change over one season in the training period: the mean of
    ``train[t] - train[t - season]``. For CO2 the yearly rise, from training years only.

    ``last`` (weeks) averages only the changes that end in the last ``last`` weeks of the
    training period: the *recent* rise. On a series whose growth accelerates (CO2's trend
    rose 0.9 ppm a year in the 1960s, 1.6 in the 1980s) the mean over every training year is
    too low for the years after it; how far back to look is a choice for validation."""
    train = _as_series(train, "train")
    season = _positive_int(season, "season")
    if train.size <= season:
        raise ValueError(f"{train.size} training weeks are too few for a season of {season}")
    changes = train[season:] - train[:-season]
    if last is not None:
        last = _positive_int(last, "last")
        if last > changes.size:
            raise ValueError(
                f"last={last} weeks: only {changes.size} training weeks have a week one "
                f"season ({season}) before them"
            )
        changes = changes[-last:]
    return float(changes.mean())


def seasonal_naive_drift_forecast(
    inputs: Any, horizon: int, drift: float, season: int = SEASON_WEEKS
) -> np.ndarray:
    """The seasonal naive forecast plus the trend: the same week one season earlier, raised
    by ``drift`` (:func:`seasonal_drift` of the training period) for every season it reaches
    back. On a rising series the plain seasonal naive forecast pays a year of trend at every
    horizon; this one does not, which makes it the strongest naive forecast here."""
    drift = _real(drift, "drift")
    horizon = _positive_int(horizon, "horizon")
    season = _positive_int(season, "season")
    seasons_back = -(-np.arange(1, horizon + 1) // season)  # ceil(h / season)
    return seasonal_naive_forecast(inputs, horizon, season) + drift * seasons_back


@dataclass(frozen=True)
class LinearAR:
    """A linear autoregression: ``forecast = inputs @ weights + bias``, one column of weights
    per step ahead (one column: the next step; ``horizon`` columns: a direct forecast).

    Fitted by least squares in float64, with an optional ridge penalty on the weights (not
    the bias). It is the network's most direct rival: the same window, no hidden state."""

    weights: np.ndarray  # (window, outputs)
    bias: np.ndarray  # (outputs,)

    @classmethod
    def fit(cls, inputs: Any, targets: Any, ridge: float = 0.0) -> LinearAR:
        inputs = _as_windows(inputs)
        targets = np.asarray(targets, dtype=np.float64)
        if targets.ndim == 1:
            targets = targets[:, None]
        if targets.ndim != 2 or targets.shape[0] != inputs.shape[0]:
            raise ValueError(
                f"targets must have shape ({inputs.shape[0]}, outputs), got {targets.shape}"
            )
        if not np.isfinite(targets).all():
            raise ValueError("targets has NaN or infinite values")
        if inputs.shape[0] == 0:
            raise ValueError("cannot fit on 0 windows")
        ridge = _real(ridge, "ridge")
        if ridge < 0:
            raise ValueError(f"ridge must be >= 0, got {ridge!r}")
        with np.errstate(over="ignore", invalid="ignore"):
            x_mean, y_mean = inputs.mean(axis=0), targets.mean(axis=0)
            x, y = inputs - x_mean, targets - y_mean  # centring leaves the bias unpenalized
            gram, moment = x.T @ x + ridge * np.eye(x.shape[1]), x.T @ y
        if not (np.isfinite(gram).all() and np.isfinite(moment).all()):
            raise ValueError("inputs or targets too large for least squares in float64: scale them")
        try:
            weights = np.linalg.lstsq(gram, moment, rcond=None)[0]
        except np.linalg.LinAlgError as error:
            raise ValueError(f"least squares failed ({error}): scale the inputs") from None
        return cls(weights, y_mean - x_mean @ weights)

    def predict(self, inputs: Any) -> np.ndarray:
        """``(n, outputs)`` forecasts for ``(n, window)`` inputs."""
        inputs = _as_windows(inputs)
        if inputs.shape[1] != self.weights.shape[0]:
            raise ValueError(
                f"inputs have windows of {inputs.shape[1]}, the model was fitted on "
                f"{self.weights.shape[0]}"
            )
        return inputs @ self.weights + self.bias


# --------------------------------------------------------------------------- many steps
def _model_output(values: Any, where: str) -> np.ndarray:
    """A model's output as float64, refused in one line if it is not numbers or not finite
    (a NaN fed back into a recursive forecast would make every later step NaN, silently)."""
    try:
        array = np.array(values, dtype=np.float64)  # a copy: never an array the model keeps
    except (TypeError, ValueError):
        raise ValueError(f"the model returned {type(values).__name__}, not numbers") from None
    if not np.isfinite(array).all():
        bad = "NaN" if np.isnan(array).any() else "an infinite value"
        raise ValueError(f"the model returned {bad}{' ' + where if where else ''}")
    return array


def recursive_forecast(
    next_value: Callable[[np.ndarray], Any], inputs: Any, horizon: int
) -> np.ndarray:
    """Forecast ``horizon`` steps with a one-step model: predict the next week, append the
    prediction to the window (dropping its oldest week), predict again.

    After the first step the model reads its own guesses, so its errors feed its next
    inputs: that is the honest way to use a one-step model for a multi-step forecast (feeding
    it the true weeks would use the future). ``next_value`` maps ``(n, window)`` to ``(n,)``.
    Returns ``(n, horizon)``. The model gets a copy of the windows at every step, so a model
    that changes its input in place changes neither the caller's array nor the forecast."""
    windows = _as_windows(inputs).copy()
    horizon = _positive_int(horizon, "horizon")
    if not callable(next_value):
        raise ValueError(f"next_value must be a function, got {type(next_value).__name__}")
    forecasts = np.empty((windows.shape[0], horizon))
    for step in range(horizon):
        guess = _model_output(next_value(windows.copy()), f"at step {step + 1}").reshape(-1)
        if guess.shape != (windows.shape[0],):
            raise ValueError(
                f"next_value returned {guess.size} values for {windows.shape[0]} windows"
            )
        forecasts[:, step] = guess
        windows = np.concatenate([windows[:, 1:], guess[:, None]], axis=1)
    return forecasts


def direct_forecast(
    whole_horizon: Callable[[np.ndarray], Any], inputs: Any, horizon: int
) -> np.ndarray:
    """Forecast ``horizon`` steps with a model that predicts all of them at once from the
    window (``whole_horizon`` maps ``(n, window)`` to ``(n, horizon)``).

    No prediction is fed back, so errors do not compound; instead each step ahead has its own
    output, trained on its own targets. Returns ``(n, horizon)``, checked. The model gets a
    copy of the windows: one that changes its input in place leaves the caller's array alone."""
    windows = _as_windows(inputs)
    horizon = _positive_int(horizon, "horizon")
    if not callable(whole_horizon):
        raise ValueError(f"whole_horizon must be a function, got {type(whole_horizon).__name__}")
    forecasts = _model_output(whole_horizon(windows.copy()), "")
    if forecasts.shape != (windows.shape[0], horizon):
        raise ValueError(
            f"the model returned shape {forecasts.shape}, expected {(windows.shape[0], horizon)}"
        )
    return forecasts


# --------------------------------------------------------------------------- errors
def _pair(actual: Any, forecast: Any) -> tuple[np.ndarray, np.ndarray]:
    actual = np.asarray(actual, dtype=np.float64)
    forecast = np.asarray(forecast, dtype=np.float64)
    if actual.shape != forecast.shape or actual.size == 0:
        raise ValueError(
            f"actual {actual.shape} and forecast {forecast.shape} must have one non-empty shape"
        )
    if not (np.isfinite(actual).all() and np.isfinite(forecast).all()):
        raise ValueError("actual or forecast has NaN or infinite values")
    return actual, forecast


def mae(actual: Any, forecast: Any, axis: int | None = None) -> Any:
    """Mean absolute error (over ``axis``; ``axis=0`` of ``(origins, horizon)`` arrays gives
    the error at each step ahead)."""
    actual, forecast = _pair(actual, forecast)
    return np.abs(actual - forecast).mean(axis=axis)


def rmse(actual: Any, forecast: Any, axis: int | None = None) -> Any:
    """Root mean squared error: like MAE, but large misses count more."""
    actual, forecast = _pair(actual, forecast)
    return np.sqrt(((actual - forecast) ** 2).mean(axis=axis))


def naive_scale(train: Any, lag: int = 1) -> float:
    """The MAE of the naive forecast "the value ``lag`` weeks earlier" over the training
    period: MASE's yardstick (Hyndman & Koehler 2006). ``lag=1`` is the last value,
    ``lag=52`` the seasonal naive."""
    train = _as_series(train, "train")
    lag = _positive_int(lag, "lag")
    if train.size <= lag:
        raise ValueError(f"{train.size} training weeks are too few for a lag of {lag}")
    scale = float(np.abs(train[lag:] - train[:-lag]).mean())
    if scale == 0.0:
        raise ValueError(
            "the naive forecast is perfect on the training period: nothing to scale by"
        )
    return scale


def mase(actual: Any, forecast: Any, scale: float, axis: int | None = None) -> Any:
    """Mean absolute scaled error: the MAE divided by ``scale`` (:func:`naive_scale` of the
    training period). Below 1, the forecast beats what the naive forecast did in training."""
    if _real(scale, "scale") <= 0:
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    return mae(actual, forecast, axis=axis) / scale


def skill_score(error: Any, reference_error: Any) -> Any:
    """``1 - error / reference_error``: 0 means no better than the reference (say, the last
    value), 1 a perfect forecast, below 0 worse than the reference. Errors are MAE or RMSE
    computed on the same weeks."""
    error = np.asarray(error, dtype=np.float64)
    reference = np.asarray(reference_error, dtype=np.float64)
    if error.shape != reference.shape:
        raise ValueError(f"error {error.shape} and reference {reference.shape} differ in shape")
    if not (np.isfinite(error).all() and np.isfinite(reference).all()):
        raise ValueError("errors must be finite numbers")
    if (error < 0).any() or (reference <= 0).any():
        raise ValueError("errors must be >= 0 and the reference's > 0")
    return 1.0 - error / reference


def errors_at_horizons(actual: Any, forecast: Any, horizons: Sequence[int]) -> np.ndarray:
    """The MAE at each of ``horizons`` (1 = one step ahead) of ``(origins, horizon)`` arrays."""
    per_step = mae(actual, forecast, axis=0)
    if np.ndim(per_step) != 1:
        raise ValueError("actual and forecast must be (origins, horizon) arrays")
    steps = [_positive_int(h, "a horizon") for h in horizons]
    if not steps or max(steps) > per_step.size:
        raise ValueError(f"horizons must be non-empty and at most {per_step.size}, got {horizons}")
    return per_step[np.array(steps) - 1]
