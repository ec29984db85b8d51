"""The cyclic garbage collector in a test process: what collection leaves is frozen.

After collection a test process holds a few hundred thousand long-lived container objects
(Mosaic, its libraries, every collected test module, their fixtures and parameters). Every
full pass of the cyclic collector during the run walked all of them again: 17.7 % of the CPU
of a one-process run of tests/core/test_feed.py and tests/commands (9.5 of 53.9 CPU-s in
6,287 passes; docs/benchmarks.md, ciproc stop 23). `gc.freeze()` moves them out of the
collector's generations once they are there, so that only what the tests make is walked;
objects are still freed by reference counting, and cycles the tests make are collected as
before. One full pass first, so that the garbage of collection is not frozen with the rest.

Registered by tests/conftest.py under the name `mosaic-gc-freeze`; `-p no:mosaic-gc-freeze`
runs without it (to compare).
"""

from __future__ import annotations

import gc

import pytest

NAME = "mosaic-gc-freeze"


class FreezeAfterCollection:
    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        gc.collect()
        gc.freeze()


def register(config: pytest.Config) -> None:
    if not config.pluginmanager.is_blocked(NAME):
        config.pluginmanager.register(FreezeAfterCollection(), NAME)
