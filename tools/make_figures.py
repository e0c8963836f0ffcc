"""Regenerate every figure in images/ from the package's code.

Only figures that something outside the notebooks shows (the README) live here; the lessons
draw their own figures in code cells, so a copy here would be an unused file to keep in step.

python tools/make_figures.py
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from lstm_course import diagrams, viz

IMAGES = Path(__file__).resolve().parent.parent / "images"

FIGURES = {
    "lstm_cell.png": diagrams.draw_lstm_cell,
}


def main() -> None:
    viz.use_course_style()
    IMAGES.mkdir(exist_ok=True)
    for name, make in FIGURES.items():
        fig = make()
        fig.savefig(IMAGES / name, bbox_inches="tight")
        print(f"wrote images/{name}")


if __name__ == "__main__":
    main()
