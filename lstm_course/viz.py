"""The pictures of the course: the cell diagram, activations, and memories over time.

Every function returns a matplotlib ``Figure`` so a notebook shows it (as PNG) and
``tools/make_figures.py`` can save it to ``images/`` for the README.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import ipywidgets as widgets
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
    # the GRU's gates (lesson 5): the update gate keeps like the forget gate does
    "update": "#4C72B0",
    "reset": "#C44E52",
}


def use_course_style() -> None:
    """The look of every plot in the course: seaborn's clean theme, PNG at a readable size."""
    sns.set_theme(context="notebook", style="whitegrid")
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 150, "figure.autolayout": False})


def _as_numpy(t: torch.Tensor | np.ndarray) -> np.ndarray:
    if isinstance(t, torch.Tensor):
        return t.detach().float().cpu().numpy()
    return np.asarray(t, dtype=float)


# --------------------------------------------------------------------------- the diagrams
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
    # wire, clear of the σ box it comes from).
    d.box(11.8, 3.6, "$\\tanh$", "use", w=0.7, h=0.42)
    d.wire([(11.8, top), (11.8, 3.81)])
    d.op(11.8, gate_y, "×")
    d.wire([(11.8, 3.39), (11.8, gate_y)])
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
    xlabel: str = "step",
) -> Figure:
    """Each gate's activation per unit over time (top), and h and c of every unit (bottom).

    ``gates`` maps a gate's name to a ``(time, hidden)`` tensor; ``h`` and ``c`` are
    ``(time, hidden)`` too. ``steps`` labels the steps of the line plots (what was read at
    each, say) and ``xlabel`` says what those labels are; the heatmaps number the steps.
    """
    h_np, c_np = _as_numpy(h), _as_numpy(c)
    if h_np.ndim != 2 or h_np.shape != c_np.shape:
        raise ValueError(f"h and c must both be (time, hidden), got {h_np.shape}, {c_np.shape}")
    time = np.arange(h_np.shape[0])
    labels = list(steps) if steps is not None else [str(t) for t in time]
    if len(labels) != len(time):
        raise ValueError(f"{len(time)} steps but {len(labels)} labels")
    fig, axes = plt.subplots(
        2, len(gates), figsize=(3.2 * len(gates), 6.4), gridspec_kw={"height_ratios": [1, 1.1]}
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
            xticklabels=[str(t) for t in time],  # the full labels are under the line plots
        )
        ax.set_title(name)
        ax.set_xlabel("step")
        ax.set_ylabel("unit")
        ax.tick_params(axis="x", rotation=0)
    gs = axes[1, 0].get_gridspec()
    for ax in axes[1]:
        ax.remove()
    half = max(1, len(gates) // 2)
    for j, (values, name) in enumerate(
        ((h_np, "short-term memory $h_t$"), (c_np, "long-term memory $c_t$"))
    ):
        ax = fig.add_subplot(gs[1, j * half : (j + 1) * half])
        for unit in range(values.shape[1]):
            ax.plot(time, values[:, unit], marker="o", lw=1.5, label=f"unit {unit}")
        ax.set_xticks(time, labels)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("value")
        ax.set_title(name)
        if values.shape[1] <= 8:
            ax.legend(fontsize=8, ncols=2)
    ax_h = fig.axes[-2]
    ax_h.set_ylim(-1.05, 1.05)
    fig.suptitle(
        "Gates are factors in (0, 1); $g_t$ and $h_t$ stay in (-1, 1); $c_t$ is not squashed"
    )
    fig.tight_layout()
    return fig


def plot_states_heatmap(
    h: torch.Tensor,
    c: torch.Tensor,
    steps: Sequence[str] | None = None,
    title: str = "Hidden and cell state over time",
    inputs: torch.Tensor | np.ndarray | None = None,
) -> Figure:
    """Heatmaps of the hidden state h and the cell state c, ``(time, hidden)`` each; with
    ``inputs`` (one number per step), a plot of what was read, above both, on the same steps."""
    h_np, c_np = _as_numpy(h), _as_numpy(c)
    if h_np.ndim != 2 or h_np.shape != c_np.shape:
        raise ValueError(f"h and c must both be (time, hidden), got {h_np.shape}, {c_np.shape}")
    labels = list(steps) if steps is not None else "auto"
    # rows of one grid: [what was read,] the two heatmaps, and their colour bars, each in its
    # own row below: a colour bar beside a heatmap would narrow it, and the input above would
    # no longer line up with its steps; tight_layout makes room for the step labels between
    if inputs is None:
        fig, axes = plt.subplots(
            2, 2, figsize=(12, 4.8), gridspec_kw={"height_ratios": [1, 0.05]}, squeeze=False
        )
    else:
        x_np = _as_numpy(inputs).reshape(-1)
        if len(x_np) != len(h_np):
            raise ValueError(f"{len(h_np)} steps of h but {len(x_np)} inputs")
        fig, axes = plt.subplots(
            3, 2, figsize=(12, 6.6), gridspec_kw={"height_ratios": [1, 2.2, 0.1]}
        )
        for ax in axes[0]:
            ax.plot(np.arange(len(x_np)) + 0.5, x_np, color="black", lw=1.5)  # cell centres
            ax.axhline(0, color="grey", lw=0.8, ls=":")
            ax.set_xlim(0, len(x_np))  # the heatmap's steps: cell i spans [i, i + 1]
            ax.tick_params(axis="x", labelbottom=False)
            ax.set_ylabel("input $x_t$")
            ax.set_title("what the LSTM reads")
    bound = float(max(np.abs(c_np).max(), 1.0))
    for ax, bar, values, name, vmax in (
        (axes[-2][0], axes[-1][0], h_np, "hidden state $h_t$ (STM)", 1.0),
        (axes[-2][1], axes[-1][1], c_np, "cell state $c_t$ (LTM)", bound),
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
            cbar_ax=bar,
            cbar_kws={"label": "value", "orientation": "horizontal"},
        )
        ax.tick_params(axis="y", labelrotation=0)
        ax.set_xlabel("time step")
        ax.set_ylabel("unit")
        ax.set_title(name)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- vocabularies
def plot_word_frequencies(counts: Mapping[str, int], corpus: str, top: int = 20) -> Figure:
    """The ``top`` most frequent words (left), and every word's count against its rank on
    log-log axes (right): a straight line there is Zipf's law."""
    if not counts:
        raise ValueError("no words to plot")
    ranked = sorted(counts.items(), key=lambda wc: -wc[1])
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 4.2))
    ax1.bar(
        [w for w, _ in ranked[:top]], [c for _, c in ranked[:top]], color=GATE_COLOURS["forget"]
    )
    ax1.set_xlabel("word")
    ax1.set_ylabel("count")
    ax1.set_title(f"The {top} most frequent words of {corpus}")
    ax1.tick_params(axis="x", rotation=60)
    ranks = np.arange(1, len(ranked) + 1)
    ax2.loglog(ranks, [c for _, c in ranked], marker=".", ls="none", alpha=0.4)
    ax2.set_xlabel("rank of the word (log scale)")
    ax2.set_ylabel("count (log scale)")
    once = sum(c == 1 for _, c in ranked)
    ax2.set_title(f"Zipf: a few words are everywhere; {once / len(ranked):.0%} appear once")
    fig.tight_layout()
    return fig


