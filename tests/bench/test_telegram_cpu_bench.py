"""The CPU-per-update bench's smoke size runs clean (0 429s, 0 errors, every update answered
by both bots) and prints its ratio line (issue 19: Mosaic's CPU per /profile vs a bare
python-telegram-bot floor)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow  # starts two bot processes


def test_telegram_cpu_smoke_runs_clean_and_prints_its_ratio() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.telegram_cpu", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 429s, 0 errors" in done.stdout
    ratio = re.search(r"floor ([\d.]+) ms, mosaic ([\d.]+) ms; mosaic/floor ([\d.]+)x", done.stdout)
    assert ratio is not None, done.stdout
    assert float(ratio[1]) > 0 and float(ratio[2]) > 0  # both processes were measured
