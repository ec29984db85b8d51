"""Shared fixtures: a network guard, the test tiers, fresh migrated databases (SQLite and
PostgreSQL), an app.

Every test that asks for `app` runs once per database backend. PostgreSQL is at
`MOSAIC_TEST_POSTGRES_URL` (default: the local server CI runs); when it is unreachable those
tests skip with the reason, unless `MOSAIC_REQUIRE_POSTGRES=1` (CI), where they fail.

Tiers: `./mosaic test --fast` runs every test not marked `slow`, `postgres` or `browser`
(see `tests/support/tiers.py`: which tests get which marker, and the guard that fails a test
that starts a process or reaches PostgreSQL without its marker).
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from threadpoolctl import threadpool_limits

from bot.bootstrap import App, build
from core.clock import FakeClock
from core.feed import local_text_embedder
from core.settings import Settings
from tests.support import collector, cpu_usage, durations, run_caches
from tests.support.databases import SHARED_FOLDER, DatabaseFactory, postgres_admin_url
from tests.support.fakes import FakeModerator, FakeProvider

# the object-store fixtures: a real S3 server (SeaweedFS), started on first use
from tests.support.object_store import s3_server, s3_storage_url, seaweedfs  # noqa: F401
from tests.support.tiers import TierGuard, longest_first, mark_tiers, postgres_port

# No weekly global challenge unless a test asks for one (MOSAIC_WEEKLY_CHALLENGE=true): one
# would start at every test's first scheduler tick, and a post that fits its theme gets an
# extra "enter the challenge" message. Subprocesses inherit this.
os.environ.setdefault("MOSAIC_WEEKLY_CHALLENGE", "false")
# The local embedding model's cache (core/feed/model_cache.py): in the virtualenv, not in the
# home folder, shared by every process of the run (the first one writes it; a fresh
# virtualenv, as in CI, starts without it).
os.environ.setdefault("MOSAIC_CACHE_DIR", str(Path(sys.prefix) / "mosaic-cache"))

# One thread per BLAS and OpenMP library in the tests and in the processes they start: the
# suite runs two workers per core, so a library's extra threads find no idle core and spin
# (the ranker's paired fit in tests/core/test_ranker.py: 14.2 CPU-s with numpy's OpenBLAS on
# two threads, 4.3 on one, the same figures). Processes started later read the variables;
# this one loaded numpy already (bot.bootstrap imports it), so its libraries are limited now.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
threadpool_limits(int(os.environ["OPENBLAS_NUM_THREADS"]))

# ---------------------------------------------------------------- network guard


def _is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


class NetworkBlocked(RuntimeError):
    """A test tried to reach beyond 127.0.0.1."""


_POSTGRES_PORT = postgres_port(postgres_admin_url())
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _check_address(sock: socket.socket, address: object) -> None:
    inet = sock.family in (socket.AF_INET, socket.AF_INET6)
    if inet and isinstance(address, tuple) and not _is_loopback(str(address[0])):
        raise NetworkBlocked(f"tests may not connect to {address[0]}")
    if inet:
        _tier_guard.check_connect(address, _POSTGRES_PORT)


def _guarded_connect(self: socket.socket, address: object) -> None:
    _check_address(self, address)
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    _check_address(self, address)
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
    if host is not None and not _is_loopback(host.decode() if isinstance(host, bytes) else host):
        raise NetworkBlocked(f"tests may not resolve {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True, scope="session")
def network_guard() -> Iterator[None]:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _guarded_getaddrinfo
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _real_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _real_getaddrinfo


# ---------------------------------------------------------------- hypothesis

# No time limit per example (hypothesis's default is 200 ms): on a shared or loaded machine a
# pure function's example can take longer, and a test fails on the clock, not on behaviour.
hypothesis_settings.register_profile("mosaic", deadline=None)
hypothesis_settings.load_profile("mosaic")


# ---------------------------------------------------------------- CPU per test (opt-in)


def pytest_configure(config: pytest.Config) -> None:
    cpu_usage.register(config)  # MOSAIC_TEST_CPU=<folder>: see tests/support/cpu_usage.py
    durations.register(config)  # MOSAIC_TEST_DURATIONS=<file>: see tests/support/durations.py
    run_caches.prepare(config)  # under xdist: caches each worker would fill, filled once
    collector.register(config)  # what collection leaves is frozen: see tests/support/collector.py


# ---------------------------------------------------------------- tiers


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    mark_tiers(Path(str(config.rootpath)), items)
    longest_first(items, durations.load())


_tier_guard = TierGuard()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    with _tier_guard.watching(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    with _tier_guard.watching(item):
        return (yield)


# ---------------------------------------------------------------- databases


def _shared_folder(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """The xdist workers of a run share its templates, in their common temporary folder."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return tmp_path_factory.getbasetemp().parent if worker else None


@pytest.fixture(autouse=True, scope="session")
def shared_templates_for_benches(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The benches' smokes (tests/bench) join the run's templates rather than migrating
    their own (`DatabaseFactory.of_this_test_run`)."""
    shared = _shared_folder(tmp_path_factory)
    if shared is not None:
        os.environ[SHARED_FOLDER] = str(shared)


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    # its SQLite template is migrated from nothing, once per run, and so is what gets cached
    # for every new SQLite file (core/persistence/schema_cache.py)
    factory = DatabaseFactory(
        tmp_path_factory.mktemp("databases"), _shared_folder(tmp_path_factory), step_by_step=True
    )
    yield factory
    factory.cleanup()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, databases: DatabaseFactory) -> Iterator[str]:
    """A fresh, fully migrated database on each backend."""
    url = databases.fresh(request.param)
    yield url
    databases.drop(url)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        MOSAIC_DATA_DIR=tmp_path / "data",
        MOSAIC_DATABASE_URL=database_url,
        MOSAIC_FEED_EXPLORE_SHARE=0,  # pages in rank order (tests/core/test_exploration.py: on)
        _env_file=None,
    )


@pytest.fixture
def provider() -> FakeProvider:
    return FakeProvider()


@pytest.fixture
def moderator() -> FakeModerator:
    return FakeModerator()


@pytest.fixture(scope="session")
def local_embedder_loaded() -> None:
    """The local embedding model loads once per process (3-15 s): before the first app, so
    that no test's time limit pays for it."""
    local_text_embedder().embed_now(["warm"])


@pytest.fixture
async def app(
    settings: Settings,
    clock: FakeClock,
    provider: FakeProvider,
    moderator: FakeModerator,
    local_embedder_loaded: None,
) -> AsyncIterator[App]:
    application = build(settings, clock=clock, provider=provider, moderator=moderator)
    await application.start(migrate=False)
    yield application
    await application.stop()