def plot_cutoff_tradeoff(
    cutoffs: Sequence[int], sizes: Sequence[int], coverage: Sequence[float], corpus: str
) -> Figure:
    """What a frequency cut-off ``min_freq`` costs: the vocabulary's size (left) and the
    share of the running text it still knows (right), side by side on the same x axis."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 3.8), sharex=True)
    ax1.plot(cutoffs, sizes, marker="o", color=GATE_COLOURS["forget"])
    ax1.set_ylim(0, None)
    ax1.set_xlabel("min_freq")
    ax1.set_ylabel("words in the vocabulary")
    ax1.set_title("The vocabulary shrinks fast ...")
    ax2.plot(cutoffs, [100 * c for c in coverage], marker="s", color=GATE_COLOURS["remember"])
    ax2.set_ylim(0, 100)
    ax2.set_xlabel("min_freq")
    ax2.set_ylabel("% of the running text it knows")
    ax2.set_title("... while the text it knows shrinks slowly")
    fig.suptitle(f"Frequency cut-offs on {corpus}")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- inside a model
def _relative_luminance(rgb: tuple[int, ...]) -> float:
    """WCAG 2's relative luminance of an sRGB colour given as 0-255 integers: 0 for black,
    1 for white, weighted as the eye sees (green counts most)."""
    linear = [
        c / 255 / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _readable_on(rgb: tuple[int, ...]) -> str:
    """ "black" or "white", whichever has the larger WCAG contrast ratio with ``rgb``.

    The ratio with black is (L + 0.05) / 0.05 and with white 1.05 / (L + 0.05); the larger of
    the two is smallest where they are equal, at L = 0.179, and is 4.58 there: so one of them
    always passes WCAG's 4.5:1 for normal text, whatever the background."""
    luminance = _relative_luminance(rgb)
    return "black" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "white"


