"""One scheduler leader per SQLite file (issue #16): every process used to lead, so each
one's console sender printed everybody's notifications and each took back the others'
messages in flight. The lock is the kernel's: a dead process's is freed."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from scheduler.leader import FileLock


async def test_one_leader_and_a_successor(tmp_path: Path) -> None:
    path = tmp_path / "mosaic.db.leader"
    first, second = FileLock(path), FileLock(path)
    assert await first.acquire()
    assert await first.acquire()  # still leading
    assert not await second.acquire()
    await first.release()
    assert await second.acquire()
    await second.release()


def test_a_killed_leaders_lock_is_free(tmp_path: Path) -> None:
    path = tmp_path / "mosaic.db.leader"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            f"fd = os.open({str(path)!r}, os.O_RDWR | os.O_CREAT)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "print('held', flush=True)\n"
            "time.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert not asyncio.run(FileLock(path).acquire())
    finally:
        holder.kill()
        holder.wait()
    successor = FileLock(path)
    assert asyncio.run(successor.acquire())
    asyncio.run(successor.release())
