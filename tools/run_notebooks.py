"""Execute every lesson on a chosen device, and print one line per lesson.

    python tools/run_notebooks.py                 # the device the course would pick
    python tools/run_notebooks.py --device cpu    # or cuda, cuda:1, mps
    python tools/run_notebooks.py --device cuda 04 06   # only lessons 04 and 06

Each notebook runs top to bottom in a fresh kernel, with ``LSTM_COURSE_DEVICE`` set, so the
course's ``default_device()`` returns the device asked for. Nothing is written back: the
stored outputs stay those of the CPU run that nbval checks. A line reads

    04_pos_tagger.ipynb              cuda   ok                          71.2 s
    06_inside_an_lstm.ipynb          cuda   failed in code cell 12: ... 30.5 s

and the exit status is 1 if any lesson failed, 2 if the command itself was misused (a device
that is not here, an argument that names no lesson), which is checked before any lesson runs,
and 130 on Ctrl-C (one line, which says which lesson was running).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient.exceptions import CellExecutionError

from lstm_course.files import one_line
from lstm_course.runtime import DEVICE_ENV, default_device, requested_device

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
sys.path.insert(0, str(Path(__file__).resolve().parent))  # save_lessons, beside this file
from save_lessons import InterruptibleClient  # noqa: E402 (Ctrl-C as KeyboardInterrupt)


def run(path: Path, timeout: int) -> str:
    """Execute one notebook in a fresh kernel; "ok" or where and why it failed."""
    nb = nbformat.read(path, as_version=4)
    resources = {"metadata": {"path": str(path.parent)}}  # run from the notebooks' folder
    client = InterruptibleClient(nb, timeout=timeout, kernel_name="python3", resources=resources)
    try:
        client.execute()
    except CellExecutionError as error:
        code_cells = [c for c in nb.cells if c.cell_type == "code"]
        failed = next(
            (
                i
                for i, c in enumerate(code_cells, start=1)
                if any(o.get("output_type") == "error" for o in c.get("outputs", []))
            ),
            "?",
        )
        lines = [line for line in str(error).splitlines() if line.strip()]
        last_line = one_line(lines[-1] if lines else type(error).__name__, limit=80)
        return f"failed in code cell {failed}: {last_line}"
    return "ok"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", help="cpu, cuda, cuda:N or mps (default: the course's choice)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell (default 600)")
    parser.add_argument("lessons", nargs="*", help="lesson numbers or names to run (default: all)")
    args = parser.parse_args(argv)
    if args.timeout < 1:
        return _usage_error(f"--timeout must be at least 1 second, got {args.timeout}")
    if args.device is not None:
        if not args.device.strip():
            return _usage_error("--device must name a device: cpu, cuda, cuda:N or mps")
        try:  # checked here, in the words the user typed: a usage error, not a failing lesson
            requested_device(args.device, "--device")
        except ValueError as e:
            return _usage_error(str(e))
        os.environ[DEVICE_ENV] = args.device  # the kernels inherit it
    try:
        device = str(default_device())
    except ValueError as e:  # $LSTM_COURSE_DEVICE names a device this machine lacks
        return _usage_error(str(e))
    every = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if not every:
        return _usage_error(f"no lessons in {NOTEBOOKS}")
    paths = every
    if args.lessons:
        try:
            paths = selected(every, args.lessons)
        except ValueError as e:
            return _usage_error(str(e))
    failures = 0
    path = paths[0]
    try:
        for path in paths:
            start = time.perf_counter()
            verdict = run(path, args.timeout)
            failures += verdict != "ok"
            seconds = time.perf_counter() - start
            print(f"{path.name:36s} {device:7s} {verdict:45s} {seconds:6.1f} s", flush=True)
    except KeyboardInterrupt:
        print(
            f"interrupted while running {path.name} (Ctrl-C); nothing was saved "
            "(this tool never writes a notebook) and later lessons did not run",
            file=sys.stderr,
        )
        return 130
    return 1 if failures else 0


def selected(every: list[Path], lessons: list[str]) -> list[Path]:
    """The lessons of ``every`` that ``lessons`` name, in course order: each argument a
    lesson number (``4`` or ``04``) or the start of a lesson's file name (``04_pos``); an
    argument that names none (``99``, ``0``, an empty one) is a ``ValueError``."""
    chosen: set[Path] = set()
    for lesson in lessons:
        name = Path(lesson.strip()).name
        if name.isdigit():
            matches = [p for p in every if int(p.name[:2]) == int(name)]
        else:
            matches = [p for p in every if name and p.name.startswith(name)]
        if not matches:
            numbers = ", ".join(p.name[:2] for p in every)
            shown = lesson if lesson.strip() else repr(lesson)
            raise ValueError(f"no lesson matches {shown}: give a lesson number ({numbers})")
        chosen.update(matches)
    return [p for p in every if p in chosen]


def _usage_error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
