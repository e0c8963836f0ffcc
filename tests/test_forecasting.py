"""The forecasting toolkit of lesson 7, on series whose right answers are known."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_lessons_agree import lesson_function  # the lesson's own code, read from its notebook

from lstm_course import forecasting as fc

SEASON = 12


def sine(n: int, period: int = SEASON, trend: float = 0.0) -> np.ndarray:
    t = np.arange(n)
    return np.sin(2 * np.pi * t / period) + trend * t


# --------------------------------------------------------------------------- data
def test_fill_gaps_interpolates_between_the_neighbours_only():
    filled = fc.fill_gaps([1.0, np.nan, np.nan, 4.0, 10.0, np.nan, 12.0])
    np.testing.assert_array_equal(filled, [1, 2, 3, 4, 10, 11, 12])


def test_fill_gaps_leaves_a_complete_series_alone_and_never_changes_its_input():
    values = np.array([3.0, np.nan, 5.0])
    np.testing.assert_array_equal(fc.fill_gaps([1.0, 2.0]), [1.0, 2.0])
    fc.fill_gaps(values)
    assert np.isnan(values[1])


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([np.nan, 1.0], "starts or ends"),
        ([1.0, np.nan], "starts or ends"),
        ([[1.0, 2.0]], "1-D"),
        ([], "1-D"),
        (["a", "b"], "numbers"),
        ([1.0, np.inf], "infinite"),
    ],
)
def test_fill_gaps_refuses_what_it_cannot_fill(values, message):
    with pytest.raises(ValueError, match=message):
        fc.fill_gaps(values)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(3, 200).flatmap(
        lambda n: st.tuples(st.just(n), st.integers(1, n - 2), st.integers(1, n - 2))
    )
)
def test_split_never_lets_a_later_time_into_an_earlier_period(args):
    n, a, b = args
    val_start, test_start = sorted((a, b + 1)) if a != b + 1 else (a, a + 1)
    if test_start >= n:
        return
    times = np.arange(n) * 7 + 1000  # weeks, as plain numbers
    train, val, test = fc.chronological_split(times, times[val_start], times[test_start])
    assert train.stop == val.start and val.stop == test.start and test.stop == n
    assert times[train].max() < times[val].min() <= times[val].max() < times[test].min()
    assert (times[train] < times[val_start]).all() and (times[test] >= times[test_start]).all()
    scaler = fc.Standardizer.fit(np.arange(n, dtype=float)[train]) if train.stop > 1 else None
    if scaler is not None:  # fitted on training only: no test value moved it
        assert scaler.mean == pytest.approx(np.arange(train.stop).mean())


def test_split_works_with_dates():
    import pandas as pd

    times = pd.date_range("2000-01-01", periods=10, freq="W")
    train, val, test = fc.chronological_split(
        times, pd.Timestamp("2000-02-01"), pd.Timestamp("2000-02-20")
    )
    assert (train, val, test) == (slice(0, 5), slice(5, 7), slice(7, 10))


@pytest.mark.parametrize(
    ("times", "val_start", "test_start", "message"),
    [
        ([1, 3, 2, 4], 2, 3, "increase strictly"),
        ([1, 2, 3, 4], 3, 2, "must come before"),
        ([1, 2, 3, 4], 0, 3, "empty period"),
        ([1, 2, 3, 4], 2, 9, "empty period"),
        ([1, 2], 1, 2, "at least 3"),
        ([1, 2, 3, 4], "b", "c", "comparable"),
        ([1, 2, 3, 4], None, None, "comparable"),
    ],
)
def test_split_refuses_bad_input(times, val_start, test_start, message):
    with pytest.raises(ValueError, match=message):
        fc.chronological_split(times, val_start, test_start)


def test_scaler_fitted_on_training_only_does_not_see_the_test_level():
    series = np.concatenate([np.zeros(50), np.full(50, 100.0)])
    series[:50] += np.arange(50) % 2  # some spread
    train, _, _ = fc.chronological_split(np.arange(100), 50, 75)
    scaler = fc.Standardizer.fit(series[train])
    assert scaler.mean == pytest.approx(0.5) and scaler.std == pytest.approx(0.5)
    np.testing.assert_allclose(scaler.inverse(scaler.transform(series)), series)
    assert scaler.transform(series)[-1] == pytest.approx(199.0)  # far outside training's range


@pytest.mark.parametrize("values", [[1.0, 1.0, 1.0], [1.0, np.nan], [[1.0]], "abc"])
def test_scaler_refuses_what_it_cannot_fit(values):
    with pytest.raises(ValueError):
        fc.Standardizer.fit(values)


# --------------------------------------------------------------------------- windows
@settings(max_examples=60, deadline=None)
@given(st.integers(20, 120), st.integers(1, 12), st.integers(1, 8), st.integers(0, 60))
def test_windows_have_the_right_shapes_and_values(n, window, horizon, start):
    series = np.arange(n, dtype=float) * 10
    part = slice(min(start, n - 1), n)
    try:
        origins = fc.forecast_origins(n, window, horizon, part)
    except ValueError:
        assert n - max(window, part.start) < horizon or part.stop - part.start <= horizon
        return
    inputs, targets = fc.make_windows(series, origins, window, horizon)
    assert inputs.shape == (origins.size, window) and targets.shape == (origins.size, horizon)
    # every target inside the period, every input before its targets and inside the series
    assert (origins + 1 >= part.start).all() and (origins + horizon < part.stop).all()
    assert (origins - window + 1 >= 0).all()
    np.testing.assert_array_equal(inputs[:, -1], series[origins])
    np.testing.assert_array_equal(targets[:, 0], series[origins + 1])
    np.testing.assert_array_equal(np.diff(inputs, axis=1), 10.0)
    # and the origins are all there are: one earlier or one later would break a rule
    first, last = origins[0], origins[-1]
    assert first - 1 < window - 1 or first < part.start
    assert last + 1 + horizon >= part.stop


def test_training_windows_never_reach_the_validation_period():
    n = 100
    train, val, _ = fc.chronological_split(np.arange(n), 60, 80)
    origins = fc.forecast_origins(n, 10, 5, train)
    inputs, targets = fc.make_windows(np.arange(n, dtype=float), origins, 10, 5)
    assert inputs.max() < val.start and targets.max() < val.start


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((100, 0, 1, slice(0, 100)), "window"),
        ((100, 5, 1.5, slice(0, 100)), "horizon"),
        ((100, 5, 1, slice(0, 100, 2)), "slice"),
        ((100, 5, 1, (0, 100)), "slice"),
        ((100, 5, 10, slice(90, 95)), "no origin fits"),
        ((10, 20, 1, slice(0, 10)), "no origin fits"),
    ],
)
def test_origins_refuse_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        fc.forecast_origins(*args)


@pytest.mark.parametrize(
    ("series", "origins", "message"),
    [
        (np.arange(20.0), np.array([2]), "must lie in"),
        (np.arange(20.0), np.array([19]), "must lie in"),
        (np.arange(20.0), np.array([5.0]), "ints"),
        (np.r_[np.arange(19.0), np.nan], np.array([5]), "NaN"),
        (np.ones((4, 5)), np.array([5]), "1-D"),
    ],
)
def test_windows_refuse_bad_input(series, origins, message):
    with pytest.raises(ValueError, match=message):
        fc.make_windows(series, origins, 4, 2)


# --------------------------------------------------------------------------- baselines
def test_seasonal_naive_on_a_pure_sine_has_zero_error_at_every_horizon():
    series = sine(400)
    origins = fc.forecast_origins(400, 3 * SEASON, 2 * SEASON + 5, slice(200, 400))
    inputs, targets = fc.make_windows(series, origins, 3 * SEASON, 2 * SEASON + 5)
    forecast = fc.seasonal_naive_forecast(inputs, 2 * SEASON + 5, season=SEASON)
    assert fc.mae(targets, forecast) < 1e-12
    assert fc.mae(targets, fc.last_value_forecast(inputs, 2 * SEASON + 5)) > 0.5


def test_seasonal_naive_takes_the_value_one_season_back():
    inputs = np.arange(10.0)[None]  # last seen week is 9
    np.testing.assert_array_equal(
        fc.seasonal_naive_forecast(inputs, 9, season=4), [[6, 7, 8, 9, 6, 7, 8, 9, 6]]
    )
    with pytest.raises(ValueError, match="shorter than the season"):
        fc.seasonal_naive_forecast(inputs, 2, season=11)


def test_last_value_repeats_the_last_week():
    np.testing.assert_array_equal(
        fc.last_value_forecast([[1, 2, 3], [4, 5, 6]], 2),
        [
            [3, 3],
            [6, 6],
        ],
    )


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-2, 2), min_size=3, max_size=3), st.floats(-5, 5))
def test_linear_ar_recovers_a_linear_rule_exactly(weights, bias):
    rng = np.random.default_rng(0)
    inputs = rng.normal(size=(50, 3))
    targets = inputs @ np.array(weights) + bias
    model = fc.LinearAR.fit(inputs, targets)
    np.testing.assert_allclose(model.predict(inputs)[:, 0], targets, atol=1e-8)
    np.testing.assert_allclose(model.weights[:, 0], weights, atol=1e-8)


def test_linear_ar_ridge_shrinks_the_weights_and_checks_shapes():
    rng = np.random.default_rng(1)
    inputs = rng.normal(size=(40, 4))
    targets = np.c_[inputs[:, 0] * 3, inputs[:, 1] - 1]  # two outputs: a direct model
    plain, shrunk = fc.LinearAR.fit(inputs, targets), fc.LinearAR.fit(inputs, targets, ridge=100)
    assert plain.predict(inputs).shape == (40, 2)
    assert np.abs(shrunk.weights).sum() < np.abs(plain.weights).sum()
    with pytest.raises(ValueError, match="windows of 3"):
        plain.predict(inputs[:, :3])
    with pytest.raises(ValueError, match="targets must have shape"):
        fc.LinearAR.fit(inputs, targets[:5])
    with pytest.raises(ValueError, match="ridge"):
        fc.LinearAR.fit(inputs, targets, ridge=-1)


# --------------------------------------------------------------------------- many steps
@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6), st.integers(1, 10), st.integers(1, 20), st.integers(0, 2**31 - 1))
def test_recursive_forecast_of_a_copy_model_is_the_last_value(n, window, horizon, seed):
    inputs = np.random.default_rng(seed).normal(size=(n, window))
    copy = fc.recursive_forecast(lambda w: w[:, -1], inputs, horizon)
    np.testing.assert_array_equal(copy, fc.last_value_forecast(inputs, horizon))


def test_recursive_forecast_feeds_its_own_predictions_back():
    # "next = the sum of the last two" from (1, 1): the Fibonacci numbers
    fib = fc.recursive_forecast(lambda w: w[:, -1] + w[:, -2], [[1.0, 1.0]], 6)
    np.testing.assert_array_equal(fib, [[2, 3, 5, 8, 13, 21]])
    # a one-season-back model fed its own output is the seasonal naive forecast
    inputs = sine(30)[None]
    np.testing.assert_allclose(
        fc.recursive_forecast(lambda w: w[:, -SEASON], inputs, 20),
        fc.seasonal_naive_forecast(inputs, 20, season=SEASON),
    )


def test_direct_forecast_checks_what_the_model_returns():
    inputs = np.ones((3, 4))
    np.testing.assert_array_equal(
        fc.direct_forecast(lambda w: w[:, :2] * 2, inputs, 2), 2 * np.ones((3, 2))
    )
    with pytest.raises(ValueError, match="expected"):
        fc.direct_forecast(lambda w: w, inputs, 2)
    with pytest.raises(ValueError, match="function"):
        fc.direct_forecast("model", inputs, 2)


def test_recursive_forecast_refuses_bad_models_and_inputs():
    with pytest.raises(ValueError, match="returned 1 values for 2"):
        fc.recursive_forecast(lambda w: w[0, -1], np.ones((2, 3)), 2)
    with pytest.raises(ValueError, match="NaN"):
        fc.recursive_forecast(lambda w: w[:, -1], [[1.0, np.nan]], 2)
    with pytest.raises(ValueError, match=r"shape \(n, window\)"):
        fc.recursive_forecast(lambda w: w[:, -1], [1.0, 2.0], 2)
    with pytest.raises(ValueError, match="horizon"):
        fc.recursive_forecast(lambda w: w[:, -1], [[1.0, 2.0]], 0)


# --------------------------------------------------------------------------- errors
def test_errors_on_known_numbers():
    actual, forecast = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[2.0, 2.0], [3.0, 8.0]])
    assert fc.mae(actual, forecast) == pytest.approx(5 / 4)
    np.testing.assert_allclose(fc.mae(actual, forecast, axis=0), [0.5, 2.0])
    assert fc.rmse(actual, forecast) == pytest.approx(math.sqrt(17 / 4))
    np.testing.assert_allclose(fc.errors_at_horizons(actual, forecast, [2, 1]), [2.0, 0.5])
    assert fc.naive_scale([1.0, 3.0, 2.0, 6.0]) == pytest.approx(7 / 3)
    assert fc.naive_scale([1.0, 3.0, 2.0, 6.0], lag=2) == pytest.approx(2.0)
    assert fc.mase(actual, forecast, scale=2.5) == pytest.approx(0.5)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_skill_of_the_naive_forecast_against_itself_is_zero_and_of_a_perfect_one_is_one(seed):
    rng = np.random.default_rng(seed)
    series = np.cumsum(rng.normal(size=200))
    origins = fc.forecast_origins(200, 5, 3, slice(100, 200))
    inputs, targets = fc.make_windows(series, origins, 5, 3)
    naive = fc.mae(targets, fc.last_value_forecast(inputs, 3), axis=0)
    np.testing.assert_array_equal(fc.skill_score(naive, naive), 0.0)
    np.testing.assert_array_equal(fc.skill_score(np.zeros(3), naive), 1.0)
    # MASE of the naive forecast, scaled by its own error on the same weeks, is 1
    assert fc.mase(targets[:, 0], inputs[:, -1], fc.mae(targets[:, 0], inputs[:, -1])) == (
        pytest.approx(1.0)
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: fc.mae([1.0, 2.0], [1.0]), "one non-empty shape"),
        (lambda: fc.mae([1.0, np.nan], [1.0, 2.0]), "NaN"),
        (lambda: fc.mase([1.0], [1.0], scale=0.0), "scale"),
        (lambda: fc.mase([1.0], [1.0], scale=float("nan")), "scale"),
        (lambda: fc.skill_score([1.0], [0.0]), "reference"),
        (lambda: fc.skill_score([1.0, 2.0], [1.0]), "shape"),
        (lambda: fc.skill_score([np.nan], [1.0]), "finite"),
        (lambda: fc.naive_scale([1.0, 1.0, 1.0]), "perfect"),
        (lambda: fc.naive_scale([1.0, 2.0], lag=2), "too few"),
        (lambda: fc.errors_at_horizons(np.ones((2, 3)), np.ones((2, 3)), [4]), "at most 3"),
        (lambda: fc.errors_at_horizons(np.ones(3), np.ones(3), [1]), "origins, horizon"),
    ],
)
def test_errors_refuse_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --------------------------------------------------------------------------- the lesson
LESSON = "07_forecasting_honestly.ipynb"


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 5), st.integers(1, 4), st.integers(1, 30), st.integers(0, 2**31 - 1))
def test_lesson7_baselines_are_the_packages(n, seasons, horizon, seed):
    last_value = lesson_function(LESSON, "last_value", {"np": np})
    seasonal_naive = lesson_function(LESSON, "seasonal_naive", {"np": np})
    season = 7
    windows = np.random.default_rng(seed).normal(size=(n, season * seasons))
    np.testing.assert_array_equal(
        seasonal_naive(windows, horizon, season=season),
        fc.seasonal_naive_forecast(windows, horizon, season=season),
    )
    np.testing.assert_array_equal(
        last_value(windows, horizon), fc.last_value_forecast(windows, horizon)
    )


@settings(max_examples=40, deadline=None)
@given(st.floats(0, 100), st.floats(0.01, 100))
def test_lesson7_skill_score_is_the_packages(error, naive_error):
    skill_score = lesson_function(LESSON, "skill_score")
    assert skill_score(error, naive_error) == pytest.approx(fc.skill_score(error, naive_error))


# --------------------------------------------------------------------------- the strongest naive
def test_seasonal_drift_is_the_mean_yearly_change_of_training():
    series = sine(5 * SEASON, trend=0.1)
    assert fc.seasonal_drift(series, SEASON) == pytest.approx(0.1 * SEASON)


def test_seasonal_naive_with_drift_is_exact_on_a_sine_plus_a_line():
    series = sine(10 * SEASON, trend=0.05)
    origins = fc.forecast_origins(series.size, 2 * SEASON, 2 * SEASON, slice(0, series.size))
    inputs, targets = fc.make_windows(series, origins, 2 * SEASON, 2 * SEASON)
    drift = fc.seasonal_drift(series[: 4 * SEASON], SEASON)
    forecast = fc.seasonal_naive_drift_forecast(inputs, 2 * SEASON, drift, SEASON)
    np.testing.assert_allclose(forecast, targets, atol=1e-9)
    plain = fc.seasonal_naive_forecast(inputs, 2 * SEASON, SEASON)
    assert fc.mae(targets, plain) > 0.5  # without the drift it pays the trend


def test_origins_skip_targets_that_were_filled():
    measured = np.ones(30, dtype=bool)
    measured[[12, 20]] = False
    origins = fc.forecast_origins(30, 4, 3, slice(0, 30), measured=measured)
    for t in origins:
        assert measured[t + 1 : t + 4].all()
    every = fc.forecast_origins(30, 4, 3, slice(0, 30))
    kept = [t for t in every if measured[t + 1 : t + 4].all()]
    np.testing.assert_array_equal(origins, kept)
    with pytest.raises(ValueError, match="booleans"):
        fc.forecast_origins(30, 4, 3, slice(0, 30), measured=np.ones(29, dtype=bool))
    with pytest.raises(ValueError, match="no origin"):
        fc.forecast_origins(30, 4, 3, slice(0, 30), measured=np.zeros(30, dtype=bool))


# --------------------------------------------------------------------------- issue 33, point 9
@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: fc.LinearAR.fit(np.zeros((0, 3)), np.zeros((0, 1))), "0 windows"),
        (
            lambda: fc.LinearAR.fit(np.arange(10.0).reshape(5, 2) ** 3 * 1e200, np.ones(5)),
            "too large",
        ),
        (lambda: fc.LinearAR.fit(np.ones((5, 2)), np.ones(5), ridge=-1), ">= 0"),
        (lambda: fc.LinearAR.fit(np.ones((5, 2)), np.ones(5), ridge="0.1"), "number"),
        (lambda: fc.LinearAR.fit(np.ones((5, 2)), np.ones(5), ridge=np.nan), "finite"),
        (
            lambda: fc.recursive_forecast(lambda w: w[:, -1] * np.nan, np.ones((2, 3)), 4),
            "NaN at step 1",
        ),
        (
            lambda: fc.recursive_forecast(lambda w: w[:, -1] * np.inf, np.ones((2, 3)), 2),
            "infinite",
        ),
        (lambda: fc.recursive_forecast(lambda w: "x", np.ones((2, 3)), 2), "not numbers"),
        (lambda: fc.direct_forecast(lambda w: np.full((2, 4), np.nan), np.ones((2, 3)), 4), "NaN"),
        (lambda: fc.Standardizer.fit([1e308, -1e308]), "overflows"),
        (lambda: fc.seasonal_naive_drift_forecast(np.ones((1, 52)), 3, np.nan), "finite"),
        (lambda: fc.mase([1.0], [2.0], scale=np.float64(-1)), "positive"),
    ],
)
def test_forecasting_inputs_that_once_went_silently_wrong_are_one_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_numpy_scalars_and_empty_origins_are_accepted():
    fc.LinearAR.fit(np.random.default_rng(0).normal(size=(9, 2)), np.ones(9), ridge=np.float32(0.1))
    inputs, targets = fc.make_windows(np.arange(10.0), [], 3, 1)
    assert inputs.shape == (0, 3) and targets.shape == (0, 1)
    assert fc.mase([1.0], [2.0], scale=np.float32(2.0)) == pytest.approx(0.5)
    recursive = fc.recursive_forecast(lambda w: w[:, -1], np.ones((2, 3)), np.int64(2))
    assert recursive.shape == (2, 2)


# ------------------------------------------------------------------- issue 43: the recent drift
def test_seasonal_drift_over_the_last_weeks_follows_an_accelerating_trend():
    t = np.arange(20 * SEASON, dtype=float)
    series = 0.001 * t**2 + sine(t.size)  # the rise per season grows with t
    every_year, recent = (
        fc.seasonal_drift(series, SEASON),
        fc.seasonal_drift(series, SEASON, last=2 * SEASON),
    )
    changes = series[SEASON:] - series[:-SEASON]
    assert recent == pytest.approx(changes[-2 * SEASON :].mean())
    assert recent > every_year  # growth accelerates: the recent years rose faster
    assert fc.seasonal_drift(series, SEASON, last=changes.size) == pytest.approx(every_year)


@pytest.mark.parametrize(
    ("last", "message"), [(0, "positive int"), (2.5, "positive int"), (10_000, "only")]
)
def test_seasonal_drift_refuses_a_bad_window(last, message):
    with pytest.raises(ValueError, match=message):
        fc.seasonal_drift(sine(5 * SEASON), SEASON, last=last)


# ------------------------------------------------------------------- issue 44: inputs in place
def _vandal(windows):
    """A model that scribbles over its input before answering (and answers the last week)."""
    last = windows[:, -1].copy()
    windows[:] = -1e6
    return last


def test_a_model_cannot_change_the_callers_windows_or_its_own_recursion():
    inputs = np.arange(12.0).reshape(2, 6)
    kept = inputs.copy()
    recursive = fc.recursive_forecast(_vandal, inputs, 4)
    np.testing.assert_array_equal(inputs, kept)  # the caller's array is untouched
    np.testing.assert_array_equal(recursive, fc.last_value_forecast(kept, 4))  # and the forecast

    def whole_year(windows):
        answer = np.repeat(windows[:, -1:], 3, axis=1)
        windows += 100.0
        return answer

    direct = fc.direct_forecast(whole_year, inputs, 3)
    np.testing.assert_array_equal(inputs, kept)
    np.testing.assert_array_equal(direct, fc.last_value_forecast(kept, 3))


def test_a_forecast_is_not_an_array_the_model_keeps():
    buffer = np.zeros((2, 3))
    direct = fc.direct_forecast(lambda w: buffer, np.ones((2, 4)), 3)
    buffer += 5.0  # the model reuses its buffer later
    np.testing.assert_array_equal(direct, 0.0)
