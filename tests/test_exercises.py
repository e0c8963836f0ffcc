"""What holds for every exercise check of the course, whatever the lesson: each is exported
from ``lstm_course.exercises``, wrapped so it never crashes, covered by its lesson's table of
right and wrong answers (``tests/test_exercises_lessonN.py``), and leaves the lesson's random
stream alone. The tests of one check's answers live in its lesson's file."""

import inspect

import test_exercises_lesson1 as l1
import test_exercises_lesson2 as l2
import test_exercises_lesson3 as l3
import test_exercises_lesson4 as l4
import test_exercises_lesson5 as l5
import test_exercises_lesson6 as l6
import test_exercises_lesson7 as l7
import test_exercises_lesson8 as l8
import torch

from lstm_course import exercises as ex
from lstm_course.exercises import harness

LESSONS = (l1, l2, l3, l4, l5, l6, l7, l8)


def test_every_check_of_the_course_is_covered_by_its_lessons_cases():
    checks = {name for name in dir(ex) if name.startswith("check_")}
    covered = [c.__name__ for lesson in LESSONS for c in lesson.CASES]
    assert sorted(covered) == sorted(checks)  # each check in exactly one lesson's table


def test_every_check_is_exported_and_lives_in_its_lessons_module():
    for n, lesson in enumerate(LESSONS, start=1):
        for check in lesson.CASES:
            assert check.__name__ in ex.__all__
            assert check.__module__ == f"lstm_course.exercises.lesson{n}", check.__name__


def test_every_check_is_wrapped_so_it_never_crashes():
    for name in ex.__all__:
        check = getattr(ex, name)
        # functools.wraps leaves the wrapped function here: the outer one is the harness's
        assert inspect.unwrap(check) is not check, name
        assert check.__code__ is harness._never_crashes(lambda a: None).__code__, name


def test_a_crashing_answer_is_reported_not_raised(capsys):
    def crashes(*args):
        raise RuntimeError("boom")

    ex.check_lstm_step(crashes)
    assert capsys.readouterr().out.startswith("❌ Not yet: your function raised RuntimeError: boom")


def test_the_all_at_once_call_is_told_why(capsys):
    ex.check_step_by_step(l2._all_at_once)
    assert "one step at a time" in capsys.readouterr().out


def test_the_dictionary_handed_to_the_answer_is_the_one_checked(capsys):
    ex.check_encode_with_unk(l3._encode_with_setdefault)
    assert "changed the dictionary" in capsys.readouterr().out


def test_checks_leave_the_global_random_stream_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    ex.check_lstm_step(l1._lstm_step)
    ex.check_step_by_step(l2._step_by_step)
    ex.check_lstm_shapes({"output": (4, 7, 40), "h_n": (6, 4, 20), "c_n": (6, 4, 20)})
    ex.check_set_forget_bias(l5._forget_bias_one)
    ex.check_paper_gru_step(l5._paper_gru_step)
    ex.check_adding_over_seeds(l5._seeds_torch_and_answers)
    assert torch.equal(torch.rand(3), expected)


def test_best_unit_check_explains_the_nan_of_a_unit_that_never_changes(capsys):
    ex.check_best_unit(l6._best_unit_nan_for_a_constant_unit)
    out = capsys.readouterr().out
    assert out.startswith("❌ Not yet: unit 2 never changes") and out.count("\n") == 1, out


def test_forget_bias_check_catches_a_change_elsewhere(capsys):
    def also_zeroes_input_gate(lstm):
        l5._forget_bias_one(lstm)
        with torch.no_grad():
            lstm.bias_ih_l0[: lstm.hidden_size] = 0.0

    ex.check_set_forget_bias(also_zeroes_input_gate)
    assert "bias_ih_l0 changed outside" in capsys.readouterr().out
