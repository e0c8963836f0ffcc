"""Features of code, the best single unit, and linear probes, on states whose answer is known."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_course import probes


def test_features_of_a_line():
    line = 'f(x, "a # b")  # c\n  y = [1,\n'
    f = probes.code_features(line)
    assert set(f) == set(probes.FEATURES)
    assert all(v.shape == (len(line),) for v in f.values())
    quote, hash_in_string, comment = line.index('"'), line.index("#"), line.index("# c")
    assert f["in string"][quote] == 1 and f["in string"][hash_in_string] == 1
    assert f["in comment"][hash_in_string] == 0 and f["in comment"][comment] == 1
    assert f["in string"][:quote].sum() == 0 and f["in comment"][:comment].sum() == 0
    assert f["bracket depth"][line.index("x")] == 1 and f["bracket depth"][line.index("  #")] == 0
    assert f["bracket depth"][-1] == 1  # the [ is still open
    second = line.index("\n") + 1
    assert f["position in line"][second] == 0 and f["position in line"][second - 1] == len(
        'f(x, "a # b")  # c'
    )
    assert f["indentation"][second + 3] == 0.5 and f["indentation"][0] == 0


def test_features_survive_a_snippet_cut_mid_string():
    f = probes.code_features('x = (1, "unfinished')
    assert len(f["in string"]) == len('x = (1, "unfinished')


@settings(max_examples=30, deadline=None)
@given(st.text(alphabet="ab \n", max_size=60))
def test_position_in_line_restarts_after_every_newline(text):
    position = probes.code_features(text)["position in line"]
    column = 0
    for ch, p in zip(text, position, strict=True):
        assert p == column
        column = 0 if ch == "\n" else column + 1


def test_correlations_find_a_planted_unit():
    rng = np.random.default_rng(0)
    feature = rng.normal(size=500)
    states = rng.normal(size=(500, 8))
    states[:, 3] = -feature
    states[:, 5] = 1.0  # never changes: r is 0, not nan
    r = probes.correlations(torch.tensor(states), {"f": feature})["f"]
    assert r[3] == pytest.approx(-1.0) and r[5] == 0.0 and np.abs(r).argmax() == 3
    with pytest.raises(ValueError, match=r"shape \(4,\) for 500 steps"):
        probes.correlations(states, {"f": feature[:4]})


def test_features_of_several_files_are_tokenized_one_by_one():
    broken, fine = 'x = "never closed\n', 's = "a"\n'
    together = probes.code_features([broken, fine])
    assert len(together["in string"]) == len(broken) + len(fine)
    # the first file's error does not stop the second from being read
    assert together["in string"][len(broken) + fine.index('"')] == 1
    with pytest.raises(ValueError, match="at least one text"):
        probes.code_features([])


def test_best_unit_compares_absolute_r():
    rng = np.random.default_rng(1)
    feature = rng.normal(size=300)
    states = rng.normal(size=(300, 5))
    states[:, 1] = feature + rng.normal(size=300)  # r about 0.7
    states[:, 3] = -feature  # r = -1
    unit, r = probes.best_unit(states, feature)
    assert unit == 3 and r == pytest.approx(-1.0)


def _spread_feature(rng, n, units=64, carriers=16, noise=1.0):
    """A feature that many units carry a little each, plus noise: no one unit shows it well."""
    states = rng.normal(size=(n, units))
    feature = states[:, :carriers].sum(axis=1) + noise * rng.normal(size=n)
    return states, feature


def test_a_probe_reads_a_feature_spread_over_many_units():
    rng = np.random.default_rng(2)
    states, feature = _spread_feature(rng, 4000)
    fit, score = slice(0, 2000), slice(2000, None)
    result = probes.unit_vs_probe(
        states[fit], {"f": feature[fit]}, states[score], {"f": feature[score]}
    )["f"]
    # one carrier explains 1/17 of the variance (r about 0.24); all of them, 16/17 (r about 0.97)
    assert result.unit < 16 and 0.1 < result.unit_r < 0.4
    assert result.probe_r > 0.95
    assert str(result) == f"f: best unit r = {result.unit_r:.2f}, probe r = {result.probe_r:.2f}"


def test_a_probe_matches_a_single_unit_that_holds_the_whole_feature():
    rng = np.random.default_rng(3)
    states = rng.normal(size=(3000, 32))
    feature = 2 * states[:, 7] + 0.1 * rng.normal(size=3000)
    result = probes.unit_vs_probe(
        states[:1500], {"f": feature[:1500]}, states[1500:], {"f": feature[1500:]}
    )["f"]
    assert result.unit == 7 and result.unit_r > 0.99 and result.probe_r > 0.99


def test_nothing_is_chosen_on_the_scoring_text():
    # unit 0 follows the feature while fitting, unit 1 only while scoring: the report must
    # name unit 0 and show how poorly it does on the scoring text
    rng = np.random.default_rng(4)
    n = 2000
    feature = rng.normal(size=2 * n)
    states = rng.normal(size=(2 * n, 4))
    states[:n, 0] = feature[:n]
    states[n:, 1] = feature[n:]
    result = probes.unit_vs_probe(states[:n], {"f": feature[:n]}, states[n:], {"f": feature[n:]})[
        "f"
    ]
    assert result.unit == 0 and abs(result.unit_r) < 0.1
    assert abs(result.probe_r) < 0.1  # the probe learned unit 0, which says nothing later


def test_the_best_unit_keeps_the_sign_it_was_chosen_with():
    rng = np.random.default_rng(5)
    feature = rng.normal(size=2000)
    states = rng.normal(size=(2000, 3))
    states[:1000, 2] = -feature[:1000]  # negative while fitting
    states[1000:, 2] = feature[1000:]  # positive while scoring: the read-out is wrong
    result = probes.unit_vs_probe(
        states[:1000], {"f": feature[:1000]}, states[1000:], {"f": feature[1000:]}
    )["f"]
    assert result.unit == 2 and result.unit_r == pytest.approx(-1.0)


def test_the_penalty_is_chosen_by_cross_validation_on_the_fitting_text():
    rng = np.random.default_rng(6)
    # few rows, many noise units: only a strong penalty generalises
    states = rng.normal(size=(120, 100))
    feature = states[:, 0] + rng.normal(size=120)
    probe = probes.fit_probe(states, feature)
    assert probe.penalty == max(probes.RIDGE_PENALTIES)
    # plenty of rows: a weak penalty is best
    states, feature = _spread_feature(rng, 6000, noise=0.1)
    assert probes.fit_probe(states, feature).penalty <= 1e-2


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_probes_fitted_together_are_those_fitted_one_by_one(seed):
    # fit_probes shares each block's x'x across features; nothing else may change
    rng = np.random.default_rng(seed)
    states = rng.normal(size=(150, 8)) * rng.uniform(0.1, 10, size=8)
    features = {"a": states[:, 0] + rng.normal(size=150), "b": rng.normal(size=150)}
    together = probes.fit_probes(states, features)
    for name, feature in features.items():
        alone = probes.fit_probe(states, feature)
        assert together[name].penalty == alone.penalty
        np.testing.assert_allclose(together[name].weights, alone.weights, rtol=1e-9, atol=1e-12)
        assert together[name].bias == pytest.approx(alone.bias, rel=1e-9, abs=1e-12)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_a_probe_of_any_states_predicts_the_fitting_text_at_least_as_well_as_a_constant(seed):
    rng = np.random.default_rng(seed)
    states = rng.normal(size=(200, 6)) * rng.uniform(0.1, 10, size=6)
    feature = rng.normal(size=200)
    probe = probes.fit_probe(states, feature)
    residual = ((probe.predict(states) - feature) ** 2).sum()
    assert residual <= ((feature - feature.mean()) ** 2).sum() + 1e-9


def test_units_that_never_change_are_harmless():
    rng = np.random.default_rng(7)
    states = rng.normal(size=(500, 4))
    states[:, 2] = 3.0
    feature = states[:, 0]
    probe = probes.fit_probe(torch.tensor(states), feature)
    assert np.isfinite(probe.weights).all()
    assert np.corrcoef(probe.predict(states), feature)[0, 1] > 0.99


def test_bad_input_is_refused_clearly():
    states = np.zeros((100, 4))
    with pytest.raises(ValueError, match=r"states must be \(time, units\)"):
        probes.fit_probe(np.zeros(100), np.zeros(100))
    with pytest.raises(ValueError, match="shape \\(99,\\) for 100 steps"):
        probes.fit_probe(states, np.zeros(99))
    with pytest.raises(ValueError, match="reads 4 units, got 3"):
        probes.fit_probe(np.random.default_rng(0).normal(size=(100, 4)), np.arange(100.0)).predict(
            np.zeros((5, 3))
        )
    with pytest.raises(ValueError, match="4 units in the fitting states, 5"):
        probes.unit_vs_probe(states, {"f": np.zeros(100)}, np.zeros((100, 5)), {"f": np.zeros(100)})
    with pytest.raises(ValueError, match="same features"):
        probes.unit_vs_probe(states, {"f": np.zeros(100)}, states, {"g": np.zeros(100)})


def test_saturation_counts_the_steps_each_unit_is_nearly_shut_or_open():
    gate = torch.tensor([[0.05, 0.5, 0.95], [0.05, 0.95, 0.5], [0.5, 0.95, 0.95], [0.0, 0.5, 1.0]])
    shut, open_ = probes.saturation(gate)
    np.testing.assert_array_equal(shut, [0.75, 0.0, 0.0])
    np.testing.assert_array_equal(open_, [0.0, 0.5, 0.75])
    with pytest.raises(ValueError, match=r"\(time, units\)"):
        probes.saturation(gate[0])


# ---------------------------------------------------------------------- bootstrap over files
def _files(seed, files=12):
    """Series of a text of ``files`` files of different lengths, x and y correlated."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(5, 40, files)
    x = rng.normal(size=lengths.sum())
    y = 0.6 * x + rng.normal(size=lengths.sum())
    return x, y, lengths


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 15))
def test_pearson_from_sums_of_any_files_is_r_of_their_concatenation(seed, files):
    x, y, lengths = _files(seed, files)
    sums = probes.pearson_sums(x, y, lengths)
    assert sums.shape == (files, 6)
    assert np.isclose(probes.pearson_from_sums(sums.sum(0)), np.corrcoef(x, y)[0, 1])
    pick = np.random.default_rng(seed).integers(0, files, files)  # repeats included
    parts = np.split(np.arange(len(x)), np.cumsum(lengths)[:-1])
    rows = np.concatenate([parts[k] for k in pick])
    assert np.isclose(
        probes.pearson_from_sums(sums[pick].sum(0)), np.corrcoef(x[rows], y[rows])[0, 1]
    )


