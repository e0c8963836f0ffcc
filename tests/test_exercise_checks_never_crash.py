"""Hostile answers: whatever a learner hands a check, it prints one line and never raises.

test_exercises.py holds the answers a learner is likely to write; this file holds the ones
that used to slip through: NaN that passed a tolerance check, wrong types that escaped as
tracebacks, functions that exit or move the model away, and arbitrary values (hypothesis).
"""

import contextlib
import io
import math
import sys

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstm_course import exercises as ex

CHECKS = [getattr(ex, name) for name in sorted(dir(ex)) if name.startswith("check_")]
VERDICTS = ("✅ Correct! ", "❌ Not yet: ", "✏️ Your turn")


def _one_verdict(capsys) -> str:
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.endswith("\n"), out
    assert out.startswith(VERDICTS), out
    return out


def _nan_like(*args):
    """A tensor of the right shape for the tensor checks, all NaN."""
    shaped = args[1] if len(args) > 1 and isinstance(args[1], torch.Tensor) else args[0]
    return torch.full_like(shaped, math.nan)


@pytest.mark.parametrize(
    ("check", "answer"),
    [
        (ex.check_lstm_step, lambda x, h, c, *w: (torch.full_like(h, math.nan),) * 2),
        (ex.check_paper_gru_step, lambda x, h, *w: torch.full_like(h, math.nan)),
        (ex.check_step_by_step, lambda lstm, x: torch.full((6, 2, 4), math.nan).double()),
        (ex.check_last_layer_states, lambda h_n: torch.full((5, 12), math.nan)),
        (ex.check_last_layer_states, lambda h_n: torch.full((5, 12), math.inf)),
    ],
    ids=["lstm_step", "paper_gru_step", "step_by_step", "last_layer_nan", "last_layer_inf"],
)
def test_a_nan_or_infinite_answer_is_never_right(check, answer, capsys):
    # `err > atol` is False for NaN, so a NaN answer used to pass as correct
    check(answer)
    assert _one_verdict(capsys).startswith("❌ Not yet: ")


def _exits(*args):
    sys.exit("bye")


def _resize_bias(lstm):
    lstm.bias_ih_l0 = torch.nn.Parameter(torch.ones(3))


def _double_bias(lstm):
    lstm.bias_ih_l0.data = lstm.bias_ih_l0.data.double()


def _to_meta(lstm):
    lstm.to("meta")


def _meta_pair(x, h, c, *weights):
    return torch.empty(h.shape, device="meta"), torch.empty(c.shape, device="meta")


WRONG_TYPES = [
    (ex.check_memory_after_steps, 10**400),
    (ex.check_vocab_size, 10**400),
    (ex.check_forget_bias, -(10**400)),
    (ex.check_memory_after_steps, math.nan),
    (ex.check_forget_bias, math.inf),
    (ex.check_adding_over_seeds, lambda kind, length, steps: torch.tensor([1.0, 2.0])),
    (ex.check_adding_over_seeds, lambda kind, length, steps: [10**400, 0.1, 0.1]),
    (ex.check_adding_over_seeds, lambda kind, length, steps: [math.inf, math.nan, "0.1"]),
    (ex.check_adding_over_seeds, lambda kind, length, steps: iter([0.1, 0.1])),
    (ex.check_adding_over_seeds, _exits),
    (ex.check_decode_predictions, lambda s, n, v: np.array([["DET", "NOUN"], ["NOUN", "VERB"]])),
    (ex.check_decode_predictions, lambda s, n, v: [None]),
    (ex.check_decode_predictions, lambda s, n, v: [torch.tensor([0, 1, 2]), torch.tensor([1])]),
    (ex.check_encode_with_unk, lambda words, w2i, unk: [None] * len(words)),
    (ex.check_encode_with_unk, lambda words, w2i, unk: [torch.tensor([1, 2])] * len(words)),
    (ex.check_position_in_line, lambda text: [None]),
    (ex.check_position_in_line, lambda text: "abc"),
    (ex.check_position_in_line, lambda text: [math.nan] * len(text)),
    (ex.check_best_unit, lambda states, feature: (math.nan, 0.5)),
    (ex.check_best_unit, lambda states, feature: (math.inf, -0.9)),
    (ex.check_masked_accuracy, lambda scores, tags: torch.tensor([0.5, 0.5])),
    (ex.check_masked_accuracy, lambda scores, tags: math.nan),
    (ex.check_set_forget_bias, _resize_bias),
    (ex.check_set_forget_bias, _double_bias),
    (ex.check_set_forget_bias, _to_meta),
    (ex.check_lstm_step, _meta_pair),
    (ex.check_lstm_step, _exits),
    (ex.check_best_unit, _exits),
    (ex.check_lstm_shapes, {"output": 10**400, "h_n": None, "c_n": math.nan}),
]


