"""What a memory knows: features of code, single units that follow them, and linear probes.

Lesson 6 asks of a character model's long-term memory c_t: does it know, at each character,
whether it is inside a string, how deep in brackets it is, how far along the line? Two ways
to ask, after Karpathy, Johnson & Fei-Fei (2015) and Hupkes, Veldhoen & Zuidema (2018):

- **one unit**: the unit whose value correlates best with the feature (Pearson r). If a
  single cell carries the feature, this finds it.
- **a probe**: a linear read-out of *all* units (ridge regression), fitted to predict the
  feature. If the feature is spread over many units, only the probe finds it.

Both are chosen on one part of the text (the *fitting* text) and scored on another (the
*scoring* text); nothing is chosen on the scoring text, so the scores are what the choice
would do on text it has not seen.

The gates are read the same way: :func:`saturation` says how often each unit's gate is
nearly shut or nearly open.
"""

from __future__ import annotations

import io
import sys
import tokenize
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from torch import Tensor

FEATURES = ("in string", "in comment", "indentation", "bracket depth", "position in line")
#: Ridge penalties tried; the one that predicts best in cross-validation on the fitting
#: text is used. In units of the (standardized) states' sum of squares per unit.
RIDGE_PENALTIES = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)


# ---------------------------------------------------------------------- features of code
def code_features(text: str | Sequence[str]) -> dict[str, np.ndarray]:
    """For every character of Python source, simple facts a reader knows at that point:

    - ``in string``: 1 inside a string literal (quotes included), else 0;
    - ``in comment``: 1 inside a ``#`` comment, else 0;
    - ``indentation``: the leading spaces of the character's line, divided by 4;
    - ``bracket depth``: how many ( [ { are open, not counting those in strings or comments;
    - ``position in line``: characters since the last newline.

    Strings and comments come from Python's own tokenizer, so a ``#`` inside a string is
    not a comment. Text the tokenizer cannot finish (a snippet cut mid-string) is tokenized
    as far as it goes. Give a list of texts (whole files) to have each tokenized on its own
    and the results put one after another, so one file's error never spoils the next.
    """
    if not isinstance(text, str):
        parts = [code_features(t) for t in text]
        if not parts:
            raise ValueError("give at least one text")
        return {name: np.concatenate([p[name] for p in parts]) for name in FEATURES}
    n = len(text)
    line_starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            line_starts.append(i + 1)

    def offset(row: int, col: int) -> int:
        return min(line_starts[row - 1] + col, n) if row - 1 < len(line_starts) else n

    in_string, in_comment = np.zeros(n), np.zeros(n)
    depth_change = np.zeros(n + 1)
    string_types = {tokenize.STRING}
    if sys.version_info >= (3, 12):  # f-strings are split into pieces from 3.12 on
        string_types |= {tokenize.FSTRING_START, tokenize.FSTRING_MIDDLE, tokenize.FSTRING_END}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            a, b = offset(*tok.start), offset(*tok.end)
            if tok.type in string_types:
                in_string[a:b] = 1
            elif tok.type == tokenize.COMMENT:
                in_comment[a:b] = 1
            elif tok.type == tokenize.OP and tok.string in "([{":
                depth_change[b] += 1
            elif tok.type == tokenize.OP and tok.string in ")]}":
                depth_change[a] -= 1
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass  # a cut snippet: keep what was tokenized
    position, indentation = np.zeros(n), np.zeros(n)
    for k, start in enumerate(line_starts):
        end = line_starts[k + 1] if k + 1 < len(line_starts) else n  # the line and its \n
        line = text[start:end]
        position[start:end] = np.arange(end - start)
        indentation[start:end] = (len(line) - len(line.lstrip(" "))) / 4
    return {
        "in string": in_string,
        "in comment": in_comment,
        "indentation": indentation,
        "bracket depth": np.clip(np.cumsum(depth_change)[:n], 0, None),
        "position in line": position,
    }


# ---------------------------------------------------------------------- one unit
def _states(states: Tensor | np.ndarray) -> np.ndarray:
    s = states.detach().cpu().double().numpy() if isinstance(states, Tensor) else states
    s = np.asarray(s, dtype=float)
    if s.ndim != 2 or len(s) < 2:
        raise ValueError(f"states must be (time, units) with time >= 2, got shape {s.shape}")
    return s


def _feature(values: object, name: str, steps: int) -> np.ndarray:
    f = np.asarray(values, dtype=float)
    if f.shape != (steps,):
        raise ValueError(f"feature {name!r} has shape {f.shape} for {steps} steps")
    return f