def test_pearson_from_sums_is_zero_where_a_series_never_changes():
    y = np.arange(10.0)
    assert probes.pearson_from_sums(probes.pearson_sums(np.full(10, 0.3), y, [4, 6]).sum(0)) == 0
    assert probes.pearson_from_sums(probes.pearson_sums(y, np.zeros(10), [10])[0]) == 0


def test_bootstrap_agrees_with_recomputing_each_resample_from_the_text():
    x, y, lengths = _files(3)
    sums = probes.pearson_sums(x, y, lengths)
    parts = np.split(np.arange(len(x)), np.cumsum(lengths)[:-1])
    picks = np.random.default_rng(5).integers(0, len(lengths), (200, len(lengths)))
    direct = []
    for pick in picks:  # the documented draw, each resample's text concatenated and scored
        rows = np.concatenate([parts[k] for k in pick])
        direct.append(np.corrcoef(x[rows], y[rows])[0, 1])
    want = np.quantile(direct, [0.025, 0.975])
    got = probes.bootstrap_over_files(sums, probes.pearson_from_sums, resamples=200, seed=5)
    assert np.allclose(got, want)


def test_bootstrap_of_a_difference_is_paired_and_of_bits_per_character():
    rng = np.random.default_rng(0)
    chars = rng.integers(100, 1000, 20).astype(float)
    bits_a = chars * rng.uniform(1.5, 2.5, 20)
    a = np.stack([bits_a, chars], 1)
    b = np.stack([bits_a + 0.1 * chars, chars], 1)  # 0.1 bits worse on every file
    low, high = probes.bootstrap_over_files(b, probes.ratio_of_sums, minus=a)
    assert np.isclose(low, 0.1) and np.isclose(high, 0.1)  # paired: the same files each time
    low, high = probes.bootstrap_over_files(a, probes.ratio_of_sums)
    assert low < bits_a.sum() / chars.sum() < high


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(8, 40))
def test_the_interval_holds_the_whole_texts_statistic_and_is_the_same_for_a_seed(seed, files):
    x, y, lengths = _files(seed, files)
    sums = probes.pearson_sums(x, y, lengths)
    full = probes.pearson_from_sums(sums.sum(0))
    low, high = probes.bootstrap_over_files(
        sums, probes.pearson_from_sums, resamples=300, seed=seed
    )
    assert low <= full <= high
    again = probes.bootstrap_over_files(sums, probes.pearson_from_sums, resamples=300, seed=seed)
    assert again == (low, high)


