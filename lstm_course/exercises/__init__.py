"""Automatic checks for the lessons' exercises.

Each ``check_*`` takes the learner's answer (a value or a function) and prints one line
that says whether it is right (it starts with ✅) and, if not, what is off (❌). It returns
nothing, so a notebook shows only that line. An answer left as ``...`` is not an error:
the check says it is the learner's turn, so every notebook still runs top to bottom. The
checks draw their test inputs from their own seeded generator and leave the global random
state alone. Whatever the answer is or does (NaN, a wrong type, an exception, ``sys.exit()``)
a check prints that one line and raises nothing: every ``check_*`` is wrapped in
:func:`_never_crashes`, and a new one must be too (a test checks it).

One module per lesson (``lesson1`` … ``lesson8``) holds that lesson's checks and imports
only what that lesson needs; :mod:`lstm_course.exercises.harness` holds what they share.
Every check is importable from here, as the notebooks do:
``from lstm_course.exercises import check_lstm_step``. The lesson modules are imported on
first use (PEP 562's module ``__getattr__``), so lesson 1's checks do not pull in the
tagger, the adding problem or the forecasting code.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Each check, and the lesson module that holds it.
_LESSON_OF = {
    "check_forget_bias": "lesson1",
    "check_lstm_step": "lesson1",
    "check_memory_after_steps": "lesson1",
    "check_last_layer_states": "lesson2",
    "check_lstm_shapes": "lesson2",
    "check_step_by_step": "lesson2",
    "check_encode_with_unk": "lesson3",
    "check_pad_batch": "lesson3",
    "check_vocab_size": "lesson3",
    "check_alone_in_batch": "lesson4",
    "check_decode_predictions": "lesson4",
    "check_masked_accuracy": "lesson4",
    "check_unknown_rate": "lesson4",
    "check_ablation_effect": "lesson6",
    "check_adding_over_seeds": "lesson5",
    "check_paper_gru_step": "lesson5",
    "check_set_forget_bias": "lesson5",
    "check_best_unit": "lesson6",
    "check_string_ablation": "lesson6",
    "check_bits_per_character": "lesson6",
    "check_position_in_line": "lesson6",
    "check_conformal_half_width": "lesson7",
    "check_forecast_origins": "lesson7",
    "check_scale_on_training": "lesson7",
    "check_log_space_scan": "lesson8",
    "check_stabilised_slstm_step": "lesson8",
}

__all__ = sorted(_LESSON_OF)


def __getattr__(name: str) -> Any:
    if name in _LESSON_OF:
        return getattr(importlib.import_module(f"{__name__}.{_LESSON_OF[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
