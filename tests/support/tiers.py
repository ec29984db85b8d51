"""The test tiers: which tests are `slow`, `postgres` or `browser`, and the guard that keeps the
fast tier honest.

`./mosaic test --fast` runs every test that has none of the three markers: core, commands and
the adapters against their fakes, on SQLite, in this one process. The markers come from

- `slow`: every test under `SLOW_PATHS` (real processes, or the fuzzer's ten thousand inputs),
  and tests elsewhere marked `@pytest.mark.slow` where they start a process;
- `postgres`: the `database_url` fixture's PostgreSQL parameter, or `@pytest.mark.postgres`;
- `browser`: every test under `BROWSER_PATHS` (real Chromium). They also share one xdist group:
  one worker at a time writes docs/screenshots and installs axe-core. NOTE: with pytest 9.2
  and pytest-xdist 3.8 `--dist loadgroup` silently ignores the group (xdist writes the
  `@group` suffix into `item._nodeid`, which pytest 9.2's structured node ids no longer read:
  pytest-dev/pytest-xdist#1386, fix open in #1388), so they run on several workers; seen
  with `./mosaic test tests/web/test_browser.py -n 2 -v` (gw0 and gw1, no `@browser`).

The guard makes a forgotten marker fail instead of slowing the fast tier down unnoticed: while
a test sets up or runs, starting a process without `slow` or `browser`, or connecting to the
PostgreSQL port without `postgres`, raises `TierViolation` naming the marker to add.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

SLOW_PATHS = (
    "tests/e2e/",  # `mosaic chat` as a real process
    "tests/reliability/",  # crashes, kills and many processes
    "tests/bench/",  # each runs a bench script as a process
    "tests/fuzz/",  # 10,000 generated inputs through the dispatcher, in this process
    "tests/test_gates.py",  # ruff, mypy and import-linter as processes
)
BROWSER_PATHS = ("tests/web/test_browser.py",)
FAST_EXCLUDES = "not slow and not postgres and not browser"


class TierViolation(RuntimeError):
    """A test did something its tier does not allow (see the module's docstring)."""


def mark_tiers(root: Path, items: list[pytest.Item]) -> None:
    for item in items:
        path = Path(str(item.path)).resolve().relative_to(root.resolve()).as_posix()
        if path.startswith(SLOW_PATHS):
            item.add_marker(pytest.mark.slow)
        if path.startswith(BROWSER_PATHS):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))


# Seconds assumed for a test missing from tests/durations.json (new, or under a second there);
# "slow" also for `browser` tests
GUESSED_SECONDS = {"slow": 3.0, "postgres": 0.3, "other": 0.05}


def longest_first(items: list[pytest.Item], durations: dict[str, float]) -> None:
    """Order the run so that the long tests start first, by the seconds each took in a recent
    run (`durations`: tests/support/durations.py), guessing from the markers for a test not
    there. pytest-xdist hands out tests in this order, so the short ones fill in at the end and
    the workers finish together, instead of one worker starting a minute-long test when the
    others are done. The tests of one xdist group run on one worker one after the other: they
    count as one test as long as all of them, and stay together."""

    def seconds(item: pytest.Item) -> float:
        known = durations.get(plain_nodeid(item.nodeid))
        if known is not None:
            return known
        if item.get_closest_marker("slow") or item.get_closest_marker("browser"):
            return GUESSED_SECONDS["slow"]
        return GUESSED_SECONDS["postgres" if item.get_closest_marker("postgres") else "other"]

    def group(item: pytest.Item) -> str | None:
        mark = item.get_closest_marker("xdist_group")
        if mark is None:
            return None
        return str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))

    per_group: dict[str, float] = {}
    for item in items:
        name = group(item)
        if name is not None:
            per_group[name] = per_group.get(name, 0.0) + seconds(item)
    position = {id(item): n for n, item in enumerate(items)}

    def key(item: pytest.Item) -> tuple[float, str, int]:
        name = group(item)
        total = per_group[name] if name is not None else seconds(item)
        return (-total, name or "", position[id(item)])

    items.sort(key=key)


def plain_nodeid(nodeid: str) -> str:
    """The node id without the `@group` suffix pytest-xdist's loadgroup adds."""
    return nodeid.rsplit("@", 1)[0] if nodeid.rfind("@") > nodeid.rfind("]") else nodeid


def postgres_port(admin_url: str) -> int:
    return urlsplit(admin_url).port or 5432


class TierGuard:
    """Watches one test at a time (its setup and call; teardown may close anything)."""

    def __init__(self) -> None:
        self._item: pytest.Item | None = None
        self._real_popen_init = subprocess.Popen.__init__
        self._real_fork = os.fork

    def _allows(self, *markers: str) -> bool:
        item = self._item
        return item is None or any(item.get_closest_marker(m) for m in markers)

    def check_connect(self, address: object, postgres: int) -> None:
        """Called by the network guard for every TCP connect."""
        reaches_postgres = isinstance(address, tuple) and address[1:2] == (postgres,)
        if reaches_postgres and not self._allows("postgres"):
            raise TierViolation(
                f"{self._name()} connects to PostgreSQL (port {postgres}) but is not marked "
                "`postgres`: add @pytest.mark.postgres, or take `database_url`, whose "
                "PostgreSQL parameter carries the marker"
            )

    def _check_process(self, what: str) -> None:
        if not self._allows("slow", "browser"):
            raise TierViolation(
                f"{self._name()} starts a process ({what}) but is not marked `slow`: the fast "
                "tier runs none. Add @pytest.mark.slow, or put the file under a path in "
                "SLOW_PATHS (tests/support/tiers.py)"
            )

    def _name(self) -> str:
        return self._item.nodeid if self._item is not None else "a test"

    @contextlib.contextmanager
    def watching(self, item: pytest.Item) -> Iterator[None]:
        guard = self
        real_init, real_fork = self._real_popen_init, self._real_fork

        def popen_init(popen: subprocess.Popen[Any], args: Any, *rest: Any, **kw: Any) -> None:
            guard._check_process(repr(args)[:80])
            real_init(popen, args, *rest, **kw)

        def fork() -> int:
            guard._check_process("os.fork")
            return real_fork()

        self._item = item
        subprocess.Popen.__init__ = popen_init  # type: ignore[method-assign]
        os.fork = fork
        try:
            yield
        finally:
            subprocess.Popen.__init__ = real_init  # type: ignore[method-assign]
            os.fork = real_fork
            self._item = None
