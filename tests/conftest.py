"""Shared test helpers: tiny CoNLL-U files and the course's copy of UD English EWT."""

import os
from pathlib import Path

import pytest

from lstm_course.data import EWT_SHA256, ewt_filename, sha256_of
from lstm_course.runtime import bfloat16_lstm_runs, cpu_features

#: For tests that train in bfloat16: skipped, saying why, where PyTorch's LSTM cannot run in
#: it (a CPU without AVX-512 BF16 or AMX, as most laptops; CI emulates one).
needs_bfloat16 = pytest.mark.skipif(
    not bfloat16_lstm_runs("cpu"),
    reason=f"PyTorch's LSTM cannot run in bfloat16 on this CPU ({cpu_features()})",
)

TOY = [
    ("The cat sleeps .", "DET NOUN VERB PUNCT"),
    ("A dog barks loudly .", "DET NOUN VERB ADV PUNCT"),
    ("She reads the old book .", "PRON VERB DET ADJ NOUN PUNCT"),
    ("The big dog sleeps .", "DET ADJ NOUN VERB PUNCT"),
    ("He quickly reads a book .", "PRON ADV VERB DET NOUN PUNCT"),
    ("Cats sleep .", "NOUN VERB PUNCT"),
]


def conllu_text(sentences=TOY) -> str:
    """CoNLL-U for (text, tags) pairs, with comments as in a real file."""
    blocks = []
    for n, (text, tags) in enumerate(sentences, start=1):
        lines = [f"# sent_id = toy-{n}", f"# text = {text}"]
        for i, (word, tag) in enumerate(zip(text.split(), tags.split(), strict=True), start=1):
            lines.append(f"{i}\t{word}\t{word.lower()}\t{tag}\t_\t_\t0\tdep\t_\t_")
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks) + "\n"


@pytest.fixture
def toy_conllu(tmp_path) -> Path:
    path = tmp_path / "toy.conllu"
    path.write_text(conllu_text(), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def ewt_dir() -> Path:
    """The verified local copy of UD English EWT r2.16 (``$LSTM_COURSE_DATA``), or skip."""
    folder = os.environ.get("LSTM_COURSE_DATA")
    candidates = [Path(folder)] if folder else []
    candidates.append(Path(__file__).resolve().parents[2] / "shared" / "data" / "ud-english-ewt")
    for candidate in candidates:
        if all((candidate / ewt_filename(s)).is_file() for s in EWT_SHA256):
            return candidate
    pytest.skip("no local copy of UD English EWT: set LSTM_COURSE_DATA to run this test")


@pytest.fixture(scope="session")
def ewt_dev_bytes(ewt_dir) -> bytes:
    path = ewt_dir / ewt_filename("dev")
    assert sha256_of(path) == EWT_SHA256["dev"]
    return path.read_bytes()


def pytest_terminal_summary(terminalreporter):
    """One line saying how the browser test (tests/test_browser.py) went, or why it was
    skipped, so a run that needs no browser says so and CI's log shows the result."""
    outcomes, reasons = {}, set()
    for kind in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(kind, []):
            if not getattr(report, "nodeid", "").startswith("tests/test_browser.py"):
                continue
            if kind == "passed" and report.when != "call":
                continue
            outcomes[kind] = outcomes.get(kind, 0) + 1
            if kind == "skipped" and isinstance(report.longrepr, tuple):
                reasons.add(report.longrepr[2].removeprefix("Skipped: "))
    if outcomes:
        counts = ", ".join(f"{n} {kind}" for kind, n in outcomes.items())
        why = f" ({'; '.join(sorted(reasons))})" if reasons else ""
        shots = "" if set(outcomes) == {"skipped"} else "; screenshots in browser-screenshots/"
        terminalreporter.write_line(f"browser test (JupyterLab in Chromium): {counts}{why}{shots}")
