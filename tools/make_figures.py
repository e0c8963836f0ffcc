"""Regenerate every figure in images/ from the package's code.

python tools/make_figures.py
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from lstm_course import diagrams, viz

IMAGES = Path(__file__).resolve().parent.parent / "images"

FIGURES = {
    "lstm_cell.png": diagrams.draw_lstm_cell,
    "gru_cell.png": diagrams.draw_gru_cell,
    "sigmoid_tanh.png": viz.plot_sigmoid_tanh,
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
