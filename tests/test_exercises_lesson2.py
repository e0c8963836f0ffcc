"""Lesson 2's exercise checks (lstm_course/exercises/lesson2.py): answers that must pass,
however written, and plausible wrong ones that must fail with a hint."""

import torch
from exercise_cases import case_tests

from lstm_course import exercises as ex


def _step_by_step(lstm, x):
    outputs, state = [], None
    for x_t in x:
        out, state = lstm(x_t.unsqueeze(0), state)
        outputs.append(out[0])
    return torch.stack(outputs)


def _step_by_step_slices(lstm, x):
    batch = x.shape[1]
    h = torch.zeros(1, batch, lstm.hidden_size, dtype=x.dtype)
    state, outputs = (h, h.clone()), []
    for t in range(len(x)):
        out, state = lstm(x[t : t + 1], state)
        outputs.append(out)
    return torch.cat(outputs)


def _initial_state_every_step(lstm, x):
    return torch.cat([lstm(x_t.unsqueeze(0))[0] for x_t in x])


def _all_at_once(lstm, x):
    return lstm(x)[0]


def _unbatched_steps(lstm, x):  # x[t] is (batch, input): the LSTM reads the batch as time
    state, outputs = None, []
    for x_t in x:
        out, state = lstm(x_t, state)
        outputs.append(out)
    return torch.stack(outputs)


def _last_layer_by_view(h_n):
    layers_directions, batch, hidden = h_n.shape
    last = h_n.view(layers_directions // 2, 2, batch, hidden)[-1]
    return torch.cat([last[0], last[1]], dim=-1)


CASES = {
    ex.check_lstm_shapes: (
        [
            {"output": (4, 7, 40), "h_n": (6, 4, 20), "c_n": (6, 4, 20)},
            {"output": [4, 7, 40], "h_n": torch.Size([6, 4, 20]), "c_n": (6, 4, 20)},
        ],
        [
            {"output": (4, 7, 40), "h_n": (4, 6, 20), "c_n": (6, 4, 20)},
            {"output": (4, 7, 20), "h_n": (6, 4, 20), "c_n": (6, 4, 20)},
            {"output": (7, 4, 40), "h_n": (6, 4, 20), "c_n": (6, 4, 20)},
            {"output": 40, "h_n": (6, 4, 20), "c_n": (6, 4, 20)},
            {"output": (4, 7, 40), "h_n": (6, 4, 20)},
            [(4, 7, 40), (6, 4, 20), (6, 4, 20)],
        ],
    ),
    ex.check_step_by_step: (
        [_step_by_step, _step_by_step_slices],
        [_all_at_once, _initial_state_every_step, _unbatched_steps],
    ),
    ex.check_last_layer_states: (
        [lambda h_n: torch.cat([h_n[-2], h_n[-1]], dim=1), _last_layer_by_view],
        [
            lambda h_n: torch.cat([h_n[0], h_n[1]], 1),  # the first layer
            lambda h_n: torch.cat([h_n[-1], h_n[-2]], 1),  # backward first
            lambda h_n: h_n[-1],
        ],
    ),
}
test_right_answers_pass, test_wrong_answers_fail, test_a_blank_answer_is_the_learners_turn = (
    case_tests(CASES)
)
