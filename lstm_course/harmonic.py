"""Dynamic harmonic regression: the standard statistical model for weekly data.

A year is 365.25 days, 52.18 weeks, so a season of 52 weeks (Holt–Winters' ``seasonal_periods``,
the seasonal naive forecast) slides out of phase by about a day a year. Hyndman &
Athanasopoulos (*Forecasting: Principles and Practice*, section 12.1) describe the model for
such data: the season as a few **Fourier terms** of the calendar day (sin and cos of
2πk·day/365.25), which stay in phase by construction, and **ARIMA errors** for the rest
(here ARIMA(1,1,1) with a drift: the trend).

:class:`HarmonicRegression` fits it once with ``statsmodels``' ``SARIMAX`` on the training
period, then forecasts from every origin with those parameters: a Kalman filter runs over the
series (it is causal, so its state at week t knows weeks up to t only) and each origin's
forecast and its variance are carried forward from that state. No refit, and one filter pass
instead of one model per origin.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Days in the calendar year the Fourier terms follow.
YEAR_DAYS = 365.25


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
    angle = 2 * np.pi * np.outer(days, np.arange(1, int(pairs) + 1)) / float(period)
    return np.stack([np.sin(angle), np.cos(angle)], axis=2).reshape(days.size, 2 * int(pairs))


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


@dataclass(frozen=True)
class HarmonicRegression:
    """ARIMA errors around Fourier terms, fitted once (``results``: statsmodels' fit)."""

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
        origins = np.asarray(origins)
        if origins.ndim != 1 or origins.size == 0 or not np.issubdtype(origins.dtype, np.integer):
            raise ValueError("origins must be a non-empty 1-D array of ints")
        if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1:
            raise ValueError(f"horizon must be a positive int, got {horizon!r}")
        if origins.min() < 0 or origins.max() + horizon >= series.size:
            raise ValueError(f"origins + horizon must stay inside the {series.size} weeks")
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
