"""The README keeps its promises: every lesson in its table, with the time its stored run
took, as ``tools/lesson_times.py`` prints it; the whole course's reading and running time;
every path and command-line option it (and the docs beside it) names exists.

The stored run is the one ``tools/save_lessons.py`` made, and ``tools/lesson_times.py`` reads
its length back from the notebook's own timestamps. So the README's time is a fact of the
stored lesson, checked to the second; re-saving a lesson means updating its row.
"""

import functools
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PAGES = [README, ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

_spec = importlib.util.spec_from_file_location("lesson_times", ROOT / "tools" / "lesson_times.py")
lesson_times = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lesson_times)

RUN_SLACK_S = 1.0  # the README gives whole seconds; lesson_times.py prints tenths

_ROW = re.compile(r"^\| (\d+) \| \[[^\]]+\]\(notebooks/([^)]+\.ipynb)\) \|.*\|$", re.M)
_TIME = re.compile(r"\| (\d+) s · (\d+) min \| \[!\[Open In Colab")
_TOTAL = re.compile(
    r"The whole course: about (\d+) h (\d+) min of reading and (\d+) min of running\."
)
_PATH = re.compile(r"(?<![\w/.-])((?:tools|benchmarks|notebooks|docs|images)/[\w./-]*\w)")
_OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]+)")


def _readme_rows() -> dict[str, str]:
    text = README.read_text(encoding="utf-8")
    return {m.group(2): m.group(0) for m in _ROW.finditer(text)}


def test_the_readme_is_short():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) < 120, f"README.md has {len(lines)} lines: move details to docs/"
    assert "{{" not in "\n".join(lines), "a placeholder was left in the README"


def test_the_lesson_table_lists_every_lesson_and_nothing_else():
    listed = set(_readme_rows())
    stored = {path.name for path in LESSONS}
    assert stored - listed == set(), f"lessons missing from the README's table: {stored - listed}"
    assert listed - stored == set(), (
        f"the README lists lessons that do not exist: {listed - stored}"
    )


def _stored(path: Path) -> tuple[float, int]:
    """The stored run's seconds and the reading minutes, as tools/lesson_times.py prints."""
    notebook = nbformat.read(path, as_version=4)
    try:
        seconds = lesson_times.lesson_time(notebook).total_s
    except ValueError as error:
        pytest.fail(f"{path.name}: {error}; re-save it with tools/save_lessons.py")
    return seconds, lesson_times.reading_minutes(notebook)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_each_lessons_time_is_that_of_its_stored_run(path):
    row = _readme_rows().get(path.name)
    assert row is not None, f"{path.name} is not in the README's lesson table"
    found = _TIME.search(row)
    assert found, f"{path.name}: no 'N s · R min' time in its row"
    seconds, reading = _stored(path)
    assert abs(int(found.group(1)) - seconds) <= RUN_SLACK_S, (
        f"{path.name}: the README says {found.group(1)} s, the stored run took {seconds:.1f} s "
        "(python tools/lesson_times.py)"
    )
    assert int(found.group(2)) == reading, (
        f"{path.name}: the README says {found.group(2)} min to read, the tool {reading}"
    )


def test_the_whole_course_time_is_the_sum_of_the_lessons():
    found = _TOTAL.search(README.read_text(encoding="utf-8"))
    assert found, "README.md does not say how long the whole course takes"
    stored = [_stored(path) for path in LESSONS]
    reading = sum(minutes for _, minutes in stored)
    running = round(sum(seconds for seconds, _ in stored) / 60)
    hours, minutes, run = (int(n) for n in found.groups())
    assert (hours, minutes) == divmod(reading, 60), (
        f"README.md: {hours} h {minutes} min of reading; the lessons add up to {reading} min"
    )
    assert run == running, f"README.md: {run} min of running; the lessons add up to {running}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_path_a_page_names_exists(page):
    text = page.read_text(encoding="utf-8")
    base = page.parent
    for name in sorted(set(_PATH.findall(text))):
        if "*" in name or "{" in name or "NN_" in name:
            continue  # a pattern (notebooks/NN_name.ipynb), not a path
        here = (base / name) if base != ROOT and (base / name).exists() else ROOT / name
        assert here.exists(), f"{page.name} names {name}, which does not exist"
    for link in re.findall(r"\]\(((?!https?:)[^)#\s]+)", text):  # relative Markdown links
        assert (base / link).exists(), f"{page.name} links to {link}, which does not exist"


def _program_source(line: str) -> str | None:
    """The source that defines a command line's options, or None for another program's."""
    script = re.search(r"((?:tools|benchmarks)/\w+\.py)", line)
    if script:
        return (ROOT / script.group(1)).read_text(encoding="utf-8")
    if "lstm_course.tagger" in line or "lstm-tagger" in line:
        return (ROOT / "lstm_course" / "tagger_cli.py").read_text(encoding="utf-8")
    return None


