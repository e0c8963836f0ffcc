"""Re-execute lessons in a fresh kernel and save them: the way to refresh stored outputs.

    python tools/save_lessons.py                                     # every lesson
    python tools/save_lessons.py notebooks/06_inside_an_lstm.ipynb   # some lessons

Each notebook runs top to bottom in a fresh kernel on the CPU (the stored outputs are the CPU
run that nbval checks), from the notebooks' folder, and is written back only if every cell
ran without an error. Before it is written, it is made to read right where no kernel runs
(a lesson opened from the repository and not yet run, GitHub, nbviewer):

- the state of every widget is saved with it (``metadata.widgets``), so a trusted front end
  can draw the widgets as they were;
- a progress bar's text, which a reader without a kernel sees instead of the bar, is that
  of the finished bar (``training: 100%|██████████| 600/600 [...]``), not the
  ``0%|          | 0/600`` that tqdm printed when it started;
- any other widget without a static picture of its own (lesson 6's explorer has one) says
  so in a line instead of showing its Python repr (``VBox(children=...``);
- the kernel is named as JupyterLab names it (``Python 3 (ipykernel)``), so opening an
  untouched lesson does not mark it modified.

The file is replaced atomically (:func:`lstm_course.files.atomic_write`): a failed or
interrupted run leaves the old notebook as it was. One line per lesson, for example

    06_inside_an_lstm.ipynb          saved                                    88.1 s

and the exit status is 1 if any lesson failed, 2 for bad arguments (checked first: a
notebook that is not one, or one in a folder the tool cannot write to), 130 on Ctrl-C (one
line; the lesson that was running is left as it was).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import os
import re
import signal
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from lstm_course.files import OutputPathError, atomic_write, check_output_path, one_line
from lstm_course.runtime import DEVICE_ENV

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
# What JupyterLab writes into a notebook it saves with the default Python kernel.
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
NO_KERNEL_NOTE = "(an interactive widget: run the notebook to use it)"


def _widget_states(nb) -> dict:
    """The saved state of every widget of ``nb``, by model id (empty if none was saved)."""
    return nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})


def _plain(html_text: str) -> str:
    """An HTML widget's value as the text a reader would see."""
    text = html.unescape(re.sub(r"<[^>]*>", "", html_text))
    return text.replace("\u2007", " ").replace("\xa0", " ")


def progress_bar_text(model_id: str, states: dict) -> str | None:
    """The text of the tqdm bar ``model_id`` as it last stood, or None if it is not one.

    tqdm draws a notebook bar as a box of three widgets: its left text (``training: 100%``),
    the bar, and its right text (`` 600/600 [00:35<00:00, 17.1it/s]``)."""
    box = states.get(model_id, {})
    if box.get("model_name") != "HBoxModel":
        return None
    children = [
        states.get(str(child).removeprefix("IPY_MODEL_"), {})
        for child in box["state"].get("children", [])
    ]
    kinds = [child.get("model_name") for child in children]
    if len(kinds) != 3 or {kinds[0], kinds[2]} != {"HTMLModel"} or "Progress" not in str(kinds[1]):
        return None
    left, bar, right = (child["state"] for child in children)
    top = bar.get("max") or 0
    filled = round(10 * min(max(bar.get("value", 0) / top, 0), 1)) if top else 0
    cells = "█" * filled + " " * (10 - filled)
    return f"{_plain(left.get('value', ''))}|{cells}|{_plain(right.get('value', ''))}"


def fix_for_readers_without_a_kernel(nb) -> None:
    """Set what ``nb`` shows where no kernel runs (the module's docstring says what)."""
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    states = _widget_states(nb)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW not in data:
                continue
            bar = progress_bar_text(data[WIDGET_VIEW]["model_id"], states)
            if bar is not None:
                data["text/plain"] = bar
            elif "text/html" not in data and "image/png" not in data:
                data["text/plain"] = NO_KERNEL_NOTE


