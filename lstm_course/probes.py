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

How sure is a score? :func:`bootstrap_over_files` resamples the scoring text's *files* (not
its characters: neighbouring characters are nearly copies of each other, and a resample of
characters would pretend to far more evidence than a few dozen files hold) and gives an
interval for a score, or for the difference of two scores on the same files.
"""

from __future__ import annotations

import io
import sys
import tokenize
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

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
    not a comment. Text the tokenizer cannot finish is tokenized as far as it goes; a string
    left open at the end (a snippet cut inside a docstring) counts as running to the end,
    since a reader who stopped there is still inside it. Better still, label whole files and
    cut afterwards (:func:`excerpt_features`). Give a list of texts (whole files) to have
    each tokenized on its own and the results put one after another, so one file's error
    never spoils the next.
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
    read_to = 0  # where the last token ended
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            a, b = offset(*tok.start), offset(*tok.end)
            read_to = b
            if tok.type in string_types:
                in_string[a:b] = 1
            elif tok.type == tokenize.COMMENT:
                in_comment[a:b] = 1
            elif tok.type == tokenize.OP and tok.string in "([{":
                depth_change[b] += 1
            elif tok.type == tokenize.OP and tok.string in ")]}":
                depth_change[a] -= 1
    except (tokenize.TokenError, IndentationError, SyntaxError) as error:
        # A cut snippet: keep what was tokenized. If the tokenizer stopped inside a string
        # ("EOF in multi-line string" up to 3.11, "unterminated triple-quoted string" from
        # 3.12), that string starts at the first character after the last whole token.
        if "string" in str(error.args[0] if error.args else ""):
            rest = text[read_to:]
            in_string[read_to + len(rest) - len(rest.lstrip()) :] = 1
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


def excerpt_features(pieces: Sequence[str], whole_texts: Sequence[str]) -> dict[str, np.ndarray]:
    """:func:`code_features` of excerpts, labelled on the whole files and cut afterwards:
    ``pieces[k]`` must be the start of ``whole_texts[k]``. An excerpt cut inside a docstring
    is then labelled as the file's reader knows it (in a string to the cut), whatever the
    tokenizer would make of the excerpt alone."""
    if len(pieces) != len(whole_texts) or not pieces:
        raise ValueError(
            f"give as many excerpts as whole files (at least one), got "
            f"{len(pieces)} and {len(whole_texts)}"
        )
    parts = []
    for k, (piece, whole) in enumerate(zip(pieces, whole_texts, strict=True)):
        if not (isinstance(piece, str) and isinstance(whole, str) and whole.startswith(piece)):
            raise ValueError(f"excerpt {k} is not the start of its whole file")
        parts.append({name: v[: len(piece)] for name, v in code_features(whole).items()})
    return {name: np.concatenate([p[name] for p in parts]) for name in FEATURES}


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
    return fit_probes(states, {"feature": feature}, penalties, folds)["feature"]


def fit_probes(
    states: Tensor | np.ndarray,
    features: Mapping[str, np.ndarray],
    penalties: Sequence[float] = RIDGE_PENALTIES,
    folds: int = 5,
) -> dict[str, Probe]:
    """:func:`fit_probe` for several features of the same states at once.

    Each probe is the one :func:`fit_probe` would fit; the costly part, every block's
    ``x'x`` (units x units over thousands of characters), depends on the states alone, so it
    is computed once for all features instead of once per feature.
    """
    s = _states(states)
    if folds < 2 or len(s) < 2 * folds:
        raise ValueError(f"need folds >= 2 and at least {2 * folds} steps, got {len(s)}")
    if not penalties or min(penalties) <= 0:
        raise ValueError("give positive ridge penalties")
    ys = {name: _feature(values, name, len(s)) for name, values in features.items()}
    mean, scale = s.mean(axis=0), s.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    x = (s - mean) / scale
    blocks = np.array_split(np.arange(len(x)), folds)
    # Sums per block (count, sum of x, x'x): any union of blocks is then a few additions, so
    # cross-validation costs one pass over the text, not one per fold.
    counts = [len(rows) for rows in blocks]
    x_sums = [x[rows].sum(0) for rows in blocks]
    grams = [x[rows].T @ x[rows] for rows in blocks]
    eye = np.eye(x.shape[1])

    def solver(y: np.ndarray) -> Callable[[list[int], float], tuple[np.ndarray, float]]:
        y_sums = [y[rows].sum() for rows in blocks]
        xys = [x[rows].T @ y[rows] for rows in blocks]

        def solve(use: list[int], penalty: float) -> tuple[np.ndarray, float]:
            n = sum(counts[k] for k in use)
            x_mean = sum(x_sums[k] for k in use) / n
            y_mean = sum(y_sums[k] for k in use) / n
            gram = sum(grams[k] for k in use) - n * np.outer(x_mean, x_mean)  # centred
            xy = sum(xys[k] for k in use) - n * x_mean * y_mean
            w = np.linalg.solve(gram + penalty * n * eye, xy)
            return w, float(y_mean - x_mean @ w)

        return solve

    probes = {}
    for name, y in ys.items():
        solve = solver(y)

        def cv_error(penalty: float, solve=solve, y=y) -> float:
            error = 0.0
            for k, held in enumerate(blocks):
                w, b = solve([j for j in range(folds) if j != k], penalty)
                error += float(((x[held] @ w + b - y[held]) ** 2).sum())
            return error

        penalty = min(penalties, key=cv_error)
        weights, bias = solve(list(range(folds)), penalty)
        probes[name] = Probe(weights, bias, mean, scale, float(penalty))
    return probes


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
    # With ``score_lengths``, the Pearson sums of each scoring file (see :func:`pearson_sums`)
    # of the best unit (its sign applied) and of the probe, for :func:`bootstrap_over_files`.
    unit_sums: np.ndarray | None = field(default=None, repr=False, compare=False)
    probe_sums: np.ndarray | None = field(default=None, repr=False, compare=False)

    def __str__(self) -> str:
        return f"{self.feature}: best unit r = {self.unit_r:.2f}, probe r = {self.probe_r:.2f}"


def unit_vs_probe(
    fit_states: Tensor | np.ndarray,
    fit_features: Mapping[str, np.ndarray],
    score_states: Tensor | np.ndarray,
    score_features: Mapping[str, np.ndarray],
    score_lengths: Sequence[int] | None = None,
) -> dict[str, ProbeResult]:
    """For every feature: choose the best unit and fit a probe on the fitting text, then
    score both on the scoring text. With ``score_lengths`` (the characters of each file of
    the scoring text, in order), each result also keeps both readers' Pearson sums per file,
    for :func:`bootstrap_over_files`."""
    fit_s, score_s = _states(fit_states), _states(score_states)
    if fit_s.shape[1] != score_s.shape[1]:
        raise ValueError(
            f"{fit_s.shape[1]} units in the fitting states, "
            f"{score_s.shape[1]} in the scoring states"
        )
    if set(fit_features) != set(score_features):
        raise ValueError("the fitting and scoring texts must have the same features")
    fitted = fit_probes(fit_s, fit_features)
    results = {}
    for name in fit_features:
        fit_f = _feature(fit_features[name], name, len(fit_s))
        score_f = _feature(score_features[name], name, len(score_s))
        unit, r_fit = best_unit(fit_s, fit_f)
        unit_r = np.sign(r_fit) * _r(score_s[:, unit], score_f)
        probe = fitted[name]
        prediction = probe.predict(score_s)
        probe_r = _r(prediction, score_f)
        sums = {}
        if score_lengths is not None:
            unit_values = np.sign(r_fit) * score_s[:, unit]
            sums = {
                "unit_sums": pearson_sums(unit_values, score_f, score_lengths),
                "probe_sums": pearson_sums(prediction, score_f, score_lengths),
            }
        results[name] = ProbeResult(name, unit, float(unit_r), probe_r, probe.penalty, **sums)
    return results


# ---------------------------------------------------------------------- how sure: bootstrap
def pearson_sums(x: np.ndarray, y: np.ndarray, lengths: Sequence[int]) -> np.ndarray:
    """``(files, 6)``: for each file's stretch of the two series (``lengths`` characters each,
    in order), the sums ``n, Σx, Σy, Σx², Σy², Σxy`` from which :func:`pearson_from_sums`
    computes Pearson r of any collection of files, repeats included."""
    x, y = np.asarray(x, dtype=float).reshape(-1), np.asarray(y, dtype=float).reshape(-1)
    lengths = np.asarray(lengths, dtype=int).reshape(-1)
    if len(x) != len(y):
        raise ValueError(f"the two series differ in length: {len(x)} and {len(y)}")
    if len(lengths) == 0 or (lengths < 1).any() or lengths.sum() != len(x):
        raise ValueError(f"lengths must be positive and add up to {len(x)}, got {lengths.sum()}")
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    columns = (np.ones_like(x), x, y, x * x, y * y, x * y)
    return np.stack([np.add.reduceat(c, starts) for c in columns], axis=1)


def pearson_from_sums(sums: np.ndarray) -> np.ndarray:
    """Pearson r from sums ``n, Σx, Σy, Σx², Σy², Σxy`` on the last axis (``(..., 6)``, such
    as :func:`pearson_sums` added over files); 0 where a series never changes."""
    n, sx, sy, sxx, syy, sxy = np.moveaxis(np.asarray(sums, dtype=float), -1, 0)
    cov, var_x, var_y = n * sxy - sx * sy, n * sxx - sx**2, n * syy - sy**2
    # rounding leaves a tiny variance, or a negative one, where a series never changes
    ok = (var_x > 1e-12 * n * sxx) & (var_y > 1e-12 * n * syy)
    denominator = np.sqrt(np.where(ok, var_x * var_y, 1.0))
    return np.where(ok, cov / denominator, 0.0)


def ratio_of_sums(sums: np.ndarray) -> np.ndarray:
    """``Σ first / Σ second`` from sums on the last axis (``(..., 2)``): bits per character
    from each file's ``(bits, characters)``."""
    sums = np.asarray(sums, dtype=float)
    return sums[..., 0] / sums[..., 1]


