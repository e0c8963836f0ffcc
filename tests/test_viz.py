"""The figures and widgets lessons 5 and 6 lean on: they draw what they are given."""

import matplotlib

matplotlib.use("Agg")

import html
import re

import ipywidgets
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_course import charlm, diagrams, explorer, viz


def test_text_heat_html_colours_every_character_and_escapes_html():
    html = explorer.text_heat_html("a<b\n", [1.0, 0.0, -1.0, 0.5], "label")
    assert html.count("<span") == 4
    assert "&lt;" in html and "<b\n" not in html
    assert "rgb(" in html and "label" in html
    with pytest.raises(ValueError, match="4 characters but 3 values"):
        explorer.text_heat_html("abcd", [0.0, 0.0, 0.0])


def _wcag_contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG 2.1's contrast ratio of two sRGB colours (0-255), written out from its definition."""

    def luminance(rgb):
        lin = [
            (c / 255) / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4
            for c in rgb
        ]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


NAMED = {"black": (0, 0, 0), "white": (255, 255, 255)}
SPAN = re.compile(r'<span style="background-color:rgb\((\d+),(\d+),(\d+)\);color:(\w+)">')


def _contrasts(html_text: str) -> list[float]:
    return [
        _wcag_contrast((int(r), int(g), int(b)), NAMED[colour])
        for r, g, b, colour in SPAN.findall(html_text)
    ]


def test_text_heat_html_text_is_readable_on_every_colour_of_the_scale():
    values = np.linspace(-1, 1, 2001)  # finer than the colour map's 256 steps
    page = explorer.text_heat_html("x" * len(values), values)
    contrasts = _contrasts(page)
    assert len(contrasts) == len(values)
    assert min(contrasts) >= 4.5, f"WCAG AA needs 4.5:1, the worst character has {min(contrasts)}"
    # the colour the issue found, rgb(111,2,32), now has white text
    assert "color:white" in explorer.text_heat_html("a", [1.0]) and "color:black" in page


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True, width=32), min_size=1, max_size=40))
def test_text_heat_html_every_character_has_wcag_aa_contrast(values):
    page = explorer.text_heat_html("a" * len(values), values)
    contrasts = _contrasts(page)
    assert len(contrasts) == len(values)
    assert all(c >= 4.5 for c in contrasts), contrasts


def test_gate_saturation_plot_has_a_panel_per_gate():
    shut, open_ = np.array([0.1, 0.0]), np.array([0.8, 0.5])
    fig = viz.plot_gate_saturation({"forget": (shut, open_), "use": (open_, shut)})
    assert [ax.get_title() for ax in fig.axes] == ["forget", "use"]


def test_diagrams_draw():
    for draw in (diagrams.draw_lstm_cell, diagrams.draw_gru_cell):
        fig = draw()
        assert fig.axes and fig.axes[0].patches


def _tiny_explorer(**kw):
    torch.manual_seed(0)
    model = charlm.CharLM(charlm.char_vocab(), charlm.CharLMConfig(embedding_dim=4, hidden_size=8))
    return explorer.activation_explorer(model, {"one": "x = (1)\n", "two": "'a' # b\n"}, **kw)


def _drawn_text(view_html: str) -> str:
    """The characters the explorer drew, read back from its HTML."""
    chars = re.findall(r"<span[^>]*>(.*?)</span>", view_html)
    return html.unescape("".join(chars).replace("↵<br>", "\n")).replace("\xa0", " ")


def test_explorer_redraws_when_the_unit_the_view_or_the_snippet_changes():
    box = _tiny_explorer(start_unit=2)
    assert box.unit.max == 7 and box.unit.value == 2 and box.unit_box.value == 2
    assert _drawn_text(box.view.value) == "x = (1)\n"
    seen = [box.view.value]
    box.unit.value = 5
    assert box.unit_box.value == 5, "the number box follows the slider"
    box.unit_box.value = 6
    assert box.unit.value == 6, "and the slider the number box"
    assert "unit 6: tanh(c_t)" in box.view.value
    seen.append(box.view.value)
    box.show.value = "forget factor f_t"
    assert "unit 6: forget factor f_t" in box.view.value
    seen.append(box.view.value)
    box.snippet.value = "two"
    assert _drawn_text(box.view.value) == "'a' # b\n"
    seen.append(box.view.value)
    assert len(set(seen)) == len(seen), "every change redrew the text"


def test_explorer_draws_typed_text_at_once():
    box = _tiny_explorer()
    assert box.snippet.value == "one"
    box.text.value = "print('hi')"
    assert box.snippet.value == box.OWN, "typing chooses your own text"
    assert _drawn_text(box.view.value) == "print('hi')"
    box.text.value = "print('hi')\n# more"
    assert _drawn_text(box.view.value) == "print('hi')\n# more"
    box.text.value = ""
    assert "<span" not in box.view.value and "type some code" in box.view.value
    box.snippet.value = "one"
    assert _drawn_text(box.view.value) == "x = (1)\n", "a snippet is drawn again when chosen"


def test_explorer_unit_slider_is_wide_and_has_a_number_box():
    box = _tiny_explorer()
    assert box.unit.layout.flex == "1 1 auto", "the slider takes the row's width"
    assert box.unit_box.min == 0 and box.unit_box.max == box.unit.max
    assert box.unit_box in box.children[1].children and box.unit in box.children[1].children


def test_explorer_stored_without_a_kernel_reads_as_a_picture_not_a_repr():
    box = _tiny_explorer(start_unit=3)
    box.show.value = "use factor o_t"
    bundle = box._repr_mimebundle_()
    if int(ipywidgets.__version__.split(".")[0]) >= 8:  # 7 draws widgets another way
        assert "application/vnd.jupyter.widget-view+json" in bundle  # live, it is the widget
    assert "children=" not in bundle["text/plain"] and "unit 3" in bundle["text/plain"]
    assert box.view.value in bundle["text/html"]
    assert "unit <b>3</b>" in bundle["text/html"] and "use factor o_t" in bundle["text/html"]


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


def test_panels_on_one_scale_share_one_colour_scale_and_bar():
    steps = list("x = (1)")
    h = np.linspace(-0.5, 0.5, 14).reshape(7, 2)
    fig = viz.plot_on_one_scale(
        {"h": h, "tanh(c)": 2 * h, "o": np.full((7, 2), 0.9)}, steps, ["unit 1", "unit 2"], "t"
    )
    images = [im for ax in fig.axes for im in ax.get_images()]
    assert len(images) == 3 and {im.get_clim() for im in images} == {(-1.0, 1.0)}
    assert len(fig.axes) == 4  # three panels and one colour bar
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == steps
    with pytest.raises(ValueError, match="every panel must be"):
        viz.plot_on_one_scale({"h": h, "c": h[:, :1]}, steps, ["a", "b"], "t")


def test_probe_bars_take_intervals_as_error_bars():
    from lstm_course.probes import ProbeResult

    reports = {
        "m": {"f": ProbeResult("f", 0, 0.4, 0.6, 1.0), "g": ProbeResult("g", 1, 0.2, 0.3, 1.0)}
    }
    intervals = {("m", f, a): (0.1, 0.7) for f in ("f", "g") for a in ("unit_r", "probe_r")}
    fig = viz.plot_unit_vs_probe(reports, intervals)
    assert len(fig.axes[0].containers) == 4  # two bar groups, two error bar groups
    assert "95% interval" in fig.axes[0].get_title()