def text_heat_html(
    text: str, values: Sequence[float] | np.ndarray | torch.Tensor, label: str = ""
) -> str:
    """``text`` as HTML, each character on a background coloured by its value in [-1, 1]:
    red for positive, blue for negative, white for 0. For a notebook's ``display(HTML(...))``.

    Each character is drawn in black or white, whichever contrasts more with its background
    (:func:`_readable_on`), so every character stays readable on the strongest colours."""
    v = _as_numpy(values).reshape(-1)
    if len(v) != len(text):
        raise ValueError(f"{len(text)} characters but {len(v)} values")
    cmap = plt.get_cmap("RdBu_r")
    spans = []
    for ch, x in zip(text, np.clip(v, -1, 1), strict=True):
        rgb = tuple(int(255 * channel) for channel in cmap(0.5 + 0.5 * float(x))[:3])
        shown = {"\n": "↵<br>", " ": "&nbsp;", "<": "&lt;", ">": "&gt;", "&": "&amp;"}.get(ch, ch)
        background = "rgb({},{},{})".format(*rgb)
        spans.append(
            f'<span style="background-color:{background};color:{_readable_on(rgb)}">{shown}</span>'
        )
    caption = (
        f'<div style="font-family:sans-serif;margin-bottom:4px">{label}</div>' if label else ""
    )
    return (
        f'{caption}<div style="font-family:monospace;font-size:12px;line-height:1.5;'
        f'color:black;background:white;padding:6px">{"".join(spans)}</div>'
    )


def plot_gate_saturation(saturations: dict[str, tuple[np.ndarray, np.ndarray]]) -> Figure:
    """One panel per gate: a dot per unit at (fraction of steps nearly shut, fraction nearly
    open). Dots near the top left are gates that are almost always open."""
    fig, axes = plt.subplots(
        1, len(saturations), figsize=(3.4 * len(saturations), 3.6), sharey=True
    )
    for ax, (name, (shut, open_)) in zip(np.atleast_1d(axes), saturations.items(), strict=True):
        ax.plot([0, 1], [1, 0], color="grey", lw=0.8, ls=":")
        ax.scatter(shut, open_, s=14, alpha=0.7)
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.02, 1.02)
        ax.set_aspect("equal")
        ax.set_title(name)
        ax.set_xlabel("fraction of steps < 0.1")
    np.atleast_1d(axes)[0].set_ylabel("fraction of steps > 0.9")
    fig.suptitle("Gate saturation: one dot per unit")
    fig.tight_layout()
    return fig