def bootstrap_over_files(
    per_file: np.ndarray,
    statistic: Callable[[np.ndarray], np.ndarray],
    minus: np.ndarray | None = None,
    resamples: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float]:
    """``(low, high)``: a ``level`` percentile-bootstrap interval of a statistic of a text
    made of files, resampling the files with replacement.

    ``per_file`` is ``(files, k)``: sums that add up over files (such as
    :func:`pearson_sums`, or bits and characters per file), and ``statistic`` computes the
    statistic from their totals, on the last axis (:func:`pearson_from_sums`,
    :func:`ratio_of_sums`). So a resample costs one weighted sum, not a pass over the text.
    With ``minus`` (``(files, k)`` sums of a second score on the *same* files), the interval
    is that of the difference of the two scores, both computed on the same resamples (a
    paired bootstrap): if it contains 0, the two scores are a tie on this evidence.

    The files are drawn as ``numpy.random.default_rng(seed).integers(0, files, (resamples,
    files))``, so the same seed gives the same interval.
    """
    per_file = np.asarray(per_file, dtype=float)
    if per_file.ndim != 2 or len(per_file) < 2:
        raise ValueError(
            f"per_file must be (files, sums) with at least 2 files, got {per_file.shape}"
        )
    if minus is not None:
        minus = np.asarray(minus, dtype=float)
        if minus.ndim != 2 or len(minus) != len(per_file):
            raise ValueError(
                f"minus must be (files, sums) for the same {len(per_file)} files, got {minus.shape}"
            )
    if resamples < 1 or not 0 < level < 1:
        raise ValueError(f"need resamples >= 1 and 0 < level < 1, got {resamples} and {level}")
    weights = _file_weights(len(per_file), resamples, np.random.default_rng(seed))
    values = statistic(weights @ per_file)
    if minus is not None:
        values = values - statistic(weights @ minus)
    low, high = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def unit_sums(
    states: Tensor | np.ndarray, feature: np.ndarray, lengths: Sequence[int]
) -> np.ndarray:
    """``(files, units, 6)``: :func:`pearson_sums` of every unit with ``feature``, file by
    file (``lengths`` characters each, in order): from them, any resample of the files gives
    every unit's r at once, so the best unit can be chosen again in every resample
    (:func:`bootstrap_chosen_unit`)."""
    s = _states(states)
    f = _feature(feature, "feature", len(s))
    lengths = np.asarray(lengths, dtype=int).reshape(-1)
    if len(lengths) == 0 or (lengths < 1).any() or lengths.sum() != len(s):
        raise ValueError(f"lengths must be positive and add up to {len(s)}, got {lengths.sum()}")
    result = np.empty((len(lengths), s.shape[1], 6))
    start = 0
    for k, n in enumerate(lengths):
        x, y = s[start : start + n], f[start : start + n, None]
        result[k] = np.stack(
            [np.full(s.shape[1], n), x.sum(0), np.full(s.shape[1], y.sum()),
             (x * x).sum(0), np.full(s.shape[1], (y * y).sum()), (x * y).sum(0)],
            axis=1,
        )  # fmt: skip
        start += n
    return result


