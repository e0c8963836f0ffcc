"""The plots of the lessons: activations, gates and memories over time, vocabularies, units.

The cell diagrams are in :mod:`lstm_course.diagrams`, lesson 6's explorer widget in
:mod:`lstm_course.explorer`.

Every function returns a matplotlib ``Figure`` so a notebook shows it (as PNG) and
``tools/make_figures.py`` can save it to ``images/`` for the README.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
import torch
from matplotlib.figure import Figure

from lstm_course.diagrams import GATE_COLOURS


def use_course_style() -> None:
    """The look of every plot in the course: seaborn's clean theme, PNG at a readable size."""
    sns.set_theme(context="notebook", style="whitegrid")
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 150, "figure.autolayout": False})


def _as_numpy(t: torch.Tensor | np.ndarray) -> np.ndarray:
    if isinstance(t, torch.Tensor):
        return t.detach().float().cpu().numpy()
    return np.asarray(t, dtype=float)


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
            yticklabels=1,  # every unit labelled: a lesson may discuss any of them
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
    # each word in quotes, so punctuation reads as a word of its own ('"', not a stray mark)
    ax1.bar(
        [repr(w) for w, _ in ranked[:top]],
        [c for _, c in ranked[:top]],
        color=GATE_COLOURS["forget"],
    )
    ax1.set_xlabel("word (in quotes)")
    ax1.set_ylabel("count")
    ax1.set_title(f"The {top} most frequent words of {corpus}")
    ax1.tick_params(axis="x", rotation=90, labelsize=12)
    for label in ax1.get_xticklabels():
        label.set_fontfamily("monospace")  # punctuation as wide as a letter
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
    ax2.set_ylim(0, 105)  # room above 100%, so the top point is not cut by the edge
    ax2.set_yticks(range(0, 101, 20))
    ax2.set_xlabel("min_freq")
    ax2.set_ylabel("% of the running text it knows")
    ax2.set_title("... while the text it knows shrinks slowly")
    fig.suptitle(f"Frequency cut-offs on {corpus}")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- inside a model
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