def test_bootstrap_refuses_bad_input_in_one_line():
    sums = probes.pearson_sums(*_files(0)[:2], _files(0)[2])
    r = probes.pearson_from_sums
    cases = [
        (lambda: probes.bootstrap_over_files(np.zeros((0, 6)), r), "at least 2 files"),
        (lambda: probes.bootstrap_over_files(sums[:1], r), "at least 2 files"),
        (lambda: probes.bootstrap_over_files(sums, r, minus=sums[:-1]), "same 12 files"),
        (lambda: probes.bootstrap_over_files(sums, r, level=1.5), "0 < level < 1"),
        (lambda: probes.pearson_sums(np.zeros(5), np.zeros(4), [5]), "differ in length"),
        (lambda: probes.pearson_sums(np.zeros(5), np.zeros(5), [2, 2]), "add up to 5"),
        (lambda: probes.pearson_sums(np.zeros(5), np.zeros(5), []), "add up to 5"),
    ]
    for call, message in cases:
        with pytest.raises(ValueError, match=message) as error:
            call()
        assert "\n" not in str(error.value)


def test_unit_vs_probe_keeps_per_file_sums_that_give_its_scores():
    rng = np.random.default_rng(1)
    states = rng.normal(size=(400, 6))
    feature = states[:, 2] - states[:, 4] + 0.5 * rng.normal(size=400)
    lengths = [50, 70, 30, 50]
    result = probes.unit_vs_probe(
        states[:200], {"f": feature[:200]}, states[200:], {"f": feature[200:]}, lengths
    )["f"]
    assert result.unit_sums.shape == result.probe_sums.shape == (4, 6)
    assert np.isclose(probes.pearson_from_sums(result.unit_sums.sum(0)), result.unit_r)
    assert np.isclose(probes.pearson_from_sums(result.probe_sums.sum(0)), result.probe_r)