@pytest.mark.parametrize(
    ("check", "answer"),
    WRONG_TYPES,
    ids=[f"{c.__name__}-{i}" for i, (c, _) in enumerate(WRONG_TYPES)],
)
def test_a_wrong_type_is_one_line_not_a_traceback(check, answer, capsys):
    check(answer)  # must not raise, SystemExit included
    assert _one_verdict(capsys).startswith("❌ Not yet: ")


def test_a_check_that_cannot_read_the_answer_says_what_the_exercise_asks(capsys):
    class Weird:
        def __eq__(self, other):
            raise RuntimeError("no comparing me")

        def __iter__(self):
            raise SystemExit(3)

    ex.check_decode_predictions(lambda s, n, v: [Weird()])
    out = _one_verdict(capsys)
    assert out.startswith("❌ Not yet: your answer could not be checked (SystemExit: 3)")
    assert "The exercise asks for: ``fn(scores, lengths, tag_vocab) -> list[list[str]]``" in out


def test_every_check_is_wrapped():
    # a new check_* must be decorated with _never_crashes, like the others
    assert all(hasattr(check, "__wrapped__") for check in CHECKS)


# --------------------------------------------------------------------------- property
class _Boom(Exception):
    pass


EXCEPTIONS = [ValueError, TypeError, RuntimeError, ZeroDivisionError, _Boom, SystemExit]
values = st.recursive(
    st.one_of(
        st.none(),
        st.just(...),
        st.booleans(),
        st.integers(min_value=-(10**500), max_value=10**500),
        st.floats(allow_nan=True, allow_infinity=True),
        st.complex_numbers(),
        st.text(max_size=8),
        st.binary(max_size=8),
        st.builds(
            torch.tensor,
            st.lists(st.floats(allow_nan=True, allow_infinity=True, width=32), max_size=6),
        ),
        st.builds(lambda n: torch.full((2, 3, 4), n), st.floats(allow_nan=True, width=32)),
        st.builds(np.array, st.lists(st.integers(-5, 5), max_size=6)),
        st.sampled_from([torch.empty(2, device="meta"), np.float64("nan"), torch.tensor(3)]),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(st.sampled_from(["output", "h_n", "c_n"]), inner, max_size=3),
    ),
    max_leaves=6,
)


def _mutate(arg):
    """What a careless answer does to what it is handed."""
    with torch.no_grad():
        if isinstance(arg, torch.Tensor):
            arg.fill_(math.nan)
        elif isinstance(arg, torch.nn.LSTM):
            arg.bias_hh_l0.data = arg.bias_hh_l0.data[:2]
        elif isinstance(arg, dict):
            arg.clear()
        elif isinstance(arg, list):
            arg.append(None)


def _function(behaviour, result, exception):
    def answer(*args):
        if behaviour == "raise":
            raise exception("raised by the answer")
        if behaviour == "mutate":
            for arg in args:
                _mutate(arg)
        return result

    return answer


answers = st.one_of(
    values,
    st.builds(
        _function,
        st.sampled_from(["return", "raise", "mutate"]),
        values,
        st.sampled_from(EXCEPTIONS),
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(check=st.sampled_from(CHECKS), answer=answers)
def test_any_answer_gets_exactly_one_verdict_line(check, answer):
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        check(answer)  # nothing may escape, SystemExit included
    out = printed.getvalue()
    assert out.count("\n") == 1 and out.endswith("\n") and out.startswith(VERDICTS), out
