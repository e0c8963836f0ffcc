"""How long each stored lesson took to run, read from the notebook itself.

    python tools/lesson_times.py                                     # every lesson
    python tools/lesson_times.py notebooks/02_nn_lstm_basics.ipynb   # some lessons

``tools/save_lessons.py`` runs a lesson with nbclient, which records in every code cell's
``metadata.execution`` when the kernel received it (``iopub.execute_input``) and when it
answered (``shell.execute_reply``). So the stored notebook knows its own running time, and
this tool prints it, one line per lesson, without running anything:

    02_nn_lstm_basics.ipynb        4.2 s   read 30 min   slowest: cell 36, 1.1 s   set_seed(2)

The total runs from the first cell's start to the last cell's reply: the cells and the short
gaps between them, not the kernel's start (about a second, which ``save_lessons.py``'s own
figure includes). Since ``save_lessons.py`` is run under the AVX2 emulation (CONTRIBUTING.md),
these are the times of a laptop-like CPU on the machine that saved the lesson. The reading
time counts the words of the text and the code at 150 a minute (exercises take longer). The exit
status is 1 if a lesson has no stored times (never run by nbclient, or a cell not run, or
times out of order), 2 for a path that is not a notebook or a damaged one (one line, before
any lesson's line).
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

import nbformat

#: Words a minute of a careful reader of a lesson's text and code (the README's "read" column).
WORDS_PER_MINUTE = 150

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ROOT / "notebooks"


class LessonTime(NamedTuple):
    """A stored run's length, and its slowest code cell (index among all cells)."""

    total_s: float
    slowest_cell: int
    slowest_s: float
    slowest_source: str


def _stamp(text: str) -> datetime:
    # nbclient writes ISO 8601 with a Z; fromisoformat reads the Z from Python 3.11 on only
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def lesson_time(notebook: nbformat.NotebookNode) -> LessonTime:
    """The stored run's total and slowest cell; ValueError if a code cell has no times."""
    spans: list[tuple[int, datetime, datetime]] = []
    for index, cell in enumerate(notebook.cells):
        if cell.get("cell_type") != "code":
            continue
        try:
            execution = cell.get("metadata", {}).get("execution", {})
            start = _stamp(execution["iopub.execute_input"])
            end = _stamp(execution["shell.execute_reply"])
            (end - start).total_seconds()  # both with a time zone, or both without
        except (KeyError, ValueError, TypeError, AttributeError) as error:
            raise ValueError(f"code cell {index} has no stored execution times") from error
        if end < start:
            raise ValueError(
                f"code cell {index}'s stored times are out of order (its reply, {end}, comes "
                f"before its start, {start}); re-save the lesson with tools/save_lessons.py"
            )
        spans.append((index, start, end))
    if not spans:
        raise ValueError("no code cells")
    try:
        total = (max(e for _, _, e in spans) - min(s for _, s, _ in spans)).total_seconds()
    except TypeError:  # one cell's times with a time zone, another's without
        raise ValueError("the stored times mix time zones; re-save the lesson") from None
    index, start, end = max(spans, key=lambda span: span[2] - span[1])
    first_line = (str(notebook.cells[index].get("source", "")).strip().splitlines() or [""])[0]
    return LessonTime(total, index, (end - start).total_seconds(), first_line)


def reading_minutes(notebook: nbformat.NotebookNode) -> int:
    """Minutes to read the lesson's text and code at WORDS_PER_MINUTE, rounded to 5."""
    words = sum(len(re.findall(r"\S+", str(cell.get("source", "")))) for cell in notebook.cells)
    return max(5, 5 * round(words / WORDS_PER_MINUTE / 5))


def lesson_paths(names: list[str]) -> list[Path]:
    """The notebooks named, or every lesson; SystemExit(2) for a path that is not one."""
    if not names:
        return sorted(LESSONS.glob("[0-9][0-9]_*.ipynb"))
    paths = [Path(name) for name in names]
    for path in paths:
        if path.suffix != ".ipynb" or not path.is_file():
            print(f"lesson_times.py: {path} is not a notebook file", file=sys.stderr)
            raise SystemExit(2)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="notebooks to read (default: every lesson)")
    args = parser.parse_args(argv)
    status = 0
    notebooks = {}
    for path in lesson_paths(args.notebooks):  # every one read before any line is printed
        try:
            notebooks[path] = nbformat.read(path, as_version=4)
            if not isinstance(notebooks[path].get("cells"), list):
                raise ValueError("it has no list of cells")
            for cell in notebooks[path].cells:
                if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
                    raise ValueError("a cell is not a notebook cell")
        except Exception as error:  # not JSON, not a notebook, a damaged cell
            first = (str(error).strip().splitlines() or [type(error).__name__])[0][:120]
            print(f"lesson_times.py: {path} is not a readable notebook: {first}", file=sys.stderr)
            return 2
    for path, notebook in notebooks.items():
        try:
            t = lesson_time(notebook)
        except ValueError as error:
            print(f"{path.name:34s} {error}")
            status = 1
            continue
        print(
            f"{path.name:34s} {t.total_s:6.1f} s   read {reading_minutes(notebook)} min   "
            f"slowest: cell {t.slowest_cell}, "
            f"{t.slowest_s:.1f} s   {t.slowest_source[:40]}"
        )
    return status


if __name__ == "__main__":
    sys.exit(main())
