"""Test-session settings for the whole repository (the unit tests and the notebooks).

OpenMP's threads wait passively (``OMP_WAIT_POLICY``), so a busy machine does not slow the
notebooks' kernels many times over.

Lessons 3, 4, 5 and 8 read UD English EWT. Where it is neither in ``$LSTM_COURSE_DATA`` nor
in the cache and cannot be downloaded (no internet), their notebooks are *skipped*, with the
reason, instead of failing on the download: the rest of the test suite still runs.
"""

from __future__ import annotations

import os

# Before torch is loaded here or in a notebook's kernel (which inherits this environment):
# PyTorch's OpenMP threads wait for work by spinning. Two such processes on a busy machine
# (two test runs, or a test run beside a training) then take turns slowly: a lesson's cell ran
# more than ten times slower. Waiting passively costs nothing measurable on a quiet machine.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from pathlib import Path

import pytest

from lstm_course.data import EWT_SPLITS, DatasetUnavailable, find_ud_english_ewt

# a notebook whose code contains one of these reads EWT
_EWT_READERS = ("load_ud_english_ewt", "find_ud_english_ewt")


def _reads_ewt(path: Path) -> bool:
    return path.suffix == ".ipynb" and any(
        name in path.read_text(encoding="utf-8") for name in _EWT_READERS
    )


def _ewt_unavailable() -> str | None:
    """None if every EWT file is here (finding or downloading it now), else the reason."""
    try:
        for split in EWT_SPLITS:
            find_ud_english_ewt(split)
    except (DatasetUnavailable, ConnectionError, ValueError) as error:
        return str(error).splitlines()[0]
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    notebooks = {Path(str(item.path)) for item in items}
    needing = {p for p in notebooks if _reads_ewt(p)}
    if not needing:
        return
    reason = _ewt_unavailable()
    if reason is None:
        return
    skip = pytest.mark.skip(reason=f"UD English EWT is not available: {reason}")
    for item in items:
        if Path(str(item.path)) in needing:
            item.add_marker(skip)
