"""The lecture's use gate (lesson 1, section 6): the cell, its name in the exercise check, and
the lesson's "learn gate closed" demonstration, which must fail when its claim is false.

The claim: with the learn gate closed (i_t ≈ 0) the lecture's cell, whose W_u is the identity,
and PyTorch's cell give the same h, because then c_t = f_t ⊙ c_{t-1} is what both tanh's
read. Started from zero memories this "agreement" is vacuous (closed cells keep c = h = 0), so
the lesson starts from a non-zero long-term memory and checks that h is far from zero and that
the open cells differ. The tests run the lesson's own cell, and break the claim on purpose.
"""

import copy
import json
from pathlib import Path

import pytest
import torch
from torch import nn

from lstm_course import exercises as ex
from lstm_course.cells import LectureLSTMCell, LSTMCell, unroll

LESSON = Path(__file__).resolve().parent.parent / "notebooks" / "01_lstm_gates_from_scratch.ipynb"
DEMO_START = 'closed = {"PyTorch\'s": copy.deepcopy(cell)'


def _code_cells() -> list[str]:
    cells = json.loads(LESSON.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


@pytest.fixture(scope="module")
def lesson():
    """The lesson's namespace just before the demonstration, and the demonstration's code."""
    code = _code_cells()
    demo = next(i for i, source in enumerate(code) if source.startswith(DEMO_START))
    namespace: dict = {}
    for source in code[1:demo]:  # skip the Colab setup cell
        if any(slow in source for slow in ("charlm.sample", "python_signs", "fig = ", "display(")):
            continue  # the character model, the figures and tables: not needed here, and slow
        exec(source, namespace)
    return namespace, code[demo]


def _run(lesson, **changes) -> dict:
    namespace, demo = lesson
    ns = {**namespace, **changes}
    exec(demo, ns)
    return ns


def test_the_lessons_demonstration_passes(lesson, capsys):
    ns = _run(lesson)
    assert ns["closed_gap"].max() < 1e-12
    assert "differ by less than 1e-12: False" not in capsys.readouterr().out


def test_the_demonstration_fails_if_the_lecture_cells_tanh_read_something_else(lesson):
    namespace, _ = lesson
    lecture = copy.deepcopy(namespace["lecture_cell"])
    with torch.no_grad():
        lecture.weight_use.mul_(1.5)  # W_u no longer the identity: the claim is false
    with pytest.raises(AssertionError):
        _run(lesson, lecture_cell=lecture)


def test_the_demonstration_fails_from_zero_memory_where_agreeing_proves_nothing(lesson):
    namespace, _ = lesson
    with pytest.raises(AssertionError, match="far from zero"):
        _run(lesson, ltm=torch.zeros_like(namespace["ltm"]))


def test_the_demonstration_fails_if_the_two_cells_were_one_network(lesson):
    """The control: were the "lecture's" cell PyTorch's own, the open cells would agree too."""
    namespace, _ = lesson
    with pytest.raises(AssertionError, match="learn gate open"):
        _run(lesson, lecture_cell=copy.deepcopy(namespace["cell"]))


def test_lecture_cell_with_identity_w_u_reads_the_kept_memory():
    """o_t ⊙ tanh(f_t ⊙ c_{t-1}): the notes' tanh, through the lecture's W_u = I, b_u = 0."""
    torch.manual_seed(0)
    torch_cell = nn.LSTMCell(3, 4, dtype=torch.float64)
    lecture = LectureLSTMCell.from_torch(torch_cell)
    x = torch.randn(2, 3, dtype=torch.float64)
    h, c = torch.randn(2, 4, dtype=torch.float64), torch.randn(2, 4, dtype=torch.float64)
    with torch.no_grad():
        (new_h, new_c), gates = lecture.step(x, (h, c))
        want_c = torch_cell(x, (h, c))[1]
    assert torch.allclose(new_c, want_c, atol=1e-12)
    assert torch.allclose(new_h, gates.use * torch.tanh(gates.forget * c), atol=1e-12)


def test_closed_learn_gate_from_zero_memory_leaves_h_vanishingly_small():
    """Why the old demonstration proved nothing: from zeros, i ≈ σ(-100) keeps h below 1e-40."""
    torch.manual_seed(1)
    cell = LSTMCell(3, 2, dtype=torch.float64)
    with torch.no_grad():
        cell.bias_ih[:2] = -100.0
        h = unroll(cell, torch.randn(6, 3, dtype=torch.float64))[0]
    assert h.abs().max() < 1e-40


def test_check_lstm_step_names_the_lectures_gate(capsys):
    def lecture_use_gate(x, h, c, weight_ih, weight_hh, bias):
        i, f, g, o = (x @ weight_ih.T + h @ weight_hh.T + bias).chunk(4, dim=1)
        kept = torch.sigmoid(f) * c
        return torch.sigmoid(o) * torch.tanh(kept), kept + torch.sigmoid(i) * torch.tanh(g)

    ex.check_lstm_step(lecture_use_gate)
    out = capsys.readouterr().out
    assert "❌" in out and "lecture's use gate with W_u = I" in out
    assert "notes' use gate" not in out
