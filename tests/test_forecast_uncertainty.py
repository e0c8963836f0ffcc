"""Bias, conformal intervals, coverage and block-bootstrap ties (lesson 7), on known answers."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_course import forecast_uncertainty as fu


def test_bias_is_the_mean_signed_error_per_horizon():
    actual = np.array([[1.0, 2.0], [3.0, 4.0]])
    forecast = np.array([[0.0, 2.5], [2.0, 4.5]])
    np.testing.assert_allclose(fu.bias(actual, forecast), [1.0, -0.5])


@settings(max_examples=30, deadline=None)
@given(st.integers(9, 300), st.floats(0.5, 0.95), st.integers(0, 2**31 - 1))
def test_conformal_half_width_covers_at_least_the_asked_share_of_validation(n, coverage, seed):
    rng = np.random.default_rng(seed)
    actual, forecast = rng.normal(size=(n, 3)), rng.normal(size=(n, 3))
    try:
        width = fu.conformal_half_widths(actual, forecast, coverage)
    except ValueError:
        assert np.ceil((n + 1) * coverage) > n
        return
    inside = (np.abs(actual - forecast) <= width).mean(axis=0)
    assert (inside >= coverage).all()
    # the smallest such width: one rank lower would cover less than (n + 1) * coverage / n
    assert (inside <= (np.ceil((n + 1) * coverage)) / n + 1e-12).all()


def test_conformal_interval_on_known_errors():
    errors = np.arange(1.0, 11.0)[:, None]  # |errors| 1 .. 10
    # ceil(11 * 0.8) = 9: the 9th smallest
    np.testing.assert_array_equal(fu.conformal_half_widths(errors, 0 * errors, 0.8), [9.0])


def test_interval_scores_counts_inside_and_measures_width():
    actual = np.array([[0.0], [1.0], [5.0], [-3.0]])
    coverage, width = fu.interval_scores(actual, actual * 0 - 1, actual * 0 + 2)
    np.testing.assert_allclose(coverage, [0.5])
    np.testing.assert_allclose(width, [3.0])


def test_block_bootstrap_keeps_blocks_of_consecutive_origins_wrapping_around():
    rows = fu.block_bootstrap_indices(210, 52, 50, seed=1)
    assert rows.shape == (50, 210) and rows.min() >= 0 and rows.max() < 210
    steps = np.diff(rows[:, :52], axis=1) % 210
    assert (steps == 1).all()  # the first block is consecutive, past the last origin to the first
    assert (np.diff(rows[:, :52], axis=1) == -209).any()  # some block does wrap around
    np.testing.assert_array_equal(rows, fu.block_bootstrap_indices(210, 52, 50, seed=1))


def test_circular_bootstrap_draws_every_origin_equally_often():
    """The moving-block bootstrap draws the first origin in 1 of the 159 possible blocks of 52
    among 210 origins, a middle one in 52; the circular one draws each in 52 of 210."""
    rows = fu.block_bootstrap_indices(210, 52, 4000, seed=0)
    counts = np.bincount(rows.ravel(), minlength=210) / rows.size * 210  # 1 = a fair share
    assert counts.min() > 0.9 and counts.max() < 1.1
    assert counts[[0, 209]].min() > 0.9


def test_mean_interval_holds_the_mean_and_is_paired_with_the_bootstrap():
    rng = np.random.default_rng(4)
    hits = (rng.random((210, 2)) < [0.8, 0.3]).astype(float)
    mean, low, high = fu.mean_interval(hits, block=52)
    np.testing.assert_allclose(mean, hits.mean(axis=0))
    assert (low <= mean).all() and (mean <= high).all() and (high - low < 0.3).all()
    diff, d_low, d_high = fu.loss_difference_interval(hits, 0 * hits, block=52)
    np.testing.assert_allclose([diff, d_low, d_high], [mean, low, high])


def test_a_clear_difference_is_not_a_tie_and_equal_models_are():
    rng = np.random.default_rng(0)
    noise = rng.normal(size=(210, 2)).cumsum(axis=0) * 0.01 + 1.0  # autocorrelated losses
    better = noise - 0.5
    diff, low, high = fu.loss_difference_interval(noise, better)
    assert (low > 0).all() and np.allclose(diff, 0.5)
    _, low, high = fu.loss_difference_interval(noise, noise.copy())
    np.testing.assert_array_equal(low, 0) and np.testing.assert_array_equal(high, 0)
    other = better + rng.normal(scale=0.05, size=better.shape)  # the same on average
    ranking = fu.tied_with_best({"a": noise, "b": better, "c": other})
    assert [sorted([best, *tied]) for best, tied in ranking] == [["b", "c"], ["b", "c"]]


def test_autocorrelated_errors_give_wider_intervals_with_blocks_than_without():
    rng = np.random.default_rng(3)
    walk = rng.normal(size=(210, 1)).cumsum(axis=0)
    _, low_block, high_block = fu.loss_difference_interval(walk, 0 * walk, block=52)
    _, low_one, high_one = fu.loss_difference_interval(walk, 0 * walk, block=1)
    assert high_block - low_block > 2 * (high_one - low_one)


def test_diebold_mariano_variance_is_statsmodels_newey_west():
    import statsmodels.api as sm

    rng = np.random.default_rng(7)
    d = np.convolve(rng.normal(size=260), np.ones(8) / 8, mode="valid")[:210] + 0.05  # MA(7)
    for lags in (0, 5, 52):
        statistic, p_value = fu.diebold_mariano(d[:, None], 0 * d[:, None], lags)
        fit = sm.OLS(d, np.ones_like(d)).fit(
            cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": False}
        )
        assert statistic[0] == pytest.approx(fit.tvalues[0], rel=1e-9)
        assert p_value[0] == pytest.approx(fit.pvalues[0], rel=1e-7)


def test_diebold_mariano_without_lags_is_overconfident_on_autocorrelated_losses():
    """Equal forecasts whose loss difference is a slow wave: counting each origin as an
    independent answer rejects far more often than 5%; a year of lags much less."""
    rng = np.random.default_rng(1)
    rejected = {0: 0, 52: 0}
    for _ in range(200):
        d = np.convolve(rng.normal(size=261), np.ones(52) / 52, mode="valid")[:210, None]
        for lags in rejected:
            rejected[lags] += fu.diebold_mariano(d, 0 * d, lags)[1][0] < 0.05
    assert rejected[0] > 100 and rejected[52] < rejected[0] / 2


def test_diebold_mariano_on_clear_and_on_no_differences():
    rng = np.random.default_rng(2)
    a = rng.normal(size=(210, 2)) ** 2
    statistic, p_value = fu.diebold_mariano(np.ones((210, 2)), np.zeros((210, 2)), lags=[4, 52])
    np.testing.assert_array_equal(p_value, 0.0)  # worse by 1 at every origin: no doubt
    assert (statistic == np.inf).all()
    statistic, p_value = fu.diebold_mariano(a + 0.5 * rng.random((210, 2)) + 0.3, a, lags=4)
    assert (statistic > 5).all() and (p_value < 1e-6).all()
    statistic, p_value = fu.diebold_mariano(a, a.copy(), lags=4)
    np.testing.assert_array_equal(statistic, 0.0)
    np.testing.assert_array_equal(p_value, 1.0)


def test_ties_with_the_diebold_mariano_test_are_at_least_the_bootstrap_ties():
    rng = np.random.default_rng(5)
    base = rng.normal(size=(210, 3)).cumsum(axis=0) * 0.02 + 1.0
    losses = {f"m{k}": base + k * 0.02 + rng.normal(scale=0.05, size=base.shape) for k in range(5)}
    bootstrap = fu.tied_with_best(losses, resamples=500)
    both = fu.tied_with_best(losses, resamples=500, lags=52)
    for (best, tied), (best_too, tied_too) in zip(bootstrap, both, strict=True):
        assert best == best_too and set(tied) <= set(tied_too)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: fu.bias([[1.0]], [[1.0, 2.0]]), "differ in shape"),
        (lambda: fu.bias([1.0], [1.0]), "shape"),
        (lambda: fu.bias([[np.nan]], [[1.0]]), "NaN"),
        (lambda: fu.conformal_half_widths([[1.0]] * 3, [[0.0]] * 3, 0.8), "too few"),
        (lambda: fu.conformal_half_widths([[1.0]] * 30, [[0.0]] * 30, 80), "between 0 and 1"),
        (lambda: fu.conformal_half_widths([[1.0]] * 30, [[0.0]] * 30, True), "number"),
        (lambda: fu.interval_scores([[1.0]], [[2.0]], [[0.0]]), "must not exceed"),
        (lambda: fu.block_bootstrap_indices(10, 52, 5), "longer than"),
        (lambda: fu.block_bootstrap_indices(10, 0, 5), "positive int"),
        (lambda: fu.block_bootstrap_indices(10, 2, 5, seed=-1), "seed"),
        (lambda: fu.tied_with_best({"a": [[1.0]]}), "at least two"),
        (lambda: fu.tied_with_best({"a": [[1.0]], "b": [[1.0, 2.0]]}), "one shape"),
        (lambda: fu.loss_difference_interval("x", [[1.0]]), "numbers"),
        (lambda: fu.diebold_mariano([[1.0]] * 5, [[0.0]] * 5, -1), "lags"),
        (lambda: fu.diebold_mariano([[1.0]] * 5, [[0.0]] * 5, 5), "0..4"),
        (lambda: fu.diebold_mariano([[1.0]] * 5, [[0.0]] * 5, 1.5), "ints"),
        (lambda: fu.diebold_mariano([[1.0]] * 5, [[0.0]] * 5, [1, 2]), "lags"),
        (lambda: fu.diebold_mariano([[1.0]] * 5, [[0.0, 1.0]] * 5, 1), "differ in shape"),
        (lambda: fu.mean_interval([[1.0]] * 5, block=9), "longer than"),
    ],
)
def test_bad_input_is_one_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_numpy_scalars_are_accepted():
    errors = np.arange(1.0, 11.0)[:, None]
    fu.conformal_half_widths(errors, 0 * errors, np.float32(0.8))
    fu.block_bootstrap_indices(np.int64(60), np.int32(52), np.int16(3), seed=np.int64(0))
