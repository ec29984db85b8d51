"""The pipeline bench's smoke size runs clean (every job reaches its preview; a failed job
stops the bench) and prints its ratio line for each number of users (issue 19, part 7)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow  # runs the bench in a process of its own


def test_pipeline_smoke_runs_clean_and_prints_its_ratios() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.pipeline", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if "p99/T" in line]
    assert [line.split()[0] for line in lines] == ["1", "3"], done.stdout
