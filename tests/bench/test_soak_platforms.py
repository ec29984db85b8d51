"""`bench/soak_platforms.py --smoke`: Telegram and Discord users for seconds against the fake
platforms, through the real clients; no error (issue #16)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_soak_against_the_fake_platforms_smoke() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.soak_platforms", "--smoke"],
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
