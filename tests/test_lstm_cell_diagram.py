"""The LSTM cell diagram of lesson 1 and the README: nothing drawn over a label.

Checked on the rendered figure, in pixels: no wire crosses a label or a region's title, no
label overlaps another label or a box it does not belong to, and the output's hop over the
long-term memory stays clear of that wire's arrowhead.
"""

import itertools

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch
from matplotlib.transforms import Bbox

from lstm_course import diagrams, viz

CLEARANCE = 2.0  # pixels a label keeps from any wire or box


@pytest.fixture(scope="module")
def drawn():
    viz.use_course_style()
    fig = diagrams.draw_lstm_cell()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    texts = [t for t in ax.texts if t.get_text().strip()]
    boxes = {id(t): t.get_window_extent(renderer).padded(CLEARANCE) for t in texts}
    yield fig, ax, texts, boxes
    matplotlib.pyplot.close(fig)


def _arrow_points(arrow: FancyArrowPatch) -> np.ndarray:
    """The points of an arrow's shaft and head, in data coordinates."""
    return np.concatenate(arrow.get_path().to_polygons(closed_only=False))


def _wire_segments(ax):
    """Every straight piece of every wire and line, in pixels."""
    polylines = [np.column_stack(line.get_data()) for line in ax.lines if isinstance(line, Line2D)]
    for arrow in (p for p in ax.patches if isinstance(p, FancyArrowPatch)):
        polylines += arrow.get_path().to_polygons(closed_only=False)  # shaft and head
    for points in polylines:
        yield from itertools.pairwise(ax.transData.transform(points))


def _segment_hits_box(a, b, box: Bbox) -> bool:
    """Whether the segment a-b passes through the box (sampled finely enough for pixels)."""
    for s in np.linspace(0.0, 1.0, 200):
        x, y = a + s * (b - a)
        if box.x0 < x < box.x1 and box.y0 < y < box.y1:
            return True
    return False


def _symbol_boxes(ax):
    """The white boxes and circles of the activations and operations, in pixels."""
    for patch in ax.patches:
        if isinstance(patch, Circle) or (
            isinstance(patch, FancyBboxPatch) and patch.get_facecolor()[:3] == (1.0, 1.0, 1.0)
        ):
            yield patch.get_window_extent()


def test_no_wire_crosses_a_label_or_a_title(drawn):
    _, ax, texts, boxes = drawn
    for text in texts:
        if text.get_text() in ("×", "+", "$\\sigma$", "$\\tanh$"):
            continue  # the symbol inside an operation's circle or an activation's box
        for a, b in _wire_segments(ax):
            assert not _segment_hits_box(a, b, boxes[id(text)]), (
                f"a wire crosses the label {text.get_text()!r}"
            )


def test_no_label_overlaps_another_or_a_box_it_is_not_in(drawn):
    _, ax, texts, boxes = drawn
    for i, one in enumerate(texts):
        for other in texts[i + 1 :]:
            assert not boxes[id(one)].overlaps(boxes[id(other)]), (
                f"{one.get_text()!r} overlaps {other.get_text()!r}"
            )
        centre = np.array(boxes[id(one)].get_points()).mean(axis=0)
        for extent in _symbol_boxes(ax):
            if extent.contains(*centre):
                continue  # the box's own symbol
            assert not boxes[id(one)].overlaps(extent), (
                f"{one.get_text()!r} overlaps the box or circle at {extent.bounds}"
            )


def test_the_hop_stays_clear_of_the_long_term_memory_arrowhead(drawn):
    _, ax, _, _ = drawn
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    # the long-term memory's last wire: the arrow that ends furthest right at the top
    ltm = max(arrows, key=lambda p: tuple(_arrow_points(p).max(0)))
    head = ax.transData.transform(_arrow_points(ltm))
    head_left = head[head[:, 0] > head[:, 0].max() - 40][:, 0].min()  # the arrowhead's base
    curves = [line for line in ax.lines if len(line.get_xdata()) > 2]  # the hop's half circle
    assert len(curves) == 1
    bulge_right = ax.transData.transform(np.column_stack(curves[0].get_data()))[:, 0].max()
    assert head_left - bulge_right > 10, "the hop touches the long-term memory's arrowhead"


def test_the_use_gates_tanh_is_a_circle_and_the_legend_says_what_that_means(drawn):
    """PyTorch's use-gate tanh has no weights (lesson 1, section 6): it is drawn as a circle,
    an element-wise operation like × and +, not as a box like the layers with weights."""
    _, ax, texts, boxes = drawn
    tanhs = sorted((t for t in texts if t.get_text() == "$\\tanh$"), key=lambda t: t.get_position())
    assert len(tanhs) == 2  # the learn gate's g_t (a layer) and the use gate's (element-wise)
    circles = [p.get_window_extent() for p in ax.patches if isinstance(p, Circle)]
    for tanh, element_wise in zip(tanhs, (False, True), strict=True):
        centre = np.array(boxes[id(tanh)].get_points()).mean(axis=0)
        assert any(c.contains(*centre) for c in circles) == element_wise, tanh.get_position()
    legend = [t.get_text() for t in texts]
    assert "box: weights + activation" in legend
    assert "circle: element-wise, no weights" in legend
