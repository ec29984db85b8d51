"""Fresh migrated databases for tests, from a template migrated once per test run.

SQLite: the template file is copied for each test. PostgreSQL: one clone of the template
(`CREATE DATABASE … TEMPLATE …`) serves the session and is emptied before each test, which is
much cheaper than cloning per test; a test that leaves a lock behind gets a fresh clone instead.
The connection that empties it stays open between tests (on a loop of its own thread): a new
connection per test cost a PostgreSQL backend start and cold catalog caches, ~17 ms of server
CPU against ~2.5 ms.

The templates are shared by the pytest-xdist workers of one run (migrating costs ~3.6 s of CPU
on SQLite and ~4.4 s on PostgreSQL, once per worker before): the first worker to need one
makes it under a file lock in the run's shared temporary folder, the others wait for it. The
PostgreSQL template is dropped by the last worker done with it (a count kept under the same
lock); a worker that needs it after that makes it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import itertools
import os
import shutil
import threading
import uuid
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from core.persistence.database import upgrade

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
# the folder the xdist workers of a test run share, for the processes its tests start (a
# bench's smoke run by tests/bench joins the run's templates: `of_this_test_run`)
SHARED_FOLDER = "MOSAIC_TEST_SHARED_DATABASES"


def postgres_admin_url() -> str:
    return os.environ.get("MOSAIC_TEST_POSTGRES_URL", DEFAULT_POSTGRES)


def run_isolated(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine on its own loop in its own thread (own ORM context, no leaks)."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = asyncio.run(coro)
        except BaseException as exc:  # re-raised in the caller
            result["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result.get("value")


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


def no_flush_wait(name: str) -> str:
    """A commit in a test database does not wait for its WAL to reach the disk (on this VM
    that wait is 10+ ms per commit, and the suite commits tens of thousands of times). It is
    still atomic and visible to every connection at once; only a crash of the PostgreSQL
    server itself could lose the last commits, and no test crashes the server. (A clone does
    not inherit the setting from its template, so each database gets it.)"""
    return f'ALTER DATABASE "{name}" SET synchronous_commit = off'


# a kept connection whose backend is gone (terminated by a test, or the server restarted):
# asyncpg notices it only at its next use, with one of these
_CUT_OFF = (
    OSError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    asyncpg.PostgresConnectionError,
    asyncpg.AdminShutdownError,
)


class _Loop:
    """An event loop on a thread of its own for the session: the connection that empties the
    test database lives on it between tests."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="test-databases", daemon=True
        )
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock between the processes of one run (pytest-xdist workers)."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class DatabaseFactory:
    """`folder`: this process's databases; `shared`: the folder shared by the processes of one
    run (the xdist workers' common temporary folder; `folder` itself without xdist);
    `step_by_step`: the SQLite template is migrated from nothing, not from the schema cache."""

    def __init__(
        self, folder: Path, shared: Path | None = None, *, step_by_step: bool = False
    ) -> None:
        self._folder = folder
        # the SQLite template migrated from nothing (the suite's: each run does it once and
        # caches what its migrations make), else from the schema cache when it has it
        self._step_by_step = step_by_step
        self._shared = shared or folder
        for made in (folder, self._shared):
            made.mkdir(parents=True, exist_ok=True)
        self._counter = itertools.count()
        # the run's templates are shared by its xdist workers; each worker has its own clones
        run = os.environ.get("PYTEST_XDIST_TESTRUNUID") if shared else None
        self._template_run = (run or uuid.uuid4().hex)[:12]
        self._run = f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:8]}"
        self._sqlite_template: Path | None = None
        self._pg_template: str | None = None
        self._pg_error: str | None = None
        self._pg_created: list[str] = []
        self._pg_reused: str | None = None
        self._pg_emptier: asyncpg.Connection | None = None
        self._loop: _Loop | None = None

    @classmethod
    def of_this_test_run(cls, folder: Path) -> DatabaseFactory:
        """A bench's factory: in a process a test started, the test run's templates (counted
        as one more user of the PostgreSQL one until `cleanup`; made as the run makes them
        when it is the first), else templates of its own."""
        shared = os.environ.get(SHARED_FOLDER)
        if shared:
            return cls(folder, Path(shared), step_by_step=True)
        return cls(folder)

    # SQLite ---------------------------------------------------------------
    def _sqlite(self) -> str:
        path = self.migrated_sqlite_file(self._folder / f"test-{next(self._counter)}.db")
        return f"sqlite://{path}"

    def migrated_sqlite_file(self, path: Path) -> Path:
        """A fully migrated SQLite database at `path`: a copy of the session's template, as
        `mosaic db upgrade` would leave it."""
        if self._sqlite_template is None:
            template = self._shared / f"template-{self._template_run}.db"
            with _locked(self._shared / f"template-{self._template_run}.lock"):
                if not template.exists():
                    partial = template.with_name(f"{template.name}.{os.getpid()}")
                    url = f"sqlite://{partial}"
                    run_isolated(upgrade(url, from_cache=not self._step_by_step))
                    partial.rename(template)
            self._sqlite_template = template
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self._sqlite_template, path)
        return path

    # PostgreSQL -----------------------------------------------------------
    async def _admin(self, *statements: str) -> None:
        connection = await asyncpg.connect(postgres_admin_url(), timeout=5)
        try:
            for sql in statements:
                await connection.execute(sql)
        finally:
            await connection.close()

    def _require_postgres(self) -> None:
        if self._pg_template is not None:
            return
        if self._pg_error is None:
            try:
                self._pg_template = self._use_shared_template()
                return
            except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
                self._pg_error = f"PostgreSQL at {postgres_admin_url()} unreachable: {exc!r}"
        if os.environ.get("MOSAIC_REQUIRE_POSTGRES") == "1":
            pytest.fail(self._pg_error + " (MOSAIC_REQUIRE_POSTGRES=1)")
        pytest.skip(self._pg_error)

    def _use_shared_template(self) -> str:
        """The run's PostgreSQL template, made (created and migrated) by the first worker that
        needs it; counted as used by this worker until `cleanup`."""
        name = f"mosaic_tpl_{self._template_run}"
        users = self._shared / f"{name}.users"
        with _locked(self._shared / f"{name}.lock"):
            count = int(users.read_text()) if users.exists() else 0
            if count == 0:  # nobody has it: make it (again, if a finished worker dropped it)
                run_isolated(self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                run_isolated(self._admin(f'CREATE DATABASE "{name}"', no_flush_wait(name)))
                try:
                    run_isolated(upgrade(_with_database(postgres_admin_url(), name)))
                except BaseException:
                    run_isolated(self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                    raise
            users.write_text(str(count + 1))
        return name

    def _release_shared_template(self) -> None:
        name = self._pg_template
        if name is None:
            return
        self._pg_template = None
        users = self._shared / f"{name}.users"
        with _locked(self._shared / f"{name}.lock"):
            count = int(users.read_text()) - 1
            if count <= 0:
                run_isolated(self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            users.write_text(str(max(count, 0)))

    def _postgres(self) -> str:
        """The session's test database, emptied; a fresh clone if emptying fails."""
        self._require_postgres()
        if self._pg_reused is not None:
            try:
                self._background().run(self._empty(self._pg_reused))
                return self._pg_reused
            except (*_CUT_OFF, asyncpg.PostgresError, TimeoutError):
                self._pg_reused = None  # something still holds it: start a new one
                self._background().run(self._close_emptier())
        name = f"mosaic_t_{self._run}_{next(self._counter)}"
        clone = f'CREATE DATABASE "{name}" TEMPLATE "{self._pg_template}"'
        run_isolated(self._admin(clone, no_flush_wait(name)))
        self._pg_created.append(name)
        self._pg_reused = _with_database(postgres_admin_url(), name)
        return self._pg_reused

    def _background(self) -> _Loop:
        if self._loop is None:
            self._loop = _Loop()
        return self._loop

    async def _empty(self, url: str) -> None:
        """Empty the test database on the kept connection; once more on a new connection when
        the kept one is gone (a test terminated its backends)."""
        try:
            await self._truncate(await self._emptier(url))
        except _CUT_OFF:
            await self._close_emptier()
            await self._truncate(await self._emptier(url))

    async def _emptier(self, url: str) -> asyncpg.Connection:
        if self._pg_emptier is None or self._pg_emptier.is_closed():
            connection = await asyncpg.connect(url, timeout=5)
            await connection.execute("SET lock_timeout = '3s'")
            await connection.execute("SET session_replication_role = replica")
            self._pg_emptier = connection
        return self._pg_emptier

    async def _close_emptier(self) -> None:
        connection, self._pg_emptier = self._pg_emptier, None
        if connection is not None and not connection.is_closed():
            connection.terminate()

    @staticmethod
    async def _truncate(connection: asyncpg.Connection) -> None:
        """Empty every table and restart ids. DELETE on these tiny tables (foreign-key
        triggers off for the session) is far cheaper than TRUNCATE or a new clone."""
        tables = await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'tortoise_migrations'"
        )
        sequences = await connection.fetch(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
        )
        statements = [f'DELETE FROM "{row["tablename"]}";' for row in tables]
        statements += [
            f"SELECT setval('\"{row['sequencename']}\"', 1, false);" for row in sequences
        ]
        await connection.execute("\n".join(statements))

    # ---------------------------------------------------------------------
    def fresh(self, backend: str) -> str:
        return self._sqlite() if backend == "sqlite" else self._postgres()

    def drop(self, url: str) -> None:
        if url.startswith("sqlite://"):
            Path(url.removeprefix("sqlite://")).unlink(missing_ok=True)
            return
        # PostgreSQL: kept for the next test, which empties it first (see _postgres).

    def cleanup(self) -> None:
        if self._loop is not None:
            self._loop.run(self._close_emptier())
            self._loop.close()
            self._loop = None
        for name in reversed(self._pg_created):
            run_isolated(self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self._pg_created.clear()
        self._release_shared_template()
