"""The cell diagrams: the LSTM cell of lesson 1 and the GRU cell of lesson 5, drawn as boxes
(a layer with weights and its activation), circles (element-wise operations) and wires.

The geometry is tested in pixels (``tests/test_lstm_cell_diagram.py``) and the README's copies
in ``images/`` are made by ``tools/make_figures.py``. The gate colours are defined here, once,
and every plot of the course (:mod:`lstm_course.viz`) uses them.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

# One colour per gate, used by every figure of the course.
GATE_COLOURS = {
    "forget": "#4C72B0",
    "learn": "#55A868",
    "remember": "#DD8452",
    "use": "#8172B3",
    # the GRU's gates (lesson 5): the update gate keeps like the forget gate does
    "update": "#4C72B0",
    "reset": "#C44E52",
}


class _Diagram:
    """The drawing vocabulary of the cell diagrams: coloured gate regions, boxes for the
    activations, circles for the operations, and wires, all on one equal-aspect axis."""

    def __init__(
        self, size: tuple[float, float], xlim: tuple[float, float], ylim: tuple[float, float]
    ):
        self.fig, self.ax = plt.subplots(figsize=size)
        self.ax.set_xlim(*xlim)
        self.ax.set_ylim(*ylim)
        self.ax.set_aspect("equal")
        self.ax.axis("off")

    def region(self, x0: float, y0: float, x1: float, y1: float, gate: str, title: str) -> None:
        colour = GATE_COLOURS[gate]
        self.ax.add_patch(
            FancyBboxPatch(
                (x0, y0),
                x1 - x0,
                y1 - y0,
                boxstyle="round,pad=0.05",
                fc=colour,
                ec=colour,
                alpha=0.13,
                lw=1.5,
            )
        )
        self.ax.text(
            x0 + 0.08,
            y1 - 0.08,
            title,
            color=colour,
            fontsize=10.5,
            fontweight="bold",
            va="top",
            ha="left",
            zorder=5,
        )

    def box(
        self, x: float, y: float, text: str, gate: str, w: float = 0.76, h: float = 0.5
    ) -> None:
        self.ax.add_patch(
            FancyBboxPatch(
                (x - w / 2, y - h / 2),
                w,
                h,
                boxstyle="round,pad=0.04",
                fc="white",
                ec=GATE_COLOURS[gate],
                lw=2,
                zorder=3,
            )
        )
        self.ax.text(
            x, y, text, ha="center", va="center", fontsize=12 if h >= 0.5 else 11, zorder=4
        )

    def op(self, x: float, y: float, symbol: str, size: float = 15, radius: float = 0.24) -> None:
        self.ax.add_patch(Circle((x, y), radius, fc="white", ec="black", lw=1.5, zorder=3))
        self.ax.text(x, y, symbol, ha="center", va="center", fontsize=size, zorder=4)

    def wire(self, points: list[tuple[float, float]], arrow: bool = True) -> None:
        xs, ys = zip(*points, strict=True)
        if len(points) > 2:
            self.ax.plot(xs[:-1], ys[:-1], color="black", lw=1.6, zorder=1)
        self.ax.add_patch(
            FancyArrowPatch(
                points[-2],
                points[-1],
                color="black",
                lw=1.6,
                zorder=2,
                arrowstyle="-|>" if arrow else "-",
                mutation_scale=14,
                shrinkA=0,
                shrinkB=14 if arrow else 0,
            )
        )

    def line(self, points: list[tuple[float, float]]) -> None:
        xs, ys = zip(*points, strict=True)
        self.ax.plot(xs, ys, color="black", lw=1.6, zorder=1)

    def label(self, x: float, y: float, text: str, ha: str = "center", size: float = 10.5) -> None:
        self.ax.text(x, y, text, ha=ha, va="center", fontsize=size, zorder=5)


def _legend(d: _Diagram, x: float, y: float) -> None:
    """What a box and a circle mean: the difference between a gate's layer and the
    use gate's tanh, which is the point of lesson 1's section 6."""
    d.ax.add_patch(
        FancyBboxPatch(
            (x - 0.2, y - 0.13), 0.4, 0.26, boxstyle="round,pad=0.03", fc="white", ec="black"
        )
    )
    d.label(x + 0.35, y, "box: weights + activation", ha="left", size=9.5)
    d.ax.add_patch(Circle((x + 4.75, y), 0.16, fc="white", ec="black", lw=1.5))
    d.label(x + 5.05, y, "circle: element-wise, no weights", ha="left", size=9.5)


def draw_lstm_cell() -> Figure:
    """The LSTM cell, labelled in the course's words and in the standard notation.

    Every wire ends in an arrowhead that nothing covers, labels sit beside wires rather than
    on them, and where the output h_t crosses the long-term memory it hops over it."""
    d = _Diagram((14.5, 6.3), (-1.0, 17.2), (-0.9, 7.6))
    top, bus, gate_y = 5.6, 0.9, 2.4
    # Regions, with the course's name and the standard formula. The learn gate's product
    # rises at x = 6.3, clear of the end of the "Learn gate" title.
    d.region(1.7, 1.6, 4.15, 6.95, "forget", "Forget gate\n$f_t \\odot c_{t-1}$")
    d.region(4.35, 1.6, 8.75, 4.75, "learn", "Learn gate\n$i_t \\odot g_t$")
    d.region(
        5.6,
        4.95,
        8.85,
        6.95,
        "remember",
        "Remember gate\n$c_t = f_t \\odot c_{t-1} + i_t \\odot g_t$",
    )
    d.region(8.95, 1.6, 12.5, 5.05, "use", "Use gate\n$h_t = o_t \\odot \\tanh(c_t)$")

    # The long-term memory: kept in part (×), then added to (+), straight through.
    d.wire([(-0.9, top), (2.4, top)])
    d.op(2.4, top, "×")
    d.wire([(2.4, top), (6.3, top)])
    d.op(6.3, top, "+")
    d.wire([(6.3, top), (14.0, top)])
    # The short-term memory and the event join into one bus that feeds every gate.
    d.line([(-0.9, bus), (9.7, bus)])
    d.line([(1.2, -0.6), (1.2, bus)])
    d.ax.add_patch(Circle((1.2, bus), 0.07, color="black", zorder=3))
    for x in (2.4, 5.3, 7.3, 9.7):
        d.wire([(x, bus), (x, gate_y)])
    d.box(2.4, gate_y, "$\\sigma$", "forget")
    d.box(5.3, gate_y, "$\\sigma$", "learn")
    d.box(7.3, gate_y, "$\\tanh$", "learn")
    d.box(9.7, gate_y, "$\\sigma$", "use")
    # Forget: f_t up to the × on the highway.
    d.wire([(2.4, gate_y + 0.25), (2.4, top)])
    d.label(2.5, 3.3, "forget factor $f_t$", ha="left", size=9.5)
    # Learn: i_t and g_t multiply, and the product goes straight up to the +.
    d.op(6.3, 3.55, "×")
    d.wire([(5.3, gate_y + 0.25), (5.3, 3.55), (6.3, 3.55)])
    d.wire([(7.3, gate_y + 0.25), (7.3, 3.55), (6.3, 3.55)])
    d.wire([(6.3, 3.55), (6.3, top)])
    d.label(5.4, 3.0, "ignore factor $i_t$", ha="left", size=9.5)
    d.label(7.4, 3.0, "new info $g_t$", ha="left", size=9.5)
    # Use: tanh of the new long-term memory, times the use factor o_t (labelled below its
    # wire, clear of the σ box it comes from). This tanh has no weights (lesson 1, section 6),
    # so it is a circle, an element-wise operation like × and +, not a box.
    d.op(11.8, 3.6, "$\\tanh$", size=10, radius=0.34)
    d.wire([(11.8, top), (11.8, 3.7)])  # the arrowhead stops at the circle, as at × and +
    d.op(11.8, gate_y, "×")
    d.wire([(11.8, 3.26), (11.8, gate_y)])
    d.wire([(9.7 + 0.38, gate_y), (11.8, gate_y)])
    d.label(10.82, gate_y - 0.5, "use factor $o_t$", size=9.5)
    # Out: the new short-term memory, to the next step, and up as the output; on its way up
    # it hops over the long-term memory, which it does not touch, well before that wire's
    # arrowhead.
    d.wire([(11.8, gate_y), (11.8, bus), (14.0, bus)])
    hop = 0.22
    d.line([(12.9, bus), (12.9, top - hop)])
    angles = np.linspace(-np.pi / 2, np.pi / 2, 30)
    d.line(list(zip(12.9 + hop * np.cos(angles), top + hop * np.sin(angles), strict=True)))
    d.wire([(12.9, top + hop), (12.9, 7.2)])

    labels = [
        (-0.9, top + 0.42, "long-term memory\n$LTM_{t-1} = c_{t-1}$", "left"),
        (14.15, top, "new long-term memory\n$LTM_t = c_t$", "left"),
        (-0.9, bus + 0.5, "short-term memory\n$STM_{t-1} = h_{t-1}$", "left"),
        (14.15, bus, "new short-term memory\n$STM_t = h_t$", "left"),
        (1.35, -0.6, "event $E_t$ = input $x_t$", "left"),
        (13.05, 7.2, "output $h_t$", "left"),
    ]
    for x, y, text, ha in labels:
        d.label(x, y, text, ha)
    _legend(d, 8.2, -0.45)
    d.ax.set_title("One LSTM step: the course's gates (colours) and PyTorch's symbols", fontsize=13)
    return d.fig


def draw_gru_cell() -> Figure:
    """The GRU cell in the same style: one working memory, an update gate that keeps
    (z_t) and learns (1 - z_t) at once, and a reset gate that feeds the candidate."""
    d = _Diagram((14, 6.3), (-1.0, 16.4), (-0.9, 7.3))
    top, bus, gate_y = 5.4, 0.9, 2.3
    d.region(1.75, 1.6, 4.25, 6.6, "update", "Update gate\nkeep $z_t \\odot h_{t-1}$")
    d.region(4.6, 1.6, 6.1, 3.35, "reset", "Reset gate\n$r_t$")
    d.region(6.45, 1.6, 9.4, 5.0, "learn", "Learn\n$(1 - z_t) \\odot n_t$")
    # The working memory: kept in part, then the learned part is added.
    d.wire([(-0.9, top), (2.5, top)])
    d.op(2.5, top, "×")
    d.wire([(2.5, top), (9.0, top)])
    d.op(9.0, top, "+")
    d.wire([(9.0, top), (12.2, top)])
    d.wire([(11.0, top), (11.0, 6.75)])
    # The old memory and the event feed every gate.
    d.line([(0.4, top), (0.4, bus), (7.3, bus)])
    d.wire([(1.35, -0.6), (1.35, bus)], arrow=False)
    for x in (2.5, 5.35, 7.3):
        d.wire([(x, bus), (x, gate_y)])
    d.box(2.5, gate_y, "$\\sigma$", "update")
    d.box(5.35, gate_y, "$\\sigma$", "reset")
    d.box(7.3, gate_y, "tanh", "learn")
    d.label(2.6, 3.15, "update $z_t$", ha="left", size=9.5)
    d.label(7.4, 3.15, "candidate $n_t$", ha="left", size=9.5)
    # z_t keeps the old memory; 1 - z_t lets in the candidate.
    d.wire([(2.5, gate_y + 0.25), (2.5, top)])
    # "1−" is two characters: a wider circle, and the wire into it stops at its edge.
    d.op(3.65, 3.85, "1 −", size=10.5, radius=0.36)
    d.wire([(2.5, 3.85), (3.65 - 0.12, 3.85)])
    d.op(7.3, 3.85, "×")
    d.wire([(3.65, 3.85), (7.3, 3.85)])
    d.wire([(7.3, gate_y + 0.25), (7.3, 3.85)])
    d.wire([(7.3, 3.85), (9.0, 3.85), (9.0, top)])
    # r_t decides how much of the old memory the candidate reads.
    d.wire([(5.35 + 0.38, gate_y), (7.3 - 0.38, gate_y)])
    d.label(6.3, gate_y + 0.25, "$r_t$", size=9.5)
    labels = [
        (-0.9, top + 0.4, "working memory $h_{t-1}$", "left"),
        (
            12.35,
            top,
            "new working memory\n$h_t = z_t \\odot h_{t-1} + (1 - z_t) \\odot n_t$",
            "left",
        ),
        (1.5, -0.75, "event $E_t$ = input $x_t$", "left"),
        (11.15, 6.55, "output $h_t$", "left"),
        (16.2, 0.35, "candidate (PyTorch's formula):", "right"),
        (
            16.2,
            -0.2,
            "$n_t = \\tanh(W_n x_t + b_{in} + r_t \\odot (U_n h_{t-1} + b_{hn}))$",
            "right",
        ),
    ]
    for x, y, text, ha in labels:
        d.label(x, y, text, ha)
    d.ax.set_title("One GRU step: one working memory, two gates", fontsize=13)
    return d.fig
