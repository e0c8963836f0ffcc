"""Lesson 6's exercise checks (lstm_course/exercises/lesson6.py): answers that must pass,
however written, and plausible wrong ones that must fail with a hint."""

import math

import numpy as np
import torch
from exercise_cases import case_tests

from lstm_course import charlm, probes
from lstm_course import exercises as ex


def _bpc(logits, targets):
    return torch.nn.functional.cross_entropy(logits, targets).item() / math.log(2)


def _bpc_by_hand(logits, targets):
    log_p = torch.log_softmax(logits, dim=-1)[torch.arange(len(targets)), targets]
    return -(log_p / math.log(2)).mean()  # a 0-d tensor


def _position(text):
    positions, column = [], 0
    for ch in text:
        positions.append(column)
        column = 0 if ch == "\n" else column + 1
    return positions


def _position_by_lines(text):
    return np.concatenate(
        [np.arange(len(line)) for line in text.splitlines(keepends=True)] or [np.zeros(0)]
    )


def _best_unit(states, feature):
    r = [
        np.corrcoef(states[:, u], feature)[0, 1] if states[:, u].std() > 0 else 0.0
        for u in range(states.shape[1])
    ]
    unit = int(np.argmax(np.abs(r)))
    return unit, r[unit]


def _best_unit_nan_for_a_constant_unit(states, feature):  # np.corrcoef gives 0/0 = NaN
    r = [np.corrcoef(states[:, u], feature)[0, 1] for u in range(states.shape[1])]
    unit = int(np.argmax(np.abs(r)))
    return unit, r[unit]


def _best_unit_nan_skipped_by_nanargmax(states, feature):  # right unit, but r is NaN-safe
    r = [np.corrcoef(states[:, u], feature)[0, 1] for u in range(states.shape[1])]
    return int(np.nanargmax(np.abs(r))), r[int(np.nanargmax(np.abs(r)))]


def _best_unit_largest_positive(states, feature):
    r = [np.corrcoef(states[:, u], feature)[0, 1] for u in range(states.shape[1])]
    return int(np.argmax(r)), max(r)


def _best_unit_abs_r(states, feature):
    unit, r = _best_unit(states, feature)
    return unit, abs(r)


def _best_unit_by_covariance(states, feature):  # |cov| grows with a unit's variance
    cov = [np.cov(states[:, u], feature)[0, 1] for u in range(states.shape[1])]
    unit = int(np.argmax(np.abs(cov)))
    return unit, cov[unit]


def _ablation(bits, at):
    extra = np.asarray(bits[1], dtype=float) - np.asarray(bits[0], dtype=float)
    at = np.asarray(at, dtype=bool)
    inside = extra[at].mean() if at.any() else float("nan")
    outside = extra[~at].mean() if (~at).any() else float("nan")
    return inside, outside


def _ablation_torch(bits, at):
    extra = bits[1] - bits[0]
    mask = torch.as_tensor(at)
    return [extra[mask].mean(), extra[~mask].mean()]  # NaN for an empty side, as torch gives


def _closes(text, j, in_string):
    return text[j] in "'\"" and in_string[j] == 1 and (j + 1 == len(text) or in_string[j + 1] == 0)


def _string_ablation(model, text, unit, shift=0, every_quote=False, flip=False):
    bits, _ = charlm.bits_with_units_zeroed(model, text, [[], [unit]])
    in_string = probes.code_features(text)["in string"]
    marks = [
        text[j] in "'\"" if every_quote else _closes(text, j, in_string)
        for j in range(1 - shift, len(text) - shift)
    ]
    extra = (bits[1] - bits[0]).numpy() * (-1 if flip else 1)
    at = np.array(marks)
    return float(extra[at].mean()), float(extra[~at].mean())


def _string_ablation_by_loop(model, text, unit):  # written differently, the same answer
    bits, predicted = charlm.bits_with_units_zeroed(model, text, [[], [unit]])
    in_string = probes.code_features(text + " ")["in string"]
    at, elsewhere = [], []
    for t in range(len(predicted)):
        j = t + 1
        closes = text[j] in "'\"" and in_string[j] == 1 and in_string[j + 1] == 0
        (at if closes else elsewhere).append((bits[1, t] - bits[0, t]).item())
    return np.mean(at), torch.tensor(elsewhere).mean()


CASES = {
    ex.check_string_ablation: (
        [_string_ablation, _string_ablation_by_loop],
        [
            lambda m, t, u: _string_ablation(m, t, u, shift=1),  # marks one character off
            lambda m, t, u: _string_ablation(m, t, u, every_quote=True),  # opening quotes too
            lambda m, t, u: _string_ablation(m, t, u, flip=True),  # row 0 minus row 1
            lambda m, t, u: _string_ablation(m, t, u + 1),  # another unit
            lambda m, t, u: _string_ablation(m, t, u)[0],  # one number
            lambda m, t, u: (float("nan"), float("nan")),
        ],
    ),
    ex.check_ablation_effect: (
        [_ablation, _ablation_torch],
        [
            lambda bits, at: tuple(-v for v in _ablation(bits, at)),  # row 0 minus row 1
            lambda bits, at: (np.asarray(bits[1])[np.asarray(at)].mean(), 0.0),  # no subtraction
            lambda bits, at: _ablation(bits, at)[0],  # one number
            lambda bits, at: (
                (np.asarray(bits[1]) - np.asarray(bits[0])).mean(),
                (np.asarray(bits[1]) - np.asarray(bits[0])).mean(),
            ),  # averaged over all characters
            lambda bits, at: (0.0, 0.0) if not np.asarray(at).any() else _ablation(bits, at),
        ],
    ),
    ex.check_bits_per_character: (
        [_bpc, _bpc_by_hand],
        [
            lambda logits, targets: torch.nn.functional.cross_entropy(logits, targets).item(),
            lambda logits, targets: _bpc(logits, targets) * len(targets),
        ],
    ),
    ex.check_position_in_line: (
        [_position, _position_by_lines],
        [
            lambda text: list(range(len(text))),
            lambda text: [0, *_position(text)[:-1]],
        ],
    ),
    ex.check_best_unit: (
        [
            _best_unit,
            _best_unit_nan_skipped_by_nanargmax,
            lambda s, f: tuple(np.float64(v) for v in _best_unit(s, f)),
        ],
        [
            _best_unit_largest_positive,
            _best_unit_abs_r,
            _best_unit_nan_for_a_constant_unit,
            _best_unit_by_covariance,
            lambda s, f: 4,
            lambda s, f: ("4", -1),
        ],
    ),
}
test_right_answers_pass, test_wrong_answers_fail, test_a_blank_answer_is_the_learners_turn = (
    case_tests(CASES)
)


def test_best_unit_refuses_the_unit_of_largest_covariance_and_says_why(capsys):
    """A unit of large variance and weak r has the largest |covariance|: choosing by it is
    the slip the check must catch, with a hint that names correlation."""
    ex.check_best_unit(_best_unit_by_covariance)
    out = capsys.readouterr().out
    assert out.startswith("❌") and "unit 5 varies the most" in out and "cov / (std" in out, out