def _chosen_unit_r(fit: np.ndarray, score: np.ndarray, w_fit: np.ndarray, w_score: np.ndarray):
    """For each row of weights: the unit of largest |r| on the weighted fitting files, and
    its r (sign of the fitting r applied) on the weighted scoring files."""
    r_fit = pearson_from_sums(np.einsum("rf,fuk->ruk", w_fit, fit))  # (resamples, units)
    unit = np.abs(r_fit).argmax(axis=1)
    sign = np.sign(r_fit[np.arange(len(unit)), unit])
    chosen = np.einsum("rf,frk->rk", w_score, score[:, unit, :])  # (resamples, 6)
    return sign * pearson_from_sums(chosen), unit


def _file_weights(files: int, resamples: int, rng: np.random.Generator) -> np.ndarray:
    picks = rng.integers(0, files, (resamples, files))
    rows = np.arange(resamples)[:, None] * files
    weights = np.bincount((picks + rows).ravel(), minlength=resamples * files)
    return weights.reshape(resamples, files).astype(float)  # times each file was drawn


def bootstrap_chosen_unit(
    fit: np.ndarray,
    score: np.ndarray,
    minus: tuple[np.ndarray, np.ndarray] | None = None,
    resamples: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float, float]:
    """``(low, high, share)``: a ``level`` interval of the best unit's r on the scoring
    files, where the unit is chosen *again in every resample* on resampled fitting files
    (``fit`` and ``score`` from :func:`unit_sums`): the interval then holds the luck of the
    choice as well as that of the scoring files. ``share``: how often the resamples chose
    the unit chosen on all the fitting files. With ``minus`` (another reader's ``(fit,
    score)`` on the same files), the interval of the difference, both chosen and scored on
    the same resamples."""
    fit, score = np.asarray(fit, dtype=float), np.asarray(score, dtype=float)
    if fit.ndim != 3 or score.ndim != 3 or fit.shape[1:] != score.shape[1:] or fit.shape[2] != 6:
        raise ValueError(
            f"give (files, units, 6) sums of the same units, got {fit.shape} and {score.shape}"
        )
    if len(fit) < 2 or len(score) < 2:
        raise ValueError("need at least 2 fitting and 2 scoring files")
    if resamples < 1 or not 0 < level < 1:
        raise ValueError(f"need resamples >= 1 and 0 < level < 1, got {resamples} and {level}")
    rng = np.random.default_rng(seed)
    w_fit, w_score = (
        _file_weights(len(fit), resamples, rng),
        _file_weights(len(score), resamples, rng),
    )
    values, units = _chosen_unit_r(fit, score, w_fit, w_score)
    everyone = _chosen_unit_r(fit, score, np.ones((1, len(fit))), np.ones((1, len(score))))[1]
    if minus is not None:
        other_fit, other_score = (np.asarray(m, dtype=float) for m in minus)
        if len(other_fit) != len(fit) or len(other_score) != len(score):
            raise ValueError("minus must be sums of the same fitting and scoring files")
        values = values - _chosen_unit_r(other_fit, other_score, w_fit, w_score)[0]
    low, high = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high), float((units == everyone[0]).mean())


