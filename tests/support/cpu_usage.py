"""Where the suite spends CPU: an opt-in pytest plugin and its report.

On a loaded machine wall-clock figures of the suite say little; CPU seconds do. With
`MOSAIC_TEST_CPU=<folder>` set, every pytest process (each xdist worker too) appends one
JSON line per test to `<folder>/cpu-<worker>.jsonl`: the test's CPU seconds in this process
and in the child processes it waited for (`resource.getrusage` RUSAGE_SELF + RUSAGE_CHILDREN
deltas over setup, call and teardown), its wall time, and the CPU of each fixture it set up.

    MOSAIC_TEST_CPU=/tmp/cpu nice -n 10 .venv/bin/python -m pytest -n 0 tests/fuzz
    .venv/bin/python -m tests.support.cpu_usage /tmp/cpu

The report prints totals per file and per fixture and the costliest tests. Total CPU ÷ the
number of workers is the floor for the suite's wall time; a test whose wall time is far above
its CPU time waits (sleeps, polls, timeouts), which could overlap or shrink.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ENV = "MOSAIC_TEST_CPU"


def cpu_seconds() -> float:
    """CPU (user + system) of this process and of the children it has waited for."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def children_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class _Running:
    cpu: float
    children: float
    wall: float
    fixtures: dict[str, float] = field(default_factory=dict)


class CpuRecorder:
    """The plugin: registered by tests/conftest.py when `MOSAIC_TEST_CPU` names a folder."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        self._out = (folder / f"cpu-{worker}-{os.getpid()}.jsonl").open("a", encoding="utf-8")
        self._running: _Running | None = None
        self._session_start = (cpu_seconds(), time.perf_counter())

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Iterator[Any]:
        self._running = _Running(cpu_seconds(), children_seconds(), time.perf_counter())
        try:
            return (yield)
        finally:
            running, self._running = self._running, None
            record = {
                "test": item.nodeid,
                "file": item.nodeid.split("::", 1)[0],
                "cpu": round(cpu_seconds() - running.cpu, 4),
                "children": round(children_seconds() - running.children, 4),
                "wall": round(time.perf_counter() - running.wall, 4),
                "fixtures": {k: round(v, 4) for k, v in running.fixtures.items()},
            }
            self._out.write(json.dumps(record) + "\n")
            self._out.flush()

    @pytest.hookimpl(wrapper=True)
    def pytest_fixture_setup(self, fixturedef: pytest.FixtureDef[Any]) -> Iterator[Any]:
        start = cpu_seconds()
        try:
            return (yield)
        finally:
            if self._running is not None:
                name = fixturedef.argname
                spent = cpu_seconds() - start
                self._running.fixtures[name] = self._running.fixtures.get(name, 0.0) + spent

    def pytest_sessionfinish(self) -> None:
        cpu, wall = self._session_start
        record = {
            "session": True,
            "cpu": round(cpu_seconds() - cpu, 4),
            "wall": round(time.perf_counter() - wall, 4),
        }
        self._out.write(json.dumps(record) + "\n")
        self._out.close()


def register(config: pytest.Config) -> None:
    folder = os.environ.get(ENV)
    if folder:
        config.pluginmanager.register(CpuRecorder(Path(folder)), "mosaic-cpu-usage")


# ---------------------------------------------------------------- the report


def _load(folder: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    tests, sessions = [], []
    for path in sorted(folder.glob("cpu-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            (sessions if record.get("session") else tests).append(record)
    return tests, sessions


def report(folder: Path, top: int = 25, workers: int = 2) -> str:
    tests, sessions = _load(folder)
    lines: list[str] = []
    cpu = sum(t["cpu"] for t in tests)
    wall = sum(t["wall"] for t in tests)
    session_cpu = sum(s["cpu"] for s in sessions)
    lines.append(
        f"{len(tests)} tests: CPU {cpu:.1f} s (children {sum(t['children'] for t in tests):.1f} s),"
        f" wall {wall:.1f} s; whole processes CPU {session_cpu:.1f} s"
        f" -> floor on {workers} workers {session_cpu / workers:.1f} s"
    )
    by_file: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    by_fixture: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for t in tests:
        row = by_file[t["file"]]
        row[0] += t["cpu"]
        row[1] += t["wall"]
        row[2] += 1
        for name, spent in t["fixtures"].items():
            by_fixture[name][0] += spent
            by_fixture[name][1] += 1
    lines.append(f"\nper file (top {top} by CPU): cpu s, wall s, tests")
    for name, (c, w, n) in sorted(by_file.items(), key=lambda kv: -kv[1][0])[:top]:
        lines.append(f"  {c:8.1f} {w:8.1f} {int(n):5d}  {name}")
    lines.append(f"\nper fixture set-up (top {top} by CPU, includes nested fixtures): cpu s, uses")
    for name, (c, n) in sorted(by_fixture.items(), key=lambda kv: -kv[1][0])[:top]:
        lines.append(f"  {c:8.1f} {int(n):5d}  {name}")
    lines.append(f"\ntests (top {top} by CPU): cpu s, children s, wall s")
    for t in sorted(tests, key=lambda t: -t["cpu"])[:top]:
        lines.append(f"  {t['cpu']:8.2f} {t['children']:8.2f} {t['wall']:8.2f}  {t['test']}")
    waiting = sorted(tests, key=lambda t: -(t["wall"] - t["cpu"]))[:top]
    lines.append(f"\ntests waiting most (wall - cpu, top {top}): wall s, cpu s")
    for t in waiting:
        lines.append(f"  {t['wall']:8.2f} {t['cpu']:8.2f}  {t['test']}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(Path(sys.argv[1]), top=int(sys.argv[2]) if len(sys.argv) > 2 else 25))
