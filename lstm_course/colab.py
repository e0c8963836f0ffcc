"""The first two cells of every notebook: an "Open in Colab" badge and a setup cell.

Both are made from :data:`lstm_course.REPO_URL`, so moving the repository means changing
that one string and running ``python tools/sync_notebook_headers.py``.
"""

from __future__ import annotations

from urllib.parse import urlparse

from lstm_course import REPO_URL

BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"


def colab_url(notebook: str, repo_url: str = REPO_URL, branch: str = "main") -> str:
    """The Colab address that opens ``notebooks/<notebook>`` straight from GitHub."""
    owner_repo = urlparse(repo_url).path.strip("/")
    return (
        f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}/notebooks/{notebook}"
    )


def badge_markdown(notebook: str, repo_url: str = REPO_URL) -> str:
    """The Markdown of the badge that opens ``notebook`` in Colab."""
    return f"[![Open In Colab]({BADGE_IMAGE})]({colab_url(notebook, repo_url)})"


def setup_cell_source(repo_url: str = REPO_URL) -> str:
    """The setup cell: installs the course package in Colab, does nothing anywhere else.

    pip runs as a subprocess so that a failed install stops the notebook there, with pip's
    own output, instead of surfacing later as an unexplained ``ModuleNotFoundError``
    (``%pip`` prints the failure and carries on)."""
    return (
        "# Setup. In Google Colab this installs the course package (about 20 seconds);\n"
        "# anywhere else it does nothing: `pip install -r requirements.txt` did it already.\n"
        "import subprocess\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        "    pip = subprocess.run(\n"
        f'        [sys.executable, "-m", "pip", "install", "lstm_course @ git+{repo_url}"],\n'
        "        capture_output=True,\n"
        "        text=True,\n"
        "    )\n"
        "    if pip.returncode != 0:\n"
        "        failure = pip.stdout + pip.stderr\n"
        '        raise RuntimeError("installing the course package failed:\\n" + failure)'
    )
