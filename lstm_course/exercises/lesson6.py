"""The checks of lesson 6's exercises (seeing inside the network).

Shared machinery is in :mod:`lstm_course.exercises.harness`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from lstm_course.exercises.harness import (
    _as_number,
    _call,
    _int_list,
    _never_crashes,
    _show,
    _unanswered,
    _verdict,
    _wanted_number,
)


@_never_crashes
def check_bits_per_character(fn: Callable) -> None:
    """``fn(logits, targets) -> float``: the average surprise in bits per character."""
    if _unanswered(fn):
        return
    gen = torch.Generator().manual_seed(6)
    for n, classes in [(1, 2), (50, 98), (7, 5)]:
        logits = torch.randn(n, classes, generator=gen) * 3
        targets = torch.randint(0, classes, (n,), generator=gen)
        want = nn.functional.cross_entropy(logits, targets).item() / math.log(2)
        ok, got = _call(fn, logits, targets)
        if not ok:
            return _verdict(False, got)
        if _as_number(got) is None:
            return _verdict(False, _wanted_number(got, "return"))
        got = _as_number(got)
        if math.isclose(got, want * math.log(2), rel_tol=1e-4):
            return _verdict(False, "that is in nats (natural log); divide by ln 2 for bits.")
        if not math.isclose(got, want, rel_tol=1e-4):
            return _verdict(False, f"for {n} characters you gave {got:.4f}, expected {want:.4f}")
    return _verdict(True, "cross-entropy in nats divided by ln 2: bits per character.")


@_never_crashes
def check_position_in_line(fn: Callable) -> None:
    """``fn(text) -> list[int]``: for every character, how many characters precede it on
    its line (a newline belongs to the line it ends)."""
    if _unanswered(fn):
        return
    for text in ["ab\ncd", "\n\nx", "def f():\n    return 1\n", "x"]:
        want = []
        column = 0
        for ch in text:
            want.append(column)
            column = 0 if ch == "\n" else column + 1
        ok, got = _call(fn, text)
        if not ok:
            return _verdict(False, got)
        positions = _int_list(got)
        if positions is None:
            return _verdict(False, f"return a list of whole numbers, got {_show(got)}")
        if positions != want:
            return _verdict(False, f"for {text!r} you gave {positions}, expected {want}")
    return _verdict(True, "the column of every character, restarting after each newline.")


def _is_nan(value: Any) -> bool:
    """Whether ``value`` is a NaN number (a float, a NumPy scalar, a one-element tensor)."""
    try:
        return math.isnan(float(value))
    except Exception:
        return False


@_never_crashes
def check_best_unit(fn: Callable) -> None:
    """``fn(states, feature) -> (unit, r)``: the unit whose state correlates most strongly
    (largest |r|, sign kept) with the feature."""
    if _unanswered(fn):
        return
    gen = torch.Generator().manual_seed(7)
    feature = torch.randn(200, generator=gen)
    states = torch.randn(200, 6, generator=gen)
    states[:, 4] = -2 * feature + 0.3 * torch.randn(200, generator=gen)  # strong, negative
    states[:, 1] = feature + 1.5 * torch.randn(200, generator=gen)  # weaker, positive
    states[:, 2] = 0.5  # never changes, as a unit of a real memory may: its r is 0/0
    # varies most, follows the feature weakly: the largest |covariance|, a small |r| (0.2)
    states[:, 5] = 10 * feature + 40 * torch.randn(200, generator=gen)
    r_all = [torch.corrcoef(torch.stack([states[:, u], feature]))[0, 1].item() for u in range(6)]
    with np.errstate(invalid="ignore", divide="ignore"):  # the 0/0: the verdict says it
        ok, got = _call(fn, states.numpy(), feature.numpy())
    if not ok:
        return _verdict(False, got)
    if not (isinstance(got, tuple) and len(got) == 2):
        return _verdict(False, "return a pair (unit, r)")
    unit, r = (_as_number(v) for v in got)
    if unit == 2 or _is_nan(got[1]):
        return _verdict(
            False,
            "unit 2 never changes, so its r is 0/0 = NaN, and argmax takes NaN for the largest: "
            "count a unit that never changes as r = 0, or skip it.",
        )
    if unit is None or r is None or unit != int(unit):
        return _verdict(False, f"return a unit number and a correlation, got {got!r}")
    if int(unit) == 1:
        return _verdict(
            False,
            "unit 1 has the largest positive r, but a strongly negative r "
            "is just as telling: compare |r|.",
        )
    if int(unit) == 5:
        return _verdict(
            False,
            f"unit 5 varies the most, so its covariance with the feature is the largest, but "
            f"it follows the feature weakly (r = {r_all[5]:.2f}): divide the covariance by both "
            "standard deviations, r = cov / (std · std), and compare |r|.",
        )
    if int(unit) != 4:
        return _verdict(False, f"unit {int(unit)} is not the one with the largest |r|")
    if not math.isclose(float(r), r_all[4], abs_tol=1e-4):
        return _verdict(False, f"unit 4 is right, but its r is {r_all[4]:.4f}, not {float(r):.4f}")
    return _verdict(True, f"unit 4, r = {r_all[4]:.2f}: strongly negative is as good as positive.")


@_never_crashes
def check_ablation_effect(fn: Callable) -> None:
    """``fn(bits, at) -> (extra_at, extra_elsewhere)``: the mean extra bits (row 1 minus row
    0) at the marked characters and at the others; NaN for a side with no characters."""
    if _unanswered(fn):
        return
    gen = np.random.default_rng(6)
    for n in (40, 7):
        bits = np.abs(gen.normal(2.0, 1.0, (2, n)))
        at = gen.random(n) < 0.3
        at[0], at[1] = True, False
        extra = bits[1] - bits[0]
        want = (extra[at].mean(), extra[~at].mean())
        ok, got = _call(fn, torch.tensor(bits), at)
        if not ok:
            return _verdict(False, got)
        if not (isinstance(got, tuple | list) and len(got) == 2):
            return _verdict(False, f"return a pair (extra_at, extra_elsewhere), got {_show(got)}")
        values = [_as_number(v) for v in got]
        if any(v is None for v in values):
            return _verdict(False, _wanted_number(got, "return two"))
        if all(math.isclose(v, -w, abs_tol=1e-6) for v, w in zip(values, want, strict=True)):
            return _verdict(
                False, "the sign is flipped: extra bits are row 1 (zeroed) minus row 0."
            )
        if math.isclose(values[0], bits[1][at].mean(), abs_tol=1e-6):
            return _verdict(False, "that is the zeroed model's bits; subtract the untouched row 0.")
        if not all(math.isclose(v, w, abs_tol=1e-6) for v, w in zip(values, want, strict=True)):
            return _verdict(
                False,
                f"expected ({want[0]:.3f}, {want[1]:.3f}), got ({values[0]:.3f}, {values[1]:.3f})",
            )
    ok, got = _call(fn, torch.ones(2, 5), np.zeros(5, dtype=bool))
    if not ok:
        return _verdict(False, "with no marked character: " + str(got))
    if not (isinstance(got, tuple | list) and len(got) == 2 and _is_nan(got[0])):
        return _verdict(
            False, "with no marked character the first average does not exist: return NaN."
        )
    return _verdict(
        True, "the extra bits a zeroed unit costs, where it should matter and elsewhere."
    )


def _closing_quotes(text: str) -> np.ndarray:
    """Over every character of ``text``: which close a string (a quote whose next character
    is no longer in a string, or which ends the text)."""
    from lstm_course.probes import code_features  # probes imports no exercise: no circle

    in_string = code_features(text)["in string"]
    after = np.append(in_string[1:], 0.0)
    quote = np.array([ch in "'\"" for ch in text])
    return quote & (in_string == 1) & (after == 0)


def _pair(got: Any) -> list[float] | None:
    if not (isinstance(got, tuple | list) and len(got) == 2):
        return None
    values = [_as_number(v) for v in got]
    return None if any(v is None for v in values) else values


@_never_crashes
def check_string_ablation(fn: Callable) -> None:
    """``fn(model, text, unit) -> (extra_at_closing_quotes, extra_elsewhere)``: zero ``unit``
    with ``charlm.bits_with_units_zeroed`` and return the mean extra bits at the characters
    that close a string and at all the other predicted characters."""
    if _unanswered(fn):
        return
    from lstm_course import charlm  # imported here: the other checks need no model

    torch.manual_seed(6)
    model = charlm.CharLM(charlm.char_vocab(), charlm.CharLMConfig(8, 16))
    text = 'x = "ab"  # "no"\ny = f(\'c\', "")\n'
    unit = 3
    bits, _ = charlm.bits_with_units_zeroed(model, text, [[], [unit]])
    extra = (bits[1] - bits[0]).double().numpy()
    closing = _closing_quotes(text)[1:]  # over the predicted characters, text[1:]
    want = (extra[closing].mean(), extra[~closing].mean())
    ok, got = _call(fn, model, text, unit)
    if not ok:
        return _verdict(False, got)
    values = _pair(got)
    if values is None:
        return _verdict(False, f"return a pair (extra_at, extra_elsewhere), got {_show(got)}")
    if all(math.isclose(v, w, abs_tol=1e-5) for v, w in zip(values, want, strict=True)):
        return _verdict(True, "the extra bits where strings close, and elsewhere.")
    if all(math.isclose(v, -w, abs_tol=1e-5) for v, w in zip(values, want, strict=True)):
        return _verdict(False, "the sign is flipped: extra bits are the zeroed row minus row 0.")
    quotes = np.array([ch in "'\"" for ch in text])
    shifted = _closing_quotes(text)[:-1]  # marks over text[:-1] instead of text[1:]
    for mask, hint in [
        (quotes[1:], "that marks every quote; mark only those that close a string."),
        (shifted, "the marks are one character off: bits[:, t] is the surprise at text[t + 1]."),
    ]:
        if mask.any() and math.isclose(values[0], extra[mask].mean(), abs_tol=1e-5):
            return _verdict(False, hint)
    return _verdict(
        False, f"expected ({want[0]:.4f}, {want[1]:.4f}), got ({values[0]:.4f}, {values[1]:.4f})"
    )