# ---------------------------------------------------------------- lesson 6's helpers
def _reports(seed=0):
    rng = np.random.default_rng(seed)
    fit, score = rng.normal(size=(120, 4)), rng.normal(size=(90, 4))
    feats = {"a": fit[:, 0] + 0.1 * rng.normal(size=120)}
    score_feats = {"a": score[:, 0] + 0.1 * rng.normal(size=90)}
    good = probes.unit_vs_probe(fit, feats, score, score_feats, [30, 30, 30])
    noise = probes.unit_vs_probe(fit[:, 1:], feats, score[:, 1:], score_feats, [30, 30, 30])
    return {"good": good, "noise": noise}


def test_differences_give_the_difference_of_r_inside_its_interval():
    reports = _reports()
    gaps = probes.differences(reports, {"g - n": ("good", "noise", "probe", "probe")})
    d, low, high = gaps["g - n"]["a"]
    assert d == pytest.approx(reports["good"]["a"].probe_r - reports["noise"]["a"].probe_r)
    assert 0 < low <= d <= high  # the reader of the right unit is clearly better


def test_differences_need_per_file_sums():
    rng = np.random.default_rng(1)
    x, f = rng.normal(size=(40, 2)), {"a": rng.normal(size=40)}
    bare = {"r": probes.unit_vs_probe(x, f, x, f)}
    with pytest.raises(ValueError, match="score_lengths"):
        probes.differences(bare, {"x": ("r", "r", "probe", "unit")})


