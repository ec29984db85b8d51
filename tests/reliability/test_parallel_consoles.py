"""Several `mosaic chat` processes at once on one database (issue #16, finding 2).

One person in several terminals asks for pictures at the same moment: no process crashes
("database is locked") or hangs, the quota counts each picture once, and each terminal
prints its own job's preview, nobody else's. Real processes, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

MOSAIC = Path(sys.executable).with_name("mosaic")
PROCESSES = 5
LIMIT = 300.0  # seconds for all of them: generous, the machine is shared


def environment(data: Path, database_url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "MOSAIC_DATA_DIR": str(data),
        "MOSAIC_DATABASE_URL": database_url,
        "MOSAIC_DEFAULT_LANGUAGE": "en",
    }
    for secret in ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN", "OPENAI_API_KEY"):
        env.pop(secret, None)
    return env


@dataclass
class Running:
    process: subprocess.Popen[bytes]
    out: Path
    err: Path


def start(env: dict[str, str], folder: Path, user: str, script: str) -> Running:
    """A `mosaic chat` reading `script`, its output in files (no pipe to fill up)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "in").write_text(script)
    with (folder / "in").open("rb") as stdin:
        process = subprocess.Popen(
            [str(MOSAIC), "chat", "--as", user],
            stdin=stdin,
            stdout=(folder / "out").open("wb"),
            stderr=(folder / "err").open("wb"),
            env=env,
        )
    return Running(process, folder / "out", folder / "err")


def finish(running: list[Running]) -> list[tuple[int | None, str, str]]:
    """(exit code or None if it hung, stdout, stderr) of each."""
    deadline = time.monotonic() + LIMIT
    results = []
    for each in running:
        try:
            code: int | None = each.process.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            each.process.kill()
            each.process.wait()
            code = None
        results.append((code, each.out.read_text(), each.err.read_text()))
    return results


@pytest.mark.slow
def test_parallel_imagine_by_one_person(tmp_path: Path, database_url: str) -> None:
    env = environment(tmp_path / "data", database_url)
    processes = []
    for number in range(PROCESSES):
        script = f"/imagine parallel fox {number}\n"
        processes.append(start(env, tmp_path / f"terminal{number}", "sam", script))
        time.sleep(0.2)
    results = finish(processes)
    for number, (code, out, err) in enumerate(results):
        assert code == 0, f"process {number} {'hung' if code is None else code}: {err[-2000:]}"
        assert "Traceback" not in err and "database is locked" not in err, err[-2000:]
        previews = re.findall(r"── Preview of job #\d+ ──\n“parallel fox (\d+)”", out)
        assert previews == [str(number)], f"terminal {number} printed previews {previews}:\n{out}"
    quota = finish([start(env, tmp_path / "last", "sam", "/quota\n")])[0]
    assert quota[0] == 0, quota[2]
    assert f"You have {25 - PROCESSES} of 25 images left today." in quota[1]
