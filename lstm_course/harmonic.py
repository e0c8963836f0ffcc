"""Regression on the calendar: the standard statistical models for weekly data.

A year is 365.25 days, 52.18 weeks, so a season of 52 weeks (Holt–Winters' ``seasonal_periods``,
the seasonal naive forecast) slides out of phase by about a day a year. Hyndman &
Athanasopoulos (*Forecasting: Principles and Practice*, 3rd edition: FPP3) describe the season
of such data by a few **Fourier terms** of the calendar day (sin and cos of 2πk·day/365.25),
which stay in phase by construction: in a linear regression (section 7.4), with ARIMA errors
(dynamic harmonic regression, section 10.5), and for weekly data in particular (section 13.1).
Two such models here, both fitted once on the training period:

- :class:`TrendFourierRegression`: a straight line and Fourier terms fitted by ordinary least
  squares, its forecasts moved by the mean residual of the last weeks before the origin (the
  *anchor*: where the series stands now against the line). A dozen numbers, one solve;
- :class:`HarmonicRegression`: the Fourier terms with ARIMA(1,1,1) errors and a drift, fitted
  by ``statsmodels``' ``SARIMAX``; a Kalman filter runs over the series (it is causal, so its
  state at week t knows weeks up to t only) and each origin's forecast and its variance are
  carried forward from that state. No refit, and one filter pass instead of one model per
  origin. It reads every week as measured: weeks filled by interpolation are data to it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Days in the calendar year the Fourier terms follow.
YEAR_DAYS = 365.25


#: The most numbers :func:`fourier_terms` makes (0.8 GB of float64); beyond it, a one-line
#: ValueError, not a MemoryError.
MAX_FOURIER_CELLS = 100_000_000


def fourier_terms(days: Any, pairs: int, period: float = YEAR_DAYS) -> np.ndarray:
    """``(n, 2 * pairs)`` columns ``sin(2πk·day/period), cos(2πk·day/period)`` for k = 1 ..
    ``pairs``: a smooth season of any shape, in phase with the calendar."""
    try:
        days = np.asarray(days, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"days must be numbers, got {type(days).__name__}") from None
    if days.ndim != 1 or days.size == 0 or not np.isfinite(days).all():
        raise ValueError(f"days must be a non-empty 1-D array of finite numbers, got {days.shape}")
    if isinstance(pairs, bool) or not isinstance(pairs, (int, np.integer)) or pairs < 1:
        raise ValueError(f"pairs must be a positive int, got {pairs!r}")
    if isinstance(period, bool) or not np.isfinite(period) or period <= 0:
        raise ValueError(f"period must be a positive number, got {period!r}")
    if 2 * int(pairs) * days.size > MAX_FOURIER_CELLS:  # checked before any allocation
        raise ValueError(
            f"{pairs:,} pairs for {days.size:,} days make {2 * int(pairs) * days.size:,} numbers, "
            f"more than the {MAX_FOURIER_CELLS:,} this function makes (a season needs a few "
            "pairs: more than period / 2 only repeat them)"
        )
    angle = 2 * np.pi * np.outer(days, np.arange(1, int(pairs) + 1)) / float(period)
    return np.stack([np.sin(angle), np.cos(angle)], axis=2).reshape(days.size, 2 * int(pairs))


def _count(value: Any, what: str, least: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{what} must be an int >= {least}, got {value!r}")
    if value < least:
        raise ValueError(f"{what} must be an int >= {least}, got {value!r}")
    return int(value)


def _origins(origins: Any, length: int, horizon: Any, earliest: int = 0) -> tuple[np.ndarray, int]:
    """Origins as a non-empty 1-D int array whose forecasts stay inside ``length`` weeks."""
    origins = np.asarray(origins)
    if origins.ndim != 1 or origins.size == 0 or not np.issubdtype(origins.dtype, np.integer):
        raise ValueError("origins must be a non-empty 1-D array of ints")
    horizon = _count(horizon, "horizon", 1)
    if origins.min() < earliest or origins.max() + horizon >= length:
        raise ValueError(
            f"origins must lie in {earliest}..{length - 1 - horizon} so that their forecasts "
            f"stay inside the {length} weeks"
        )
    return origins, horizon


def _checked(series: Any, exog: Any) -> tuple[np.ndarray, np.ndarray]:
    series = np.asarray(series, dtype=np.float64)
    exog = np.asarray(exog, dtype=np.float64)
    if series.ndim != 1 or series.size < 10:
        raise ValueError(f"series must be 1-D with at least 10 values, got {series.shape}")
    if exog.ndim != 2 or exog.shape[0] != series.size:
        raise ValueError(f"exog must have shape ({series.size}, k), got {exog.shape}")
    if not (np.isfinite(series).all() and np.isfinite(exog).all()):
        raise ValueError("series or exog has NaN or infinite values")
    return series, exog


def _with_days(series: Any, days: Any) -> tuple[np.ndarray, np.ndarray]:
    """The series and its days (one number per week), checked as :func:`_checked` does."""
    try:
        days = np.asarray(days, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"days must be numbers, got {type(days).__name__}") from None
    if days.ndim != 1:
        raise ValueError(f"days must be 1-D, one number per week, got shape {days.shape}")
    series = np.asarray(series)
    if days.shape != series.shape:
        raise ValueError(f"days must have one number per week: {days.size} for {series.size}")
    series, days = _checked(series, days[:, None])
    return series, days[:, 0]


@dataclass(frozen=True)
class HarmonicRegression:
    """ARIMA errors around Fourier terms (dynamic harmonic regression, FPP3 section 10.5),
    fitted once (``results``: statsmodels' fit)."""

    results: Any

    @classmethod
    def fit(cls, train: Any, train_exog: Any, order: tuple[int, int, int] = (1, 1, 1)) -> Any:
        """Maximum likelihood on the training period only. ``cov_type="none"`` skips the
        parameters' standard errors, which the forecasts do not need (it halves the time)."""
        from statsmodels.tsa.statespace.sarimax import SARIMAX  # only lesson 7 needs it

        train, train_exog = _checked(train, train_exog)
        model = SARIMAX(train, exog=train_exog, order=order, trend="c")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence chatter from the optimizer
            results = model.fit(disp=False, cov_type="none")
        return cls(results)

    @property
    def parameters(self) -> int:
        """How many numbers the fit estimated."""
        return int(np.size(self.results.params))

    def forecasts(
        self, series: Any, exog: Any, origins: Any, horizon: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(mean, std)``, each ``(origins, horizon)``: the forecast from every origin t
        (using weeks up to t, with the training fit's parameters) and its standard deviation.
        ``exog`` must cover the horizon after the last origin (Fourier terms are known ahead)."""
        series, exog = _checked(series, exog)
        origins, horizon = _origins(origins, series.size, horizon)
        filtered = self.results.apply(series, exog=exog).filter_results
        transition, design = filtered.transition[:, :, 0], filtered.design[0, :, 0]
        noise = filtered.selection[:, :, 0] @ filtered.state_cov[:, :, 0]
        noise = noise @ filtered.selection[:, :, 0].T
        state = filtered.filtered_state[:, origins]  # (k, n): what week t knows
        cov = np.moveaxis(filtered.filtered_state_cov[:, :, origins], 2, 0)  # (n, k, k)
        intercept = np.broadcast_to(filtered.state_intercept, (state.shape[0], series.size))
        obs_intercept = np.broadcast_to(filtered.obs_intercept[0], (series.size,))
        mean = np.empty((origins.size, horizon))
        var = np.empty((origins.size, horizon))
        for step in range(1, horizon + 1):
            state = transition @ state + intercept[:, origins + step - 1]  # c_t: t -> t+1
            cov = transition @ cov @ transition.T + noise
            mean[:, step - 1] = design @ state + obs_intercept[origins + step]
            var[:, step - 1] = (
                np.einsum("i,nij,j->n", design, cov, design) + filtered.obs_cov[0, 0, 0]
            )
        return mean, np.sqrt(var)


@dataclass(frozen=True)
class TrendFourierRegression:
    """A straight line and ``pairs`` Fourier pairs of the calendar, fitted by ordinary least
    squares on the training period (FPP3 section 7.4); each forecast is the fitted curve at
    the target week plus the mean residual of the ``anchor`` weeks up to the origin.

    Why the anchor: the line is fitted to the training years, and a series that wanders away
    from it (CO2 rose faster after them) would be forecast from where the line says it should
    be, not from where it is. The recent residual moves the forecast to the series' current
    level and keeps the line's slope and the season's shape. ``anchor=0``: no anchor, the
    regression alone. ``pairs`` and ``anchor`` are choices for validation."""

    coef: np.ndarray  # intercept, slope (per year), then sin/cos weights of pairs 1 .. pairs
    pairs: int
    anchor: int

    @staticmethod
    def design(days: Any, pairs: int) -> np.ndarray:
        """``(n, 2 + 2 * pairs)``: 1, the time in years, and :func:`fourier_terms`."""
        terms = fourier_terms(days, pairs)
        days = np.asarray(days, dtype=np.float64)
        return np.column_stack([np.ones(days.size), days / YEAR_DAYS, terms])

    @classmethod
    def fit(
        cls, train: Any, train_days: Any, pairs: int = 3, anchor: int = 8, measured: Any = None
    ) -> TrendFourierRegression:
        """Least squares on the training weeks (only the ``measured`` ones, a boolean per
        week, if given: a week filled by interpolation is a guess, not an observation)."""
        pairs, anchor = _count(pairs, "pairs", 1), _count(anchor, "anchor", 0)
        train, days = _with_days(train, train_days)
        rows = np.ones(train.size, dtype=bool) if measured is None else np.asarray(measured)
        if rows.dtype != np.bool_ or rows.shape != train.shape:
            raise ValueError(
                f"measured must be {train.size} booleans, got {rows.dtype} {rows.shape}"
            )
        design = cls.design(days, pairs)
        if rows.sum() <= design.shape[1]:
            raise ValueError(f"{rows.sum()} weeks are too few for {design.shape[1]} coefficients")
        coef = np.linalg.lstsq(design[rows], train[rows], rcond=None)[0]
        return cls(coef, pairs, anchor)

    @property
    def slope(self) -> float:
        """The fitted trend, in the series' unit per year."""
        return float(self.coef[1])

    def curve(self, days: Any) -> np.ndarray:
        """The fitted line plus season at any days (the calendar is known ahead)."""
        return self.design(days, self.pairs) @ self.coef

    def forecasts(self, series: Any, days: Any, origins: Any, horizon: int) -> np.ndarray:
        """``(origins, horizon)`` forecasts: from origin t, the curve at t+1 .. t+horizon plus
        the mean of ``series - curve`` over weeks t-anchor+1 .. t. Reads no week after t."""
        series, days = _with_days(series, days)
        origins, horizon = _origins(origins, series.size, horizon, earliest=self.anchor - 1)
        curve = self.curve(days)
        ahead = curve[origins[:, None] + np.arange(1, horizon + 1)]
        if self.anchor == 0:
            return ahead
        running = np.r_[0.0, np.cumsum(series - curve)]
        level = (running[origins + 1] - running[origins + 1 - self.anchor]) / self.anchor
        return ahead + level[:, None]
