"""Run a bench at its smoke size in a process of its own (tests/bench)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_bench(*args: str) -> str:
    """`python <args> --smoke` from the repository root; its stdout, once it exited 0."""
    done = subprocess.run(
        [sys.executable, *args, "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout
