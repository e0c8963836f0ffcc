"""tools/run_notebooks.py: a misused command is a usage error (status 2), not a failed lesson."""

import subprocess
import sys
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parent.parent / "tools" / "run_notebooks.py"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--device", "banana"], "--device 'banana' is not a device name"),
        (["--device", "cuda:99"], "--device 'cuda:99', but this machine has no such device"),
        (["--device", "cpu", "99"], "no lesson matches 99"),
        (["--device", "cpu", "--timeout", "0"], "--timeout must be at least 1 second"),
    ],
)
def test_a_usage_error_is_one_line_and_status_2_before_any_lesson_runs(argv, message):
    done = subprocess.run(
        [sys.executable, str(TOOL), *argv], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""  # no lesson ran
    assert done.stderr.strip() == f"error: {message}" or (
        done.stderr.startswith(f"error: {message}") and done.stderr.count("\n") == 1
    ), done.stderr