@functools.cache
def _help_of(*command: str) -> str:
    run = subprocess.run([sys.executable, *command, "--help"], capture_output=True, text=True)
    return run.stdout


def _external_help(line: str) -> str:
    if "pip " in line:
        return _help_of("-m", "pip", "install")
    if "pytest" in line:
        return _help_of("-m", "pytest")
    return ""


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_command_line_option_a_page_names_exists(page):
    """An option is checked against the program on its line: the course's tools, benchmarks
    and tagger by their source, pip and pytest by their --help; an option named in prose
    (not on a command's line) against the tagger's, where the docs describe them."""
    tagger = (ROOT / "lstm_course" / "tagger_cli.py").read_text(encoding="utf-8")
    for line in page.read_text(encoding="utf-8").splitlines():
        for option in _OPTION.findall(line):
            source = _program_source(line)
            if source is not None:
                known = f'"{option}"' in source
            else:
                named = re.search(re.escape(option) + r"(?![\w-])", _external_help(line))
                known = bool(named) or f'"{option}"' in tagger
            assert known, f"{page.name} names {option}, which its program does not have: {line}"


def _timed_cell(source: str, start: str, end: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["execution"] = {
        "iopub.execute_input": f"2026-01-01T00:00:{start}Z",
        "shell.execute_reply": f"2026-01-01T00:00:{end}Z",
    }
    return cell


def test_lesson_times_reads_the_total_and_the_slowest_cell():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# a lesson"),
        _timed_cell("import torch", "01.000000", "03.500000"),
        _timed_cell("train()\nmore()", "03.600000", "09.600000"),
        _timed_cell("print(1)", "09.700000", "10.000000"),
    ]
    total, cell, slowest, source = lesson_times.lesson_time(notebook)
    assert (round(total, 3), cell, round(slowest, 3), source) == (9.0, 2, 6.0, "train()")
    notebook.cells.append(nbformat.v4.new_code_cell("never run"))
    with pytest.raises(ValueError, match="code cell 4 has no stored execution times"):
        lesson_times.lesson_time(notebook)


def test_lesson_times_refuses_a_path_that_is_not_a_notebook(capsys):
    with pytest.raises(SystemExit) as exit_:
        lesson_times.main([str(README)])
    assert exit_.value.code == 2 and "is not a notebook file" in capsys.readouterr().err


def _sync_tool():
    spec = importlib.util.spec_from_file_location(
        "sync_notebook_headers", ROOT / "tools" / "sync_notebook_headers.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_clone_url_and_homepage_are_the_repository_the_badges_open():
    """README's `git clone` line and pyproject.toml's Homepage come from lstm_course.REPO_URL,
    as every badge does (tools/sync_notebook_headers.py writes all of them)."""
    from lstm_course import REPO_URL

    sync = _sync_tool()
    readme = README.read_text(encoding="utf-8")
    clone = sync.CLONE.search(readme)
    assert clone, "README.md has no `git clone ...` line followed by `cd ...`"
    assert clone.group(0) == sync.clone_lines(REPO_URL), (
        f"README.md clones {clone.group(0)!r}, the repository is {REPO_URL}: "
        "run python tools/sync_notebook_headers.py"
    )
    homepage = sync.HOMEPAGE.search((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert homepage and homepage.group(0) == f'Homepage = "{REPO_URL}"', (
        "pyproject.toml's Homepage is not lstm_course.REPO_URL: "
        "run python tools/sync_notebook_headers.py"
    )


def test_the_sync_tool_follows_the_repository_url():
    sync = _sync_tool()
    assert sync.clone_lines("https://github.com/someone/my-lstm-course/") == (
        "git clone https://github.com/someone/my-lstm-course/\ncd my-lstm-course"
    )
    moved = sync.CLONE.sub(
        sync.clone_lines("https://github.com/a/b"), "x\ngit clone https://old/c/d\ncd d\ny"
    )
    assert moved == "x\ngit clone https://github.com/a/b\ncd b\ny"


def test_the_readme_names_the_lessons_that_read_the_treebank():
    """ "Lessons 3, 4, 5 and 8 read an English treebank": exactly those whose code reads it
    (the ones `pytest` skips without it, as the root conftest.py decides)."""
    readers = sorted(
        int(path.name[:2])
        for path in LESSONS
        if any(
            name in path.read_text(encoding="utf-8")
            for name in ("load_ud_english_ewt", "find_ud_english_ewt")
        )
    )
    said = re.search(r"Lessons ([\d, and]+) read an English treebank", README.read_text())
    assert said, "README.md does not say which lessons read the treebank"
    named = sorted(int(n) for n in re.findall(r"\d+", said.group(1)))
    assert named == readers, f"README.md names lessons {named}; {readers} read the treebank"
