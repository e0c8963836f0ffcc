"""The figures and widgets lessons 5 and 6 lean on: they draw what they are given."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch

from lstm_course import charlm, viz


def test_text_heat_html_colours_every_character_and_escapes_html():
    html = viz.text_heat_html("a<b\n", [1.0, 0.0, -1.0, 0.5], "label")
    assert html.count("<span") == 4
    assert "&lt;" in html and "<b\n" not in html
    assert "rgb(" in html and "label" in html
    with pytest.raises(ValueError, match="4 characters but 3 values"):
        viz.text_heat_html("abcd", [0.0, 0.0, 0.0])


def test_gate_saturation_plot_has_a_panel_per_gate():
    shut, open_ = np.array([0.1, 0.0]), np.array([0.8, 0.5])
    fig = viz.plot_gate_saturation({"forget": (shut, open_), "use": (open_, shut)})
    assert [ax.get_title() for ax in fig.axes] == ["forget", "use"]


def test_diagrams_draw():
    for draw in (viz.draw_lstm_cell, viz.draw_gru_cell):
        fig = draw()
        assert fig.axes and fig.axes[0].patches


def test_explorer_redraws_when_the_unit_changes():
    torch.manual_seed(0)
    model = charlm.CharLM(charlm.char_vocab(), charlm.CharLMConfig(embedding_dim=4, hidden_size=8))
    box = viz.activation_explorer(model, {"one": "x = (1)\n"}, start_unit=2)
    controls, _, view = box.children
    choice, what, unit = controls.children
    assert unit.max == 7 and unit.value == 2
    unit.value = 5
    what.value = "forget factor f_t"
    assert "unit 5: forget factor f_t" in view.value and view.value.count("<span") == 8
    choice.value = "(type your own)"
    assert view.value.count("<span") == len(box.children[1].value)  # the typed snippet


def test_states_heatmap_keeps_the_input_aligned_with_the_steps_below_it():
    h, c = torch.rand(12, 4) * 2 - 1, torch.randn(12, 4)
    fig = viz.plot_states_heatmap(h, c, inputs=torch.arange(12.0), title="t")
    fig.tight_layout()  # as a learner might: the alignment must survive it
    fig.canvas.draw()
    inputs = [ax for ax in fig.axes if ax.get_title() == "what the LSTM reads"]
    heatmaps = [ax for ax in fig.axes if "state" in ax.get_title()]
    assert len(inputs) == len(heatmaps) == 2
    for above, below in zip(inputs, heatmaps, strict=True):
        a, b = above.get_position(), below.get_position()
        assert a.x0 == pytest.approx(b.x0) and a.x1 == pytest.approx(b.x1)
        assert above.get_xlim() == pytest.approx(below.get_xlim())
    with pytest.raises(ValueError, match="12 steps of h but 3 inputs"):
        viz.plot_states_heatmap(h, c, inputs=torch.zeros(3))
    with pytest.raises(ValueError, match="must both be"):
        viz.plot_states_heatmap(h, c[:, :2])