def control_feature(
    feature: np.ndarray, ids: Tensor | np.ndarray, size: int, seed: int = 0
) -> np.ndarray:
    """A control task after Hewitt & Liang (2019): every character of the alphabet (``ids``
    index an alphabet of ``size``) is given a value drawn at random from ``feature``'s own
    values, and each character is labelled with its character's value. Same values, same
    form (a fact about each character), but nothing a reader of code knows: what a probe
    reads of it, it reads from the characters themselves. Same ``seed``, same labels."""
    f = np.asarray(feature, dtype=float).reshape(-1)
    ids_np = np.asarray(ids.cpu() if isinstance(ids, Tensor) else ids, dtype=int).reshape(-1)
    if len(f) != len(ids_np) or len(f) == 0:
        raise ValueError(
            f"give a feature and ids of the same length, got {len(f)} and {len(ids_np)}"
        )
    if ids_np.min() < 0 or ids_np.max() >= size:
        raise ValueError(f"ids must lie between 0 and {size - 1}")
    table = np.random.default_rng(seed).choice(f, size=size)
    return table[ids_np]


def differences(
    reports: Mapping[str, Mapping[str, ProbeResult]],
    pairs: Mapping[str, tuple[str, str, str, str]],
    level: float = 0.95,
    resamples: int = 1000,
) -> dict[str, dict[str, tuple[float, float, float]]]:
    """For each ``label: (reader a, reader b, "probe" or "unit" of a, of b)`` and feature:
    ``(r of a - r of b, low, high)`` on the scoring text, the ``level`` interval from the
    paired bootstrap over its files (:func:`bootstrap_over_files`). Needs reports made with
    ``score_lengths`` (:func:`unit_vs_probe`)."""
    result = {}
    for label, (a, b, what_a, what_b) in pairs.items():
        row = {}
        for f in reports[a]:
            sa = getattr(reports[a][f], f"{what_a}_sums")
            sb = getattr(reports[b][f], f"{what_b}_sums")
            if sa is None or sb is None:
                raise ValueError("make the reports with score_lengths, to resample the files")
            low, high = bootstrap_over_files(
                sa, pearson_from_sums, minus=sb, resamples=resamples, level=level
            )
            d = pearson_from_sums(sa.sum(0)) - pearson_from_sums(sb.sum(0))
            row[f] = (float(d), low, high)
        result[label] = row
    return result