def plot_unit_vs_probe(
    reports: Mapping[str, Mapping[str, object]],
    intervals: Mapping[tuple[str, str, str], tuple[float, float]] | None = None,
) -> Figure:
    """For each model (``{model: {feature: ProbeResult}}``, see
    :func:`lstm_course.probes.unit_vs_probe`) and feature, two bars: how well the best single
    unit reads the feature, and how well a probe of all units does, both on the scoring text.
    ``intervals``, keyed ``(model, feature, "unit_r" or "probe_r")``, adds error bars (for
    example 95% bootstrap intervals, :func:`lstm_course.probes.bootstrap_over_files`)."""
    features = list(next(iter(reports.values())))
    fig, ax = plt.subplots(figsize=(11, 4.4))
    width = 0.8 / (2 * len(reports))
    x = np.arange(len(features))
    palette = sns.color_palette("Paired", 2 * len(reports))
    for m, (name, report) in enumerate(reports.items()):
        for k, (what, attribute) in enumerate((("best unit", "unit_r"), ("probe", "probe_r"))):
            values = [getattr(report[f], attribute) for f in features]
            offset = (2 * m + k - len(reports) + 0.5) * width
            bars = ax.bar(
                x + offset, values, width, label=f"{name}: {what}", color=palette[2 * m + k]
            )
            if intervals is not None:
                low, high = np.array([intervals[name, f, attribute] for f in features]).T
                yerr = np.clip([np.array(values) - low, high - np.array(values)], 0, None)
                ax.errorbar(
                    x + offset, values, yerr=yerr, fmt="none", ecolor="black", lw=0.8, capsize=1.5
                )
                # the value above the error bar, upright so that neighbours never touch
                for xi, top, value in zip(x + offset, high, values, strict=True):
                    label = f"{value:.2f}"
                    y = max(top, value) + 0.015
                    ax.text(xi, y, label, ha="center", va="bottom", rotation=90, fontsize=6.5)
            else:
                ax.bar_label(bars, fmt="%.2f", fontsize=7, padding=2)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(x, features)
    ax.set_ylim(min(0, ax.get_ylim()[0]), 1.05 if intervals is None else 1.15)
    ax.set_ylabel("correlation r on the scoring text")
    title = "Reading the memory: the best single unit and a probe of all units, per feature"
    if intervals is not None:
        title += "\n(black: 95% interval, resampling the scoring files)"
    ax.set_title(title)
    # below the axes, so that no legend ever hides a bar
    ax.legend(fontsize=8, ncols=len(reports), loc="upper center", bbox_to_anchor=(0.5, -0.1))
    fig.tight_layout()
    return fig


def plot_on_one_scale(
    panels: Mapping[str, torch.Tensor | np.ndarray],
    steps: Sequence[str],
    row_labels: Sequence[str],
    title: str,
    vmin: float = -1.0,
    vmax: float = 1.0,
) -> Figure:
    """Heatmaps of several ``(time, rows)`` arrays (say $h_t$, $\\tanh(c_t)$ and $o_t$ of the
    same units), one above the other over the same characters ``steps``, all on one colour
    scale fixed at ``[vmin, vmax]`` with one colour bar, so that equal colours mean equal
    values in every panel."""
    arrays = {name: _as_numpy(values) for name, values in panels.items()}
    shapes = sorted({a.shape for a in arrays.values()})
    if shapes != [(len(steps), len(row_labels))]:
        want = f"(steps={len(steps)}, rows={len(row_labels)})"
        raise ValueError(f"every panel must be {want}, got {shapes}")
    time = len(steps)
    fig, axes = plt.subplots(
        len(arrays) + 1,
        1,
        figsize=(max(8, 0.2 * time + 3), 1.7 * len(arrays) + 1.2),
        gridspec_kw={"height_ratios": [1] * len(arrays) + [0.12]},
    )
    for ax, (name, values) in zip(axes[:-1], arrays.items(), strict=True):
        image = ax.imshow(
            values.T, aspect="auto", cmap="vlag", vmin=vmin, vmax=vmax, interpolation="nearest"
        )
        ax.set_yticks(np.arange(len(row_labels)), row_labels, fontsize=8)
        ax.set_xticks(np.arange(time), steps, fontfamily="monospace", fontsize=9)
        ax.tick_params(axis="x", length=0)
        ax.set_ylabel("unit", fontsize=9)
        ax.set_title(name, fontsize=10, loc="left")
    axes[-2].set_xlabel("character of the text")
    scale = f"value (one scale for every panel, from {vmin:g} to {vmax:g})"
    fig.colorbar(image, cax=axes[-1], orientation="horizontal", label=scale)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


# What the explorer can show of a trace, each as values in [-1, 1]: gates as 2σ - 1.
_EXPLORER_VIEWS = {
    "tanh(c_t), cell state": lambda t: torch.tanh(t.c),
    "h_t, hidden state": lambda t: t.h,
    "forget factor f_t": lambda t: 2 * t.gates.forget - 1,
    "ignore factor i_t": lambda t: 2 * t.gates.ignore - 1,
    "new information g_t": lambda t: t.gates.new_info,
    "use factor o_t": lambda t: 2 * t.gates.use - 1,
}


