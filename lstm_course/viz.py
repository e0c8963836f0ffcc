"""The pictures of the course: the cell diagram, activations, and memories over time.

Every function returns a matplotlib ``Figure`` so a notebook shows it (as PNG) and
``tools/make_figures.py`` can save it to ``images/`` for the README.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
import torch
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

# One colour per gate, used by every figure of the course.
GATE_COLOURS = {
    "forget": "#4C72B0",
    "learn": "#55A868",
    "remember": "#DD8452",
    "use": "#8172B3",
}


def use_course_style() -> None:
    """The look of every plot in the course: seaborn's clean theme, PNG at a readable size."""
    sns.set_theme(context="notebook", style="whitegrid")
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 150, "figure.autolayout": False})


def _as_numpy(t: torch.Tensor | np.ndarray) -> np.ndarray:
    if isinstance(t, torch.Tensor):
        return t.detach().float().cpu().numpy()
    return np.asarray(t, dtype=float)


# --------------------------------------------------------------------------- the diagram
def draw_lstm_cell() -> Figure:
    """The LSTM cell, labelled in the course's words and in the standard notation."""
    fig, ax = plt.subplots(figsize=(12, 6.6))
    ax.set_xlim(-1.0, 12.4)
    ax.set_ylim(-0.9, 7.3)
    ax.set_aspect("equal")
    ax.axis("off")

    def region(x0, y0, x1, y1, gate, title):
        colour = GATE_COLOURS[gate]
        ax.add_patch(
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
        ax.text(
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

    def box(x, y, text, gate):
        ax.add_patch(
            FancyBboxPatch(
                (x - 0.38, y - 0.25),
                0.76,
                0.5,
                boxstyle="round,pad=0.04",
                fc="white",
                ec=GATE_COLOURS[gate],
                lw=2,
                zorder=3,
            )
        )
        ax.text(x, y, text, ha="center", va="center", fontsize=12, zorder=4)

    def op(x, y, symbol):
        ax.add_patch(Circle((x, y), 0.24, fc="white", ec="black", lw=1.5, zorder=3))
        ax.text(x, y, symbol, ha="center", va="center", fontsize=15, zorder=4)

    def wire(points, arrow=True, colour="black"):
        xs, ys = zip(*points, strict=True)
        if len(points) > 2:
            ax.plot(xs[:-1], ys[:-1], color=colour, lw=1.6, zorder=1)
        ax.add_patch(
            FancyArrowPatch(
                points[-2],
                points[-1],
                color=colour,
                lw=1.6,
                zorder=2,
                arrowstyle="-|>" if arrow else "-",
                mutation_scale=14,
                shrinkA=0,
                shrinkB=14 if arrow else 0,
            )
        )

    top, bus, gate_y = 5.4, 0.9, 2.3
    # Regions, with the course's name and the standard formula.
    region(1.85, 1.6, 3.3, 6.6, "forget", "Forget gate\n$f_t \\odot c_{t-1}$")
    region(3.75, 1.6, 6.45, 4.2, "learn", "Learn gate\n$i_t \\odot g_t$")
    region(4.35, 4.65, 6.45, 6.6, "remember", "Remember gate\n$c_t = f_t c_{t-1} + i_t g_t$")
    region(7.15, 1.6, 10.15, 4.85, "use", "Use gate\n$h_t = o_t \\odot \\tanh(c_t)$")

    # Long-term memory highway.
    wire([(-0.9, top), (2.5, top)])
    op(2.5, top, "×")
    wire([(2.5, top), (5.1, top)])
    op(5.1, top, "+")
    wire([(5.1, top), (12.2, top)])
    # Short-term memory and event join into the bus.
    wire([(-0.9, bus), (1.35, bus)], arrow=False)
    wire([(1.35, -0.6), (1.35, bus)], arrow=False)
    ax.plot([1.35, 8.3], [bus, bus], color="black", lw=1.6, zorder=1)
    for x in (2.5, 4.25, 5.6, 7.7):
        wire([(x, bus), (x, gate_y)])
    # Gate boxes.
    box(2.5, gate_y, "$\\sigma$", "forget")
    box(4.25, gate_y, "$\\sigma$", "learn")
    box(5.6, gate_y, "tanh", "learn")
    box(7.7, gate_y, "$\\sigma$", "use")
    factor_labels = [
        (2.5, "forget factor $f_t$"),
        (4.25, "ignore factor $i_t$"),
        (5.6, "new info $g_t$"),
        (7.7, "use factor $o_t$"),
    ]
    for x, text in factor_labels:
        ax.text(
            x,
            gate_y - 0.5,
            text,
            ha="center",
            va="center",
            fontsize=9,
            zorder=5,
            bbox={"fc": "white", "ec": "none", "pad": 0.5, "alpha": 0.9},
        )
    # Forget: f_t up to the × on the highway.
    wire([(2.5, gate_y + 0.25), (2.5, top)])
    # Learn: i_t and g_t multiply, then add to the highway.
    op(4.9, 3.45, "×")
    wire([(4.25, gate_y + 0.25), (4.25, 3.45), (4.9, 3.45)])
    wire([(5.6, gate_y + 0.25), (5.6, 3.45), (4.9, 3.45)])
    wire([(4.9, 3.45), (5.1, top)])
    # Use: tanh of the new long-term memory, times o_t.
    ax.add_patch(
        FancyBboxPatch(
            (9.33, 3.3),
            0.64,
            0.4,
            boxstyle="round,pad=0.04",
            fc="white",
            ec=GATE_COLOURS["use"],
            lw=2,
            zorder=3,
        )
    )
    ax.text(9.65, 3.5, "tanh", ha="center", va="center", fontsize=11, zorder=4)
    wire([(9.65, top), (9.65, 3.7)])
    op(9.65, gate_y, "×")
    wire([(9.65, 3.3), (9.65, gate_y)])
    wire([(7.7 + 0.38, gate_y), (9.65, gate_y)])
    # Out: the new short-term memory, to the next step and up as the output.
    wire([(9.65, gate_y), (9.65, bus), (12.2, bus)])
    wire([(11.0, bus), (11.0, 6.75)])

    labels = [
        (-0.9, top + 0.4, "long-term memory\n$LTM_{t-1} = c_{t-1}$", "left"),
        (12.2, top - 0.45, "new long-term memory\n$LTM_t = c_t$", "right"),
        (-0.9, bus + 0.4, "short-term memory\n$STM_{t-1} = h_{t-1}$", "left"),
        (12.2, bus - 0.45, "new short-term memory\n$STM_t = h_t$", "right"),
        (1.5, -0.75, "event $E_t$ = input $x_t$", "left"),
        (11.15, 6.55, "output $h_t$", "left"),
    ]
    for x, y, text, ha in labels:
        ax.text(x, y, text, ha=ha, va="center", fontsize=10.5)
    ax.set_title("One LSTM step: the course's gates (colours) and PyTorch's symbols", fontsize=13)
    return fig


# --------------------------------------------------------------------------- activations
def plot_sigmoid_tanh() -> Figure:
    """σ squashes to (0, 1), a factor that keeps a share; tanh to (-1, 1), a signed value."""
    z = np.linspace(-6, 6, 400)
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot(z, 1 / (1 + np.exp(-z)), lw=2.5, label="sigmoid σ(z): a factor in (0, 1)")
    ax.plot(z, np.tanh(z), lw=2.5, label="tanh(z): information in (-1, 1)")
    for y in (0, 1, -1):
        ax.axhline(y, color="grey", lw=0.8, ls=":")
    ax.set_xlabel("pre-activation z = W·x_t + U·h_(t-1) + b")
    ax.set_ylabel("activation")
    ax.set_title("Gates use σ to decide how much to keep, tanh to say what")
    ax.legend(loc="upper left")
    fig.tight_layout()
    return fig


def plot_gates_and_memories(
    gates: dict[str, torch.Tensor],
    h: torch.Tensor,
    c: torch.Tensor,
    steps: Sequence[str] | None = None,
) -> Figure:
    """Each gate's activation per unit over time (top), and h and c of every unit (bottom).

    ``gates`` maps a gate's name to a ``(time, hidden)`` tensor; ``h`` and ``c`` are
    ``(time, hidden)`` too.
    """
    h_np, c_np = _as_numpy(h), _as_numpy(c)
    if h_np.ndim != 2 or h_np.shape != c_np.shape:
        raise ValueError(f"h and c must both be (time, hidden), got {h_np.shape}, {c_np.shape}")
    time = np.arange(h_np.shape[0])
    labels = list(steps) if steps is not None else [str(t) for t in time]
    fig, axes = plt.subplots(
        2, len(gates), figsize=(3.2 * len(gates), 6.2), gridspec_kw={"height_ratios": [1, 1.1]}
    )
    for ax, (name, values) in zip(axes[0], gates.items(), strict=True):
        v = _as_numpy(values)
        lo = -1 if v.min() < 0 else 0
        sns.heatmap(
            v.T,
            ax=ax,
            vmin=lo,
            vmax=1,
            cmap="vlag" if lo < 0 else "mako",
            cbar=True,
            xticklabels=labels,
        )
        ax.set_title(name)
        ax.set_xlabel("step")
        ax.set_ylabel("unit")
    gs = axes[1, 0].get_gridspec()
    for ax in axes[1]:
        ax.remove()
    half = max(1, len(gates) // 2)
    for j, (values, name) in enumerate(
        ((h_np, "short-term memory h_t"), (c_np, "long-term memory c_t"))
    ):
        ax = fig.add_subplot(gs[1, j * half : (j + 1) * half])
        ax.plot(time, values, marker="o", lw=1.5)
        ax.set_xticks(time, labels)
        ax.set_xlabel("step")
        ax.set_ylabel("value (one line per unit)")
        ax.set_title(name)
    ax_h = fig.axes[-2]
    ax_h.set_ylim(-1.05, 1.05)
    fig.suptitle("Gates are factors in (0, 1); g_t and h_t stay in (-1, 1); c_t is not squashed")
    fig.tight_layout()
    return fig


def plot_states_heatmap(
    h: torch.Tensor,
    c: torch.Tensor,
    steps: Sequence[str] | None = None,
    title: str = "Hidden and cell state over time",
) -> Figure:
    """Heatmaps of the hidden state h and the cell state c, ``(time, hidden)`` each."""
    h_np, c_np = _as_numpy(h), _as_numpy(c)
    if h_np.ndim != 2 or h_np.shape != c_np.shape:
        raise ValueError(f"h and c must both be (time, hidden), got {h_np.shape}, {c_np.shape}")
    labels = list(steps) if steps is not None else "auto"
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    bound = float(max(np.abs(c_np).max(), 1.0))
    for ax, values, name, vmax in (
        (axes[0], h_np, "hidden state h_t (STM)", 1.0),
        (axes[1], c_np, "cell state c_t (LTM)", bound),
    ):
        sns.heatmap(
            values.T,
            ax=ax,
            cmap="vlag",
            center=0,
            vmin=-vmax,
            vmax=vmax,
            xticklabels=labels,
            yticklabels=max(1, values.shape[1] // 8),
            cbar_kws={"label": "value"},
        )
        ax.set_xlabel("time step")
        ax.set_ylabel("unit")
        ax.set_title(name)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