def intervals(
    reports: Mapping[str, Mapping[str, ProbeResult]],
) -> dict[tuple[str, str, str], tuple[float, float]]:
    """``(reader, feature, "unit_r" or "probe_r") -> (low, high)``: the 95% interval of each
    score over the scoring files, as :func:`lstm_course.viz.plot_unit_vs_probe` draws them."""
    return {
        (name, f, f"{what}_r"): bootstrap_over_files(
            getattr(report[f], f"{what}_sums"), pearson_from_sums
        )
        for name, report in reports.items()
        for f in report
        for what in ("unit", "probe")
    }


def last_characters(ids: Tensor, size: int, k: int = 6) -> np.ndarray:
    """``(characters, k * size)``: a one-hot code of the character 0, 1, ..., k-1 steps back
    (``ids`` index an alphabet of ``size``): what a probe of the input alone reads, the
    baseline that needs no memory."""
    ids_np = np.asarray(ids.cpu() if isinstance(ids, Tensor) else ids, dtype=int).reshape(-1)
    if k < 1 or len(ids_np) == 0 or ids_np.min() < 0 or ids_np.max() >= size:
        raise ValueError(f"need k >= 1 and ids between 0 and {size - 1}")
    out = np.zeros((len(ids_np), k * size), dtype=np.float32)
    for back in range(k):
        out[np.arange(back, len(ids_np)), back * size + ids_np[: len(ids_np) - back]] = 1.0
    return out


def first_window(
    text: str, features: Mapping[str, np.ndarray], longest: int = 64
) -> tuple[int, int]:
    """``(start, end)`` of the first whole lines of ``text``, at most ``longest`` characters,
    starting on a line that is not empty, with a string, a comment and a bracket (by
    :func:`code_features` of ``text``): a fixed rule, so a snippet is never picked for
    looking good."""
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    for k, a in enumerate(starts):
        if text[a : a + 1] in ("", "\n"):
            continue
        for b in starts[k + 1 :]:
            if b - a > longest:
                break
            if (
                features["in string"][a:b].any()
                and features["in comment"][a:b].any()
                and np.ptp(features["bracket depth"][a:b]) > 0
            ):
                return a, b
    raise ValueError(f"no whole lines of at most {longest} characters have all three")


def saturation(gate: Tensor, low: float = 0.1, high: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """For a gate's activations ``(time, units)``: the fraction of steps each unit is below
    ``low`` (nearly shut) and above ``high`` (nearly open). A unit whose gate is nearly
    always shut or open works as a switch; one that is seldom either weighs its input."""
    if gate.dim() != 2:
        raise ValueError(f"give a gate's activations as (time, units), got {tuple(gate.shape)}")
    g = gate.detach().float().cpu().numpy()
    return (g < low).mean(axis=0), (g > high).mean(axis=0)
