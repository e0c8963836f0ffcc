"""Lesson 6's hand-written ridge probe (``ridge_probe``, straight from the notebook) and the
package's :func:`lstm_course.probes.fit_probe` choose the same penalty and give the same
read-out, on data the lesson never tried."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from test_lessons_agree import lesson_function

from lstm_course import probes


@settings(max_examples=25, deadline=None)
@given(st.integers(20, 120), st.integers(1, 8), st.floats(0.0, 3.0), st.integers(0, 2**31 - 1))
def test_lesson6_ridge_probe_is_the_package_probe(steps, units, noise, seed):
    rng = np.random.default_rng(seed)
    states = rng.normal(size=(steps, units)) * rng.uniform(0.1, 5, units)
    states[:, 0] = np.cumsum(rng.normal(size=steps))  # a slow unit, as in a real memory
    feature = states @ rng.normal(size=units) + noise * rng.normal(size=steps)
    ridge_probe = lesson_function("06_inside_an_lstm.ipynb", "ridge_probe", {"np": np})
    w, b, mean, scale, penalty = ridge_probe(states, feature)
    package = probes.fit_probe(states, feature)
    assert penalty == package.penalty
    new = rng.normal(size=(30, units))
    np.testing.assert_allclose(
        ((new - mean) / scale) @ w + b, package.predict(new), rtol=1e-7, atol=1e-7
    )


def test_lesson6_ridge_probe_with_a_constant_unit_matches_too():
    rng = np.random.default_rng(0)
    states = rng.normal(size=(60, 3))
    states[:, 1] = 2.0  # never changes: scale 1, weight 0, in both
    feature = states[:, 0] - states[:, 2]
    ridge_probe = lesson_function("06_inside_an_lstm.ipynb", "ridge_probe", {"np": np})
    w, *_, penalty = ridge_probe(states, feature)
    package = probes.fit_probe(states, feature)
    assert penalty == package.penalty
    np.testing.assert_allclose(w, package.weights, atol=1e-9)