class InterruptibleClient(NotebookClient):
    """A :class:`NotebookClient` that turns Ctrl-C into ``KeyboardInterrupt``.

    While it runs, nbclient handles SIGINT itself (its event loop's handler shuts the
    kernel down), so what reaches the caller of ``execute()`` is not ``KeyboardInterrupt``
    but whatever the dead kernel makes of it (``DeadKernelError``, an ``AssertionError`` in
    nbclient's cleanup): a traceback of sixty lines. This client puts its own handler in
    place of nbclient's, which stops the run (the kernel is shut down on the way out), and
    :meth:`execute` raises ``KeyboardInterrupt``, which the tools answer with one line and
    exit status 130. The kernel runs in a session of its own, so it never sees the Ctrl-C."""

    interrupted = False

    async def async_start_new_kernel(self, **kwargs) -> None:
        # called by nbclient's setup right after it installed its own signal handlers
        loop, task = asyncio.get_running_loop(), asyncio.current_task()
        with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows, a thread
            loop.add_signal_handler(signal.SIGINT, self._stop, task)
        await super().async_start_new_kernel(**kwargs)

    def _stop(self, task: asyncio.Task | None) -> None:
        self.interrupted = True
        self.shutdown_kernel = "immediate"  # killed, not asked: a busy kernel prints tracebacks
        if task is not None:
            task.cancel()

    def execute(self, **kwargs):
        try:
            return super().execute(**kwargs)
        except BaseException:
            if self.interrupted:
                raise KeyboardInterrupt from None
            raise


def execute(nb, folder: Path, timeout: int) -> None:
    """Run ``nb`` top to bottom in a fresh kernel started in ``folder``, keeping the widgets'
    state; raises :class:`CellExecutionError` at the first cell that fails, and
    ``KeyboardInterrupt`` on Ctrl-C (:class:`InterruptibleClient`)."""
    client = InterruptibleClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(folder)}},
        store_widget_state=True,
    )
    client.execute()


def save(path: Path, timeout: int) -> str:
    """Execute the lesson at ``path`` and write it back; "saved" or why it was not."""
    nb = nbformat.read(path, as_version=4)
    try:
        execute(nb, path.parent, timeout)
    except CellExecutionError as error:
        # one line, whatever the error's text holds: the verdict is one column of a table
        return one_line(f"not saved, a cell failed: {error.ename}: {error.evalue}", limit=60)
    except CellTimeoutError:
        return f"not saved, a cell ran longer than {timeout} s"
    except DeadKernelError:
        return "not saved, the kernel died"
    fix_for_readers_without_a_kernel(nb)
    nbformat.validate(nb)
    try:
        with atomic_write(path, "w", encoding="utf-8") as f:
            nbformat.write(nb, f)
    except OSError as error:  # a full disk, permissions changed while it ran
        return one_line(f"not saved: {error}", limit=60)
    return "saved"


def _lessons(parser: argparse.ArgumentParser, names: list[str]) -> list[Path]:
    """The notebooks to run, each checked to be a readable notebook before any runs."""
    paths = [Path(n) for n in names] or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        parser.error(f"no lessons in {NOTEBOOKS}")
    for path in paths:
        if path.suffix != ".ipynb" or path.is_symlink() or not path.is_file():
            parser.error(f"{path}: not a notebook file (a regular .ipynb file)")
        try:
            nbformat.validate(nbformat.read(path, as_version=4))
        except Exception as error:  # unreadable JSON, or not a notebook: say which file
            first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
            parser.error(f"{path}: not a readable notebook: {first_line[:120]}")
        try:  # before any lesson runs: a read-only folder found after an hour is too late
            check_output_path(path)
        except OutputPathError as error:
            parser.error(one_line(error))
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=Path(__file__).name, description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebooks to save (default: every lesson)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell (default 600)")
    args = parser.parse_args(argv)
    if args.timeout <= 0:
        parser.error(f"--timeout must be a positive number of seconds, got {args.timeout}")
    paths = _lessons(parser, args.notebooks)
    os.environ[DEVICE_ENV] = "cpu"  # the kernels inherit it: stored outputs are the CPU run
    failures = 0
    path = paths[0]
    try:
        for path in paths:
            start = time.perf_counter()
            verdict = save(path, args.timeout)
            failures += verdict != "saved"
            seconds = time.perf_counter() - start
            print(f"{path.name:36s} {verdict:60s} {seconds:6.1f} s", flush=True)
    except KeyboardInterrupt:
        print(
            f"interrupted while running {path.name} (Ctrl-C): it was not saved and is unchanged; "
            "later lessons did not run",
            file=sys.stderr,
        )
        return 130
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
