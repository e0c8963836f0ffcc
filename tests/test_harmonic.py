"""Dynamic harmonic regression (lesson 7): Fourier terms, and forecasts from every origin that
equal statsmodels' own forecast made from that origin's data alone."""

import numpy as np
import pytest

from lstm_course.harmonic import HarmonicRegression, TrendFourierRegression, fourier_terms


def test_fourier_terms_follow_the_calendar_year():
    days = np.array([0.0, 365.25 / 4, 365.25])
    terms = fourier_terms(days, 2)
    assert terms.shape == (3, 4)
    np.testing.assert_allclose(terms[0], [0, 1, 0, 1], atol=1e-12)
    np.testing.assert_allclose(terms[1, :2], [1, 0], atol=1e-12)  # a quarter year: sin = 1
    np.testing.assert_allclose(terms[2], terms[0], atol=1e-12)  # one year later, in phase


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    days = np.arange(400) * 7.0
    exog = fourier_terms(days, 2)
    series = 300 + 0.02 * np.arange(400) + exog @ [3.0, -1.0, 0.5, 0.2]
    series = series + rng.normal(scale=0.3, size=400).cumsum() * 0.2
    return HarmonicRegression.fit(series[:300], exog[:300]), series, exog


def test_forecasts_from_every_origin_equal_statsmodels_from_that_origin(fitted):
    model, series, exog = fitted
    origins = np.array([299, 320, 340])
    mean, std = model.forecasts(series, exog, origins, 8)
    assert model.parameters == 8  # drift, 4 Fourier weights, AR, MA, noise variance
    for row, origin in enumerate(origins):
        alone = model.results.apply(series[: origin + 1], exog=exog[: origin + 1])
        forecast = alone.get_forecast(8, exog=exog[origin + 1 : origin + 9])
        np.testing.assert_allclose(mean[row], forecast.predicted_mean, atol=1e-8)
        np.testing.assert_allclose(std[row], np.sqrt(forecast.var_pred_mean), atol=1e-8)


def test_a_forecast_never_reads_weeks_after_its_origin(fitted):
    model, series, exog = fitted
    changed = series.copy()
    changed[331:] += 100.0  # the future changes, the forecast from week 330 must not
    before = model.forecasts(series, exog, np.array([330]), 5)
    after = model.forecasts(changed, exog, np.array([330]), 5)
    np.testing.assert_array_equal(before[0], after[0])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda m, s, x: m.forecasts(s, x, np.array([395]), 10), "inside"),
        (lambda m, s, x: m.forecasts(s, x[:, :2].T, np.array([5]), 1), "exog"),
        (lambda m, s, x: m.forecasts(s, x, [1.5], 1), "ints"),
        (lambda m, s, x: m.forecasts(s, x, np.array([5]), 0), "horizon"),
        (lambda m, s, x: m.forecasts(np.r_[s[:-1], np.nan], x, np.array([5]), 1), "NaN"),
        (lambda m, s, x: fourier_terms([1.0, np.inf], 2), "finite"),
        (lambda m, s, x: fourier_terms([1.0], 0), "pairs"),
    ],
)
def test_bad_input_is_one_clear_error(fitted, call, message):
    model, series, exog = fitted
    with pytest.raises(ValueError, match=message):
        call(model, series, exog)


# --------------------------------------------------------------------------- the OLS regression
def _line_and_season(n=520, slope=1.5, weights=(2.0, -1.0, 0.4, 0.3)):
    days = np.arange(n) * 7.0
    curve = 300.0 + slope * days / 365.25 + fourier_terms(days, 2) @ np.array(weights)
    return days, curve


def test_trend_fourier_regression_recovers_a_line_and_a_calendar_season_exactly():
    days, series = _line_and_season()
    for anchor in (0, 1, 8):
        model = TrendFourierRegression.fit(series[:300], days[:300], pairs=2, anchor=anchor)
        assert model.slope == pytest.approx(1.5) and model.coef.size == 6
        origins = np.arange(300, 460, 7)
        forecast = model.forecasts(series, days, origins, 52)
        truth = series[origins[:, None] + np.arange(1, 53)]
        np.testing.assert_allclose(forecast, truth, atol=1e-8)


def test_the_anchor_moves_forecasts_to_where_the_series_stands_now():
    days, series = _line_and_season()
    shifted = series.copy()
    shifted[300:] += 2.5  # after training the series stands 2.5 above the fitted curve
    origins = np.arange(320, 400)
    truth = shifted[origins[:, None] + np.arange(1, 27)]
    alone = TrendFourierRegression.fit(shifted[:300], days[:300], 2, anchor=0)
    anchored = TrendFourierRegression.fit(shifted[:300], days[:300], 2, anchor=8)
    np.testing.assert_allclose(alone.forecasts(shifted, days, origins, 26), truth - 2.5, atol=1e-8)
    np.testing.assert_allclose(anchored.forecasts(shifted, days, origins, 26), truth, atol=1e-8)


def test_trend_fourier_forecasts_never_read_weeks_after_their_origin_nor_filled_weeks():
    days, series = _line_and_season()
    series = series + np.random.default_rng(3).normal(scale=0.2, size=series.size)
    model = TrendFourierRegression.fit(series[:300], days[:300], 2, anchor=4)
    changed = series.copy()
    changed[351:] += 100.0
    before = model.forecasts(series, days, np.array([350]), 10)
    np.testing.assert_array_equal(before, model.forecasts(changed, days, np.array([350]), 10))
    measured = np.ones(300, dtype=bool)
    measured[[40, 41, 200]] = False
    spoiled = series[:300].copy()
    spoiled[~measured] = 1e4  # what a filled week holds does not move the fit
    fit = TrendFourierRegression.fit(spoiled, days[:300], 2, 4, measured=measured)
    clean = TrendFourierRegression.fit(series[:300], days[:300], 2, 4, measured=measured)
    np.testing.assert_allclose(fit.coef, clean.coef, atol=1e-9)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s, d: TrendFourierRegression.fit(s, d, pairs=0), "pairs"),
        (lambda s, d: TrendFourierRegression.fit(s, d, anchor=-1), "anchor"),
        (lambda s, d: TrendFourierRegression.fit(s, d, anchor=2.0), "anchor"),
        (lambda s, d: TrendFourierRegression.fit(s, d[:-1]), "one number per week"),
        (lambda s, d: TrendFourierRegression.fit(s, "x"), "days must be numbers"),
        (lambda s, d: TrendFourierRegression.fit(s[:12], d[:12], pairs=5), "too few"),
        (lambda s, d: TrendFourierRegression.fit(s, d, measured=np.ones(3, bool)), "booleans"),
        (lambda s, d: TrendFourierRegression.fit(s, d, 2, 8).forecasts(s, d, [3], 5), "origins"),
        (lambda s, d: TrendFourierRegression.fit(s, d, 2, 8).forecasts(s, d, [515], 5), "inside"),
    ],
)
def test_trend_fourier_bad_input_is_one_clear_error(call, message):
    days, series = _line_and_season()
    with pytest.raises(ValueError, match=message):
        call(series, days)
