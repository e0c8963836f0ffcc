"""The three tests every lesson's exercise checks get, from that lesson's table of cases.

Each ``tests/test_exercises_lessonN.py`` holds ``CASES = {check: (right answers, wrong
answers)}`` for lesson N's checks and calls :func:`case_tests`; ``tests/test_exercises.py``
checks that together they cover every check the package exports.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest


def _ids(cases: list[tuple[Callable, object]]) -> list[str]:
    seen: dict[str, int] = {}
    ids = []
    for check, _ in cases:
        seen[check.__name__] = seen.get(check.__name__, 0) + 1
        ids.append(f"{check.__name__}-{seen[check.__name__]}")
    return ids


def case_tests(cases: dict[Callable, tuple[list, list]]) -> tuple[Callable, Callable, Callable]:
    """A right answer prints one ✅ line; a wrong one a ❌ line with a hint; ``...`` is the
    learner's turn. Returned as test functions for the calling module to bind."""
    right = [(c, a) for c, (rights, _) in cases.items() for a in rights]
    wrong = [(c, a) for c, (_, wrongs) in cases.items() for a in wrongs]

    @pytest.mark.parametrize(("check", "answer"), right, ids=_ids(right))
    def test_right_answers_pass(check, answer, capsys):
        assert check(answer) is None  # nothing for a notebook to echo after the verdict
        out = capsys.readouterr().out
        assert out.startswith("✅ Correct!") and out.count("\n") == 1, out

    @pytest.mark.parametrize(("check", "answer"), wrong, ids=_ids(wrong))
    def test_wrong_answers_fail(check, answer, capsys):
        check(answer)  # never raises
        out = capsys.readouterr().out
        assert out.startswith("❌ Not yet: ") and len(out) > len("❌ Not yet: ") + 10, out

    @pytest.mark.parametrize("check", list(cases), ids=lambda c: c.__name__)
    def test_a_blank_answer_is_the_learners_turn(check, capsys):
        check(...)
        assert capsys.readouterr().out.startswith("✏️ Your turn")

    return (
        test_right_answers_pass,
        test_wrong_answers_fail,
        test_a_blank_answer_is_the_learners_turn,
    )
