"""Make everything that names the repository match lstm_course.REPO_URL.

Rewrites each notebook's badge (first line of its first cell) and setup cell (its second
cell), the badges in README.md's table of lessons, README.md's ``git clone`` and ``cd``
lines, and ``pyproject.toml``'s Homepage. Run it after changing the URL:

    python tools/sync_notebook_headers.py
"""

import json
import re
from pathlib import Path

from lstm_course import REPO_URL
from lstm_course.colab import badge_markdown, setup_cell_source

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
README = ROOT / "README.md"
PYPROJECT = ROOT / "pyproject.toml"

# The README's clone line, the line after it, and pyproject.toml's Homepage.
CLONE = re.compile(r"^git clone \S+\ncd \S+", re.M)
HOMEPAGE = re.compile(r'^Homepage = "[^"]*"', re.M)


def clone_lines(repo_url: str = REPO_URL) -> str:
    """``git clone <url>`` and ``cd`` into the folder git makes for it."""
    return f"git clone {repo_url}\ncd {repo_url.rstrip('/').rsplit('/', 1)[-1]}"


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def sync_notebook(path: Path) -> bool:
    """Make ``path``'s header match; True if the file changed."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    first, setup = nb["cells"][0], nb["cells"][1]
    body = "".join(first["source"]).split("\n", 1)
    rest = body[1] if len(body) > 1 else ""
    new_first = _lines(badge_markdown(path.name) + "\n" + rest)
    new_setup = _lines(setup_cell_source())
    if first["source"] == new_first and setup["source"] == new_setup:
        return False
    first["source"], setup["source"] = new_first, new_setup
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return True


def sync_readme(notebooks: list[Path]) -> bool:
    """Make README.md's badges match; True if the file changed."""
    text = README.read_text(encoding="utf-8")
    new = text
    for path in notebooks:
        badge = re.compile(
            r"\[!\[Open In Colab\]\([^)]*\)\]\([^)]*/" + re.escape(path.name) + r"\)"
        )
        new = badge.sub(lambda _, p=path: badge_markdown(p.name), new)
    new = CLONE.sub(clone_lines(), new)
    if new == text:
        return False
    README.write_text(new, encoding="utf-8")
    return True


def sync_pyproject() -> bool:
    """Make pyproject.toml's Homepage the repository; True if the file changed."""
    text = PYPROJECT.read_text(encoding="utf-8")
    new = HOMEPAGE.sub(f'Homepage = "{REPO_URL}"', text)
    if new == text:
        return False
    PYPROJECT.write_text(new, encoding="utf-8")
    return True


if __name__ == "__main__":
    notebooks = sorted(NOTEBOOKS.glob("*.ipynb"))
    for notebook in notebooks:
        print(("updated " if sync_notebook(notebook) else "ok      ") + notebook.name)
    print(("updated " if sync_readme(notebooks) else "ok      ") + README.name)
    print(("updated " if sync_pyproject() else "ok      ") + PYPROJECT.name)