def test_intervals_contain_each_score():
    reports = _reports(2)
    found = probes.intervals(reports)
    for (name, feature, what), (low, high) in found.items():
        assert low <= getattr(reports[name][feature], what) + 1e-9 and low <= high


def test_last_characters_codes_each_character_back():
    out = probes.last_characters(torch.tensor([2, 0, 1]), size=3, k=2)
    assert out.shape == (3, 6)
    assert out[2].tolist() == [0, 1, 0, 1, 0, 0]  # now 1, one back 0
    assert out[0, 3:].sum() == 0  # nothing one step before the first character
    with pytest.raises(ValueError):
        probes.last_characters(torch.tensor([3]), size=3)


def test_first_window_finds_whole_lines_with_all_three():
    text = "x = 1\n\ny = f('a')  # c\nz\n"
    a, b = probes.first_window(text, probes.code_features(text), longest=40)
    assert text[a:b] == "x = 1\n\ny = f('a')  # c\n"  # from the first non-empty line
    with pytest.raises(ValueError):
        probes.first_window(text, probes.code_features(text), longest=5)


WHOLE_FILE = (
    'x = 1\ndef f():\n    """Doc, # not a comment\n    more (not a bracket\n'
    '    """\n    return (x)  # yes\n'
)


def test_an_excerpt_cut_inside_a_docstring_is_in_a_string_to_the_cut():
    cut = WHOLE_FILE.index("    more") + len("    more (not a bracket\n")  # a cut after a line
    excerpt = WHOLE_FILE[:cut]
    alone = probes.code_features(excerpt)
    opening = excerpt.index('"""')
    assert alone["in string"][:opening].sum() == 0
    assert (alone["in string"][opening:] == 1).all()  # the unfinished string runs to the end
    assert alone["in comment"].sum() == 0  # the # inside the docstring is no comment
    assert alone["bracket depth"].max() == 0  # nor is its ( a bracket
    # labelled on the whole file and cut: the same labels, the way a reader of the file knows
    whole_labels = probes.code_features(WHOLE_FILE)
    cut_labels = probes.excerpt_features([excerpt], [WHOLE_FILE])
    for name in probes.FEATURES:
        np.testing.assert_array_equal(cut_labels[name], whole_labels[name][:cut])
        np.testing.assert_array_equal(cut_labels[name], alone[name])


def test_a_hash_inside_a_string_is_not_a_comment_and_after_it_is():
    f = probes.code_features(WHOLE_FILE)
    inside, real = WHOLE_FILE.index("# not"), WHOLE_FILE.index("# yes")
    assert f["in string"][inside] == 1 and f["in comment"][inside] == 0
    assert f["in string"][real] == 0 and f["in comment"][real] == 1
    closing = WHOLE_FILE.index('"""', WHOLE_FILE.index('"""') + 3)
    assert f["in string"][closing + 2] == 1 and f["in string"][closing + 3] == 0
    assert f["bracket depth"][WHOLE_FILE.index("x)")] == 1


