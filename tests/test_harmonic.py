"""Dynamic harmonic regression (lesson 7): Fourier terms, and forecasts from every origin that
equal statsmodels' own forecast made from that origin's data alone."""

import numpy as np
import pytest

from lstm_course.harmonic import HarmonicRegression, fourier_terms


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
