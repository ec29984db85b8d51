"""How long each long test took in a recent run, so the next run starts the longest first.

`tests/durations.json` maps a test's node id to its seconds (setup + call + teardown) for every
test that took at least `RECORD_FROM` seconds. `longest_first` (tests/support/tiers.py) orders
the run by it: pytest-xdist hands tests out in collection order, so the minute-long ones start
first and the short ones fill in at the end, and the workers finish together.

Refresh it from a run (every pytest process may write; the xdist controller has every test):

    MOSAIC_TEST_DURATIONS=tests/durations.json ./mosaic test [paths]

A run of some paths updates their tests and keeps the rest; a test that got faster than
`RECORD_FROM` leaves the file. Timings on a shared machine are noisy; the order only needs
the long tests roughly right.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.support.tiers import plain_nodeid

ENV = "MOSAIC_TEST_DURATIONS"
FILE = Path(__file__).resolve().parents[1] / "durations.json"
RECORD_FROM = 1.0  # seconds; shorter tests are not worth ordering


def load(path: Path = FILE) -> dict[str, float]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): float(v) for k, v in data.items()} if isinstance(data, dict) else {}


def merge(path: Path, measured: dict[str, float]) -> None:
    """Update `path` with this run's `measured` seconds per test."""
    durations = load(path)
    for nodeid, seconds in measured.items():
        if seconds >= RECORD_FROM:
            durations[nodeid] = round(seconds, 1)
        else:
            durations.pop(nodeid, None)
    ordered = dict(sorted(durations.items()))
    path.write_text(json.dumps(ordered, indent=0) + "\n", encoding="utf-8")


class DurationRecorder:
    """Sums each test's phases as their reports arrive (under xdist, at the controller)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._measured: dict[str, float] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        nodeid = plain_nodeid(report.nodeid)
        self._measured[nodeid] = self._measured.get(nodeid, 0.0) + report.duration

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self._measured and exitstatus in (0, 1):  # ran to the end, passed or failed
            merge(self._path, self._measured)


def register(config: pytest.Config) -> None:
    target = os.environ.get(ENV)
    if target and not hasattr(config, "workerinput"):  # the controller, or a run without -n
        config.pluginmanager.register(DurationRecorder(Path(target)), "mosaic-durations")
