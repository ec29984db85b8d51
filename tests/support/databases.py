"""Fresh migrated databases for tests, from a template migrated once per session.

SQLite: the template file is copied for each test. PostgreSQL: one clone of the template
(`CREATE DATABASE … TEMPLATE …`) serves the session and is emptied with TRUNCATE before each
test, which is much cheaper than cloning per test; a test that leaves a lock behind gets a
fresh clone instead.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import threading
import uuid
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from core.persistence.database import upgrade

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"


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


class DatabaseFactory:
    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._counter = itertools.count()
        # one set of databases per process: each pytest-xdist worker has its own
        self._run = f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:8]}"
        self._sqlite_template: Path | None = None
        self._pg_template: str | None = None
        self._pg_error: str | None = None
        self._pg_created: list[str] = []
        self._pg_reused: str | None = None

    # SQLite ---------------------------------------------------------------
    def _sqlite(self) -> str:
        path = self.migrated_sqlite_file(self._folder / f"test-{next(self._counter)}.db")
        return f"sqlite://{path}"

    def migrated_sqlite_file(self, path: Path) -> Path:
        """A fully migrated SQLite database at `path`: a copy of the session's template, as
        `mosaic db upgrade` would leave it."""
        if self._sqlite_template is None:
            template = self._folder / "template.db"
            run_isolated(upgrade(f"sqlite://{template}"))
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
            name = f"mosaic_tpl_{self._run}"
            try:
                run_isolated(self._admin(f'CREATE DATABASE "{name}"', no_flush_wait(name)))
            except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
                self._pg_error = f"PostgreSQL at {postgres_admin_url()} unreachable: {exc!r}"
            else:
                self._pg_created.append(name)
                run_isolated(upgrade(_with_database(postgres_admin_url(), name)))
                self._pg_template = name
                return
        if os.environ.get("MOSAIC_REQUIRE_POSTGRES") == "1":
            pytest.fail(self._pg_error + " (MOSAIC_REQUIRE_POSTGRES=1)")
        pytest.skip(self._pg_error)

    def _postgres(self) -> str:
        """The session's test database, emptied; a fresh clone if emptying fails."""
        self._require_postgres()
        if self._pg_reused is not None:
            try:
                run_isolated(self._truncate(self._pg_reused))
                return self._pg_reused
            except (OSError, asyncpg.PostgresError, TimeoutError):
                self._pg_reused = None  # something still holds it: start a new one
        name = f"mosaic_t_{self._run}_{next(self._counter)}"
        clone = f'CREATE DATABASE "{name}" TEMPLATE "{self._pg_template}"'
        run_isolated(self._admin(clone, no_flush_wait(name)))
        self._pg_created.append(name)
        self._pg_reused = _with_database(postgres_admin_url(), name)
        return self._pg_reused

    async def _truncate(self, url: str) -> None:
        """Empty every table and restart ids. DELETE on these tiny tables (foreign-key
        triggers off for the session) is far cheaper than TRUNCATE or a new clone."""
        connection = await asyncpg.connect(url, timeout=5)
        try:
            await connection.execute("SET lock_timeout = '3s'")
            await connection.execute("SET session_replication_role = replica")
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
        finally:
            await connection.close()

    # ---------------------------------------------------------------------
    def fresh(self, backend: str) -> str:
        return self._sqlite() if backend == "sqlite" else self._postgres()

    def drop(self, url: str) -> None:
        if url.startswith("sqlite://"):
            Path(url.removeprefix("sqlite://")).unlink(missing_ok=True)
            return
        # PostgreSQL: kept for the next test, which empties it first (see _postgres).

    def cleanup(self) -> None:
        for name in reversed(self._pg_created):
            run_isolated(self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self._pg_created.clear()
