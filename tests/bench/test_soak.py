"""The soak benchmarks at their smoke size (issue #16): `bench/soak.py --smoke`, a few scripted
console users for seconds, and `bench/soak_platforms.py --smoke`, Telegram and Discord users
against the fake platforms through the real clients. Neither may report an error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("bench", ["bench.soak", "bench.soak_platforms"])
def test_soak_smoke(bench: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", bench, "--smoke"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "MOSAIC_DATABASE_URL": ""},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "errors 0 " in done.stdout
    assert "first reply  p50" in done.stdout