def correlations(
    states: Tensor | np.ndarray, features: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """For each feature, the Pearson correlation of every unit's state with it over time:
    ``states`` is ``(time, units)``; each result is ``(units,)`` (0 where a unit or a
    feature never changes)."""
    s = _states(states)
    s = s - s.mean(axis=0)
    s_norm = np.sqrt((s**2).sum(axis=0))
    result = {}
    for name, values in features.items():
        f = _feature(values, name, len(s))
        f = f - f.mean()
        denominator = s_norm * np.sqrt((f**2).sum())
        with np.errstate(invalid="ignore", divide="ignore"):
            r = (s * f[:, None]).sum(axis=0) / denominator
        result[name] = np.nan_to_num(r)
    return result


def best_unit(states: Tensor | np.ndarray, feature: np.ndarray) -> tuple[int, float]:
    """``(unit, r)``: the unit whose state has the largest \\|r\\| with ``feature``, and that
    r, sign kept (a unit that falls when the feature rises is as telling as one that rises)."""
    r = correlations(states, {"feature": feature})["feature"]
    unit = int(np.abs(r).argmax())
    return unit, float(r[unit])


def _r(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson r of two series; 0 where either never changes."""
    a, b = a - a.mean(), b - b.mean()
    denominator = np.sqrt((a**2).sum() * (b**2).sum())
    return float((a * b).sum() / denominator) if denominator > 0 else 0.0


# ---------------------------------------------------------------------- a probe
@dataclass(frozen=True)
class Probe:
    """A linear read-out of every unit: ``feature ≈ ((states - mean) / scale) @ weights + bias``."""

    weights: np.ndarray  # (units,)
    bias: float
    mean: np.ndarray  # (units,), of the fitting text
    scale: np.ndarray  # (units,), of the fitting text (1 where a unit never changes)
    penalty: float  # the ridge penalty cross-validation chose

    def predict(self, states: Tensor | np.ndarray) -> np.ndarray:
        s = _states(states)
        if s.shape[1] != len(self.weights):
            raise ValueError(f"the probe reads {len(self.weights)} units, got {s.shape[1]}")
        return ((s - self.mean) / self.scale) @ self.weights + self.bias


def fit_probe(
    states: Tensor | np.ndarray,
    feature: np.ndarray,
    penalties: Sequence[float] = RIDGE_PENALTIES,
    folds: int = 5,
) -> Probe:
    """Ridge regression from every unit to ``feature``, on the fitting text only.

    The states are standardized (each unit to mean 0, spread 1), so the penalty treats every
    unit alike. The penalty is chosen by cross-validation on ``folds`` consecutive blocks of
    the fitting text (consecutive, not shuffled: neighbouring characters are nearly
    copies of each other, and a shuffled fold would test on copies of its training rows).
    """
    s = _states(states)
    y = _feature(feature, "feature", len(s))
    if folds < 2 or len(s) < 2 * folds:
        raise ValueError(f"need folds >= 2 and at least {2 * folds} steps, got {len(s)}")
    if not penalties or min(penalties) <= 0:
        raise ValueError("give positive ridge penalties")
    mean, scale = s.mean(axis=0), s.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    x = (s - mean) / scale
    blocks = np.array_split(np.arange(len(x)), folds)

    # Sums per block (count, sum of x, sum of y, x'x, x'y): any union of blocks is then a
    # few additions, so cross-validation costs one pass over the text, not one per fold.
    stats = [
        (len(rows), x[rows].sum(0), y[rows].sum(), x[rows].T @ x[rows], x[rows].T @ y[rows])
        for rows in blocks
    ]

    def solve(use: list[int], penalty: float) -> tuple[np.ndarray, float]:
        n, sx, sy, xx, xy = (sum(stats[k][i] for k in use) for i in range(5))
        x_mean, y_mean = sx / n, sy / n
        gram = xx - n * np.outer(x_mean, x_mean)  # of the centred states
        w = np.linalg.solve(gram + penalty * n * np.eye(len(x_mean)), xy - n * x_mean * y_mean)
        return w, float(y_mean - x_mean @ w)

    def cv_error(penalty: float) -> float:
        error = 0.0
        for k, held in enumerate(blocks):
            w, b = solve([j for j in range(folds) if j != k], penalty)
            error += float(((x[held] @ w + b - y[held]) ** 2).sum())
        return error

    penalty = min(penalties, key=cv_error)
    weights, bias = solve(list(range(folds)), penalty)
    return Probe(weights, bias, mean, scale, float(penalty))


# ---------------------------------------------------------------------- unit vs probe
@dataclass(frozen=True)
class ProbeResult:
    """One feature, read from the memory by its best unit and by a probe, both chosen on the
    fitting text and scored on the scoring text."""

    feature: str
    unit: int  # the best single unit on the fitting text
    unit_r: float  # its r on the scoring text, read with the sign it had on the fitting text
    probe_r: float  # r of the probe's prediction with the feature, on the scoring text
    penalty: float  # the probe's ridge penalty

    def __str__(self) -> str:
        return f"{self.feature}: best unit r = {self.unit_r:.2f}, probe r = {self.probe_r:.2f}"


def unit_vs_probe(
    fit_states: Tensor | np.ndarray,
    fit_features: Mapping[str, np.ndarray],
    score_states: Tensor | np.ndarray,
    score_features: Mapping[str, np.ndarray],
) -> dict[str, ProbeResult]:
    """For every feature: choose the best unit and fit a probe on the fitting text, then
    score both on the scoring text."""
    fit_s, score_s = _states(fit_states), _states(score_states)
    if fit_s.shape[1] != score_s.shape[1]:
        raise ValueError(
            f"{fit_s.shape[1]} units in the fitting states, "
            f"{score_s.shape[1]} in the scoring states"
        )
    if set(fit_features) != set(score_features):
        raise ValueError("the fitting and scoring texts must have the same features")
    results = {}
    for name in fit_features:
        fit_f = _feature(fit_features[name], name, len(fit_s))
        score_f = _feature(score_features[name], name, len(score_s))
        unit, r_fit = best_unit(fit_s, fit_f)
        unit_r = np.sign(r_fit) * _r(score_s[:, unit], score_f)
        probe = fit_probe(fit_s, fit_f)
        probe_r = _r(probe.predict(score_s), score_f)
        results[name] = ProbeResult(name, unit, float(unit_r), probe_r, probe.penalty)
    return results


def saturation(gate: Tensor, low: float = 0.1, high: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """For a gate's activations ``(time, units)``: the fraction of steps each unit is below
    ``low`` (nearly shut) and above ``high`` (nearly open). A unit whose gate is nearly
    always shut or open works as a switch; one that is seldom either weighs its input."""
    if gate.dim() != 2:
        raise ValueError(f"give a gate's activations as (time, units), got {tuple(gate.shape)}")
    g = gate.detach().float().cpu().numpy()
    return (g < low).mean(axis=0), (g > high).mean(axis=0)