def test_an_unfinished_bracket_is_not_taken_for_a_string():
    f = probes.code_features("a = (1,\n  2,\n")
    assert f["in string"].sum() == 0 and f["bracket depth"][-1] == 1


def test_excerpt_features_checks_its_input():
    pieces = ["x = 1\n", "y = '''a\n"]
    wholes = ["x = 1\nz = 2\n", "y = '''a\n'''\n"]
    f = probes.excerpt_features(pieces, wholes)
    assert len(f["in string"]) == sum(map(len, pieces))
    assert f["in string"][len(pieces[0]) + 4 :].all()
    with pytest.raises(ValueError, match="not the start of its whole file"):
        probes.excerpt_features(["x = 2\n"], ["x = 1\n"])
    with pytest.raises(ValueError, match="as many excerpts"):
        probes.excerpt_features(pieces, wholes[:1])
    with pytest.raises(ValueError, match="as many excerpts"):
        probes.excerpt_features([], [])


def _files_of(rng, files=12, length=50, units=6, strong=2, noise=0.3):
    feature = rng.normal(size=files * length)
    states = rng.normal(size=(files * length, units))
    states[:, strong] = -feature + noise * rng.normal(size=files * length)
    return states, feature, [length] * files


def test_unit_sums_are_pearson_sums_of_every_unit():
    states, feature, lengths = _files_of(np.random.default_rng(3))
    sums = probes.unit_sums(states, feature, lengths)
    assert sums.shape == (12, 6, 6)
    for u in range(6):
        np.testing.assert_allclose(sums[:, u], probes.pearson_sums(states[:, u], feature, lengths))
    with pytest.raises(ValueError, match="add up to"):
        probes.unit_sums(states, feature, [10, 10])


def test_the_unit_is_chosen_again_in_every_resample():
    rng = np.random.default_rng(4)
    fit = probes.unit_sums(*_files_of(rng))
    score = probes.unit_sums(*_files_of(rng))
    low, high, share = probes.bootstrap_chosen_unit(fit, score)
    assert share == 1.0 and 0.9 < low < high < 1.0  # a planted unit: always chosen
    # two units alike: the choice itself is luck, and the interval says so
    rng = np.random.default_rng(5)
    states, feature, lengths = _files_of(rng, noise=3.0)
    states[:, 4] = -feature + 3.0 * rng.normal(size=len(feature))
    twin_fit = probes.unit_sums(states, feature, lengths)
    states, feature, lengths = _files_of(rng, noise=3.0)
    states[:, 4] = -feature + 3.0 * rng.normal(size=len(feature))
    twin_score = probes.unit_sums(states, feature, lengths)
    low, high, share = probes.bootstrap_chosen_unit(twin_fit, twin_score)
    assert 0.2 < share < 0.8 and 0 < low < high
    assert probes.bootstrap_chosen_unit(fit, score, minus=(fit, score))[:2] == (0.0, 0.0)
    with pytest.raises(ValueError, match="same units"):
        probes.bootstrap_chosen_unit(fit, score[:, :3])


def test_a_control_feature_is_a_function_of_the_character_alone():
    rng = np.random.default_rng(6)
    ids = rng.integers(0, 5, 400)
    feature = rng.integers(0, 3, 400).astype(float)
    control = probes.control_feature(feature, ids, 5, seed=1)
    for c in range(5):
        assert len(set(control[ids == c])) <= 1  # one value per character
    assert set(control) <= set(feature)  # the feature's own values
    np.testing.assert_array_equal(control, probes.control_feature(feature, ids, 5, seed=1))
    with pytest.raises(ValueError, match="same length"):
        probes.control_feature(feature[:3], ids, 5)
    with pytest.raises(ValueError, match="between 0 and 4"):
        probes.control_feature(feature, ids + 1, 5)
