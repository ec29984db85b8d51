"""The CPU-per-update bench's smoke size runs clean (0 429s, 0 errors, every update answered
by both bots) and prints its ratio line (issue 19: Mosaic's CPU per /profile vs a bare
python-telegram-bot floor)."""

from __future__ import annotations

import re

import pytest

from tests.support.bench_runs import run_bench

pytestmark = pytest.mark.slow  # starts two bot processes


def test_telegram_cpu_smoke_runs_clean_and_prints_its_ratio() -> None:
    out = run_bench("-m", "bench.telegram_cpu")
    assert "0 429s, 0 errors" in out
    ratio = re.search(r"floor ([\d.]+) ms, mosaic ([\d.]+) ms; mosaic/floor ([\d.]+)x", out)
    assert ratio is not None, out
    assert float(ratio[1]) > 0 and float(ratio[2]) > 0  # both processes were measured