class ActivationExplorer(widgets.VBox):
    """The explorer of :func:`activation_explorer`, its controls named so code can use them.

    Shown live it is a widget; shown without a kernel (a notebook opened from the repository
    and not yet run, GitHub, nbviewer) a widget has nothing to draw it, so it also offers a
    static copy, as HTML, of what it showed when the notebook was saved (see
    ``_repr_mimebundle_``), instead of the widget's Python repr.
    """

    OWN = "(type your own)"

    def __init__(self, model, snippets: dict[str, str], start_unit: int = 0):
        self.model, self.snippets = model, dict(snippets)
        last = model.config.hidden_size - 1
        self.snippet = widgets.Dropdown(options=[*self.snippets, self.OWN], description="snippet")
        self.show = widgets.Dropdown(options=list(_EXPLORER_VIEWS), description="show")
        # A slider as wide as the output (about 1.5 pixels per unit for 512 units) to sweep
        # through units, and a number box beside it to type one or step by one (its arrows,
        # or the arrow keys); the two are linked. The slider's own readout would be a second,
        # narrower number box, so it is off.
        self.unit = widgets.IntSlider(
            value=start_unit,
            min=0,
            max=last,
            description="unit",
            readout=False,
            layout=widgets.Layout(flex="1 1 auto", width="auto"),
        )
        self.unit_box = widgets.BoundedIntText(
            value=start_unit, min=0, max=last, layout=widgets.Layout(width="90px")
        )
        widgets.link((self.unit, "value"), (self.unit_box, "value"))
        self.text = widgets.Textarea(
            value='def area(r):\n    """Area of a circle."""  # a docstring\n'
            "    return 3.14 * (r ** 2)\n",
            placeholder="type code here: it is drawn below as you type",
            layout=widgets.Layout(width="95%", height="90px"),
        )
        self.view = widgets.HTML()
        super().__init__(
            [
                widgets.HBox([self.snippet, self.show]),
                widgets.HBox([self.unit, self.unit_box], layout=widgets.Layout(width="95%")),
                self.text,
                self.view,
            ]
        )
        for control in (self.snippet, self.show, self.unit):
            control.observe(self.redraw, names="value")
        # Typing is choosing your own text: the menu follows, and the text is drawn at once.
        self.text.observe(self._typed, names="value")
        self.redraw()

    def _typed(self, _change=None) -> None:
        if self.snippet.value != self.OWN:
            self.snippet.value = self.OWN  # redraws, through the menu's observer
        else:
            self.redraw()

    def redraw(self, _change=None) -> None:
        """Draw the chosen unit's values on the chosen text (an empty text draws nothing)."""
        own = self.snippet.value == self.OWN
        text = self.text.value if own else self.snippets[self.snippet.value]
        if not text:
            self.view.value = "<i>type some code above to see the unit on it</i>"
            return
        values = _EXPLORER_VIEWS[self.show.value](self.model.trace(text))[:, self.unit.value]
        factor = "factor" in self.show.value
        note = " (gates drawn as 2σ − 1: blue = shut, red = open)" if factor else ""
        label = f"unit {self.unit.value}: {self.show.value}{note}"
        self.view.value = text_heat_html(text, values, label)

    def snapshot_html(self) -> str:
        """What the explorer shows now, as static HTML: its settings in a line, then the
        coloured text."""
        settings = (
            f"snippet <b>{html.escape(str(self.snippet.value))}</b>, "
            f"show <b>{html.escape(str(self.show.value))}</b>, unit <b>{self.unit.value}</b>"
        )
        return (
            '<div style="font-family:sans-serif;font-size:13px;margin:2px 0 4px">'
            f"Activation explorer, as saved with the notebook: {settings}. "
            "Run the notebook to change them.</div>" + self.view.value
        )

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is not None:
            bundle["text/html"] = self.snapshot_html()
            bundle["text/plain"] = (
                f"Activation explorer: unit {self.unit.value}, {self.show.value} "
                "(run the notebook to use it)"
            )
        return bundle


def activation_explorer(model, snippets: dict[str, str], start_unit: int = 0):
    """An ipywidgets explorer for a character model (:class:`lstm_course.charlm.CharLM`):
    pick a snippet or type one, choose a unit and what to show, and see its value on every
    character. Returns the widget (an :class:`ActivationExplorer`); a notebook shows it by
    leaving it as a cell's last line.
    """
    return ActivationExplorer(model, snippets, start_unit)
