"""The refit benchmark's smoke size: it stores impressions, refits, and the refit wins over
the prior on its synthetic labels (which depend on two parts and the position)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_the_refit_benchmark_runs_at_its_smoke_size() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bench.ranker_fit", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    found = re.search(r"held-out AUC ([0-9.]+) against ([0-9.]+)", run.stdout)
    assert found, run.stdout
    assert float(found[1]) > float(found[2]) + 0.05, run.stdout
    assert "budget" in run.stdout and "peak memory" in run.stdout
