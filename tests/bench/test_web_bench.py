"""bench/web.py runs clean at its smoke size and prints a ratio line per access pattern."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_web_bench_runs_at_smoke_size() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.web", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    for pattern in ("uniform", "zipf"):
        assert f"web bench ratio {pattern}: posts=200" in done.stdout, done.stdout[-2000:]
