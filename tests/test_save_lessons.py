"""tools/save_lessons.py: lessons saved so that they read right where no kernel runs."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "save_lessons.py"
_spec = importlib.util.spec_from_file_location("save_lessons", TOOL)
save_lessons = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(save_lessons)

VIEW = "application/vnd.jupyter.widget-view+json"


def _model(name: str, **state) -> dict:
    return {"model_name": name, "state": {"_model_name": name, **state}}


def _tqdm_states(value: float, top: float, right: str) -> dict:
    """Widget states as tqdm leaves them: a box of left text, bar and right text."""
    return {
        "box": _model("HBoxModel", children=["IPY_MODEL_left", "IPY_MODEL_bar", "IPY_MODEL_right"]),
        "left": _model("HTMLModel", value="training:\u2007100%"),
        "bar": _model("FloatProgressModel", value=value, max=top, bar_style="success"),
        "right": _model("HTMLModel", value=right),
    }


def _notebook(outputs: list[dict], states: dict) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    nb.metadata["widgets"] = {save_lessons.WIDGET_STATE: {"state": states}}
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    nb.cells = [cell]
    return nb


def _widget_output(model_id: str, plain: str, **more) -> dict:
    data = {VIEW: {"model_id": model_id, "version_major": 2, "version_minor": 0}}
    data.update({"text/plain": plain, **more})
    return {"output_type": "display_data", "data": data, "metadata": {}}


def test_a_finished_progress_bar_reads_as_finished():
    states = _tqdm_states(600.0, 600.0, "\u2007600/600\u2007[00:33&lt;00:00,\u200719.11it/s]")
    assert save_lessons.progress_bar_text("box", states) == (
        "training: 100%|██████████| 600/600 [00:33<00:00, 19.11it/s]"
    )
    half = _tqdm_states(300.0, 600.0, " 300/600")
    assert save_lessons.progress_bar_text("box", half).split("|")[1] == "█████     "
    assert save_lessons.progress_bar_text("left", states) is None, "not a bar: an HTML widget"
    assert save_lessons.progress_bar_text("gone", states) is None


def test_fix_sets_the_kernel_name_the_bar_text_and_a_note_for_other_widgets():
    states = _tqdm_states(3.0, 3.0, " 3/3 [00:01<00:00]")
    states["slider"] = _model("IntSliderModel", value=2)
    nb = _notebook(
        [
            _widget_output("box", "training:   0%|          | 0/3 [00:00<?, ?it/s]"),
            _widget_output("slider", "IntSlider(value=2)"),
            _widget_output("explorer", "its own text", **{"text/html": "<b>its picture</b>"}),
        ],
        states,
    )
    save_lessons.fix_for_readers_without_a_kernel(nb)
    assert nb.metadata["kernelspec"]["display_name"] == "Python 3 (ipykernel)"
    bar, slider, explorer = (o["data"] for o in nb.cells[0].outputs)
    assert bar["text/plain"] == "training: 100%|██████████| 3/3 [00:01<00:00]"
    assert slider["text/plain"] == save_lessons.NO_KERNEL_NOTE
    assert explorer["text/plain"] == "its own text", "a widget with a picture of its own keeps it"
    nbformat.validate(nb)


def _run_tool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(TOOL), *args], capture_output=True, text=True, timeout=300
    )


def test_tool_executes_and_saves_a_lesson_that_reads_right(tmp_path):
    path = tmp_path / "lesson.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "from tqdm.auto import tqdm\nfor _ in tqdm(range(5), desc='steps'):\n    pass"
        ),
        nbformat.v4.new_code_cell("import os\nprint(os.environ['LSTM_COURSE_DEVICE'])"),
    ]
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    nbformat.write(nb, path)
    done = _run_tool(str(path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "lesson.ipynb" in done.stdout and "saved" in done.stdout
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["metadata"]["kernelspec"] == save_lessons.KERNELSPEC
    assert saved["metadata"]["widgets"][save_lessons.WIDGET_STATE]["state"]
    bar = [o for o in saved["cells"][0]["outputs"] if VIEW in o.get("data", {})]
    assert len(bar) == 1 and "".join(bar[0]["data"]["text/plain"]).startswith("steps: 100%|███")
    assert saved["cells"][1]["outputs"][0]["text"] == ["cpu\n"], "stored outputs: the CPU run"
    assert [c["execution_count"] for c in saved["cells"]] == [1, 2]


def test_tool_leaves_a_lesson_whose_cell_fails_as_it_was(tmp_path):
    path = tmp_path / "broken.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("1 / 0")]
    nbformat.write(nb, path)
    before = path.read_bytes()
    done = _run_tool(str(path))
    assert done.returncode == 1
    assert "not saved, a cell failed: ZeroDivisionError" in done.stdout
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["broken.ipynb"], "no temporary file left"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.ipynb", "not a notebook file"),
        (lambda d: d, "not a notebook file"),
        (lambda d: (d / "notes.txt").write_text("x") and d / "notes.txt", "not a notebook file"),
        (
            lambda d: (d / "bad.ipynb").write_text("{not json") and d / "bad.ipynb",
            "not a readable notebook",
        ),
    ],
)
def test_tool_refuses_bad_arguments_at_once_with_status_2(tmp_path, make, message, capsys):
    with pytest.raises(SystemExit) as stopped:
        save_lessons.main([str(make(tmp_path))])
    assert stopped.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert message in error and error.startswith("save_lessons.py: error:")


def test_tool_refuses_a_timeout_that_is_not_positive(tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        save_lessons.main(["--timeout", "0"])
    assert stopped.value.code == 2
    assert "--timeout must be a positive number" in capsys.readouterr().err
