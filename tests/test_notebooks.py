"""What every lesson notebook promises, checked without running it (nbval runs it).

- it opens with the Colab badge and the setup cell, both made from lstm_course.REPO_URL;
- it says what the learner will be able to do, ends with a summary and exercises;
- its stored outputs come from one clean top-to-bottom run, with no errors;
- every revealable solution, run as it stands, passes its exercise's check.
"""

import json
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

from lstm_course import REPO_URL
from lstm_course.colab import badge_markdown, setup_cell_source

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
SOLUTION = re.compile(r"<details><summary>Show the solution</summary>(.*?)</details>", re.S)
PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell: dict) -> str:
    return "".join(cell["source"])


def _markdown(nb: dict) -> str:
    return "\n".join(_source(c) for c in nb["cells"] if c["cell_type"] == "markdown")


def test_there_are_lessons():
    assert len(NOTEBOOKS) >= 3
    assert [p.name[:3] for p in NOTEBOOKS] == [f"{i:02d}_" for i in range(1, len(NOTEBOOKS) + 1)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_badge_and_setup_cell_come_from_the_one_repo_url(path):
    cells = _load(path)["cells"]
    assert _source(cells[0]).splitlines()[0] == badge_markdown(path.name)
    owner_repo = urlparse(REPO_URL).path.strip("/")
    assert f"colab.research.google.com/github/{owner_repo}/blob/main/notebooks/{path.name})" in (
        _source(cells[0])
    )
    assert cells[1]["cell_type"] == "code"
    assert _source(cells[1]) == setup_cell_source()
    assert 'if "google.colab" in sys.modules:' in _source(cells[1])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_lesson_has_objectives_summary_and_checked_exercises(path):
    nb = _load(path)
    text = _markdown(nb)
    assert "By the end of this lesson you will be able to" in _source(nb["cells"][0])
    assert "## Summary" in text
    assert "## Exercises" in text
    code = "\n".join(_source(c) for c in nb["cells"] if c["cell_type"] == "code")
    checks = set(re.findall(r"\bcheck_\w+\(", code))
    assert len(checks) >= 2, "a lesson ends with a few exercises, each with a check"
    assert len(SOLUTION.findall(text)) == len(checks), "every exercise has a revealable solution"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_outputs_are_from_one_clean_run(path):
    nb = _load(path)
    code = [c for c in nb["cells"] if c["cell_type"] == "code" and _source(c).strip()]
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1)), (
        f"re-run {path.name} top to bottom in a fresh kernel"
    )
    for cell in code:
        for out in cell["outputs"]:
            assert out["output_type"] != "error", f"a stored error in {path.name}"
            text = json.dumps(out.get("text", "")) + json.dumps(out.get("data", {}))
            assert not re.search(r"/(work|tmp|root|home|Users)/\w", text), "a local path"
            assert "image/svg+xml" not in out.get("data", {}), "figures are PNG"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_kernel_is_named_as_jupyterlab_names_it(path):
    # JupyterLab rewrites any other display name on opening, and then asks to save an
    # untouched lesson; tools/save_lessons.py writes this one.
    assert _load(path)["metadata"]["kernelspec"] == {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }, f"re-execute {path.name} with tools/save_lessons.py"


def test_readme_lists_every_lesson_with_its_badge():
    readme = (NOTEBOOKS[0].parent.parent / "README.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert f"(notebooks/{path.name})" in readme, f"README's table of lessons misses {path.name}"
        assert badge_markdown(path.name) in readme


def _solutions():
    for path in NOTEBOOKS:
        for i, block in enumerate(SOLUTION.findall(_markdown(_load(path)))):
            for code in PYTHON_BLOCK.findall(block):
                yield pytest.param(code, id=f"{path.stem}-solution-{i + 1}")


@pytest.mark.parametrize("code", list(_solutions()))
def test_every_solution_passes_its_check(code, capsys):
    exec(compile(code, "<solution>", "exec"), {"__name__": "__solution__"})
    verdicts = capsys.readouterr().out.splitlines()
    assert len(verdicts) == 1 and verdicts[0].startswith("✅"), verdicts


def _run_setup_cell(monkeypatch, returncode: int) -> list:
    """Run the setup cell as if in Colab, with pip replaced by a stub; returns pip's calls."""
    import subprocess
    import sys
    import types

    calls = []

    def fake_run(args, **kw):
        calls.append(args)
        return subprocess.CompletedProcess(args, returncode, "pip says:", " no such repo")

    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(subprocess, "run", fake_run)
    exec(setup_cell_source(), {})
    return calls


def test_setup_cell_installs_the_package_in_colab(monkeypatch):
    calls = _run_setup_cell(monkeypatch, returncode=0)
    assert len(calls) == 1 and calls[0][1:4] == ["-m", "pip", "install"]
    assert calls[0][-1] == f"lstm_course @ git+{REPO_URL}"


def test_setup_cell_stops_the_notebook_with_pips_output_when_the_install_fails(monkeypatch):
    with pytest.raises(RuntimeError, match="installing the course package failed:\npip says: no"):
        _run_setup_cell(monkeypatch, returncode=1)


def test_setup_cell_does_nothing_outside_colab(monkeypatch):
    import subprocess
    import sys

    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: pytest.fail("pip ran outside Colab"))
    exec(setup_cell_source(), {})
