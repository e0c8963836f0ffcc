"""Lesson 6's activation explorer: any unit of a character model over any text, coloured
character by character, in a notebook widget (ipywidgets), and the HTML colouring it uses.

Kept apart from the plots (:mod:`lstm_course.viz`) because it is interactive: it needs a
running kernel, saves its state with the notebook (``tools/save_lessons.py``) and is tested
in a browser (``tests/test_browser.py``).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch

from lstm_course.viz import _as_numpy


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
        # ipywidgets 8 draws a widget through this method. ipywidgets 7 (Colab's) draws it
        # through _ipython_display_ and has no such method: there the picture is ours alone.
        parent = getattr(super(), "_repr_mimebundle_", None)
        bundle = parent(**kwargs) if parent is not None else {}
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
