"""CPU seconds of other processes on this machine, read from Linux's /proc: the benches'
own processes, and the PostgreSQL server's backends serving one database."""

from __future__ import annotations

import os
from pathlib import Path


def cpu_seconds(pids: list[int]) -> float:
    """User + system time of these processes so far (Linux /proc); a process gone counts 0."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


def postgres_backends(database: str) -> list[int]:
    """The PostgreSQL server processes serving `database`, when the server runs on this
    machine (its backends are titled `postgres: [<cluster>:] <user> <database> <client> …`)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").split()
        except OSError:
            continue
        if title[:1] == [b"postgres:"] and database.encode() in title[2:4]:
            pids.append(int(entry.name))
    return pids


class PostgresCpu:
    """CPU of the backends serving one database over a window. Backends that start in the
    window count in full; one that ends in it is lost (the pools here keep theirs open)."""

    def __init__(self, database: str) -> None:
        self._database = database
        self._before: dict[int, float] = {}

    def start(self) -> None:
        self._before = {pid: cpu_seconds([pid]) for pid in postgres_backends(self._database)}

    def seconds(self) -> float:
        pids = postgres_backends(self._database)
        return sum(cpu_seconds([pid]) - self._before.get(pid, 0.0) for pid in pids)
