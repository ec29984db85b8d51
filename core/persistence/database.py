"""Connecting to the database and applying migrations (SQLite embedded, PostgreSQL in production).

Tortoise keeps its state in a context variable: `Database.open()` must run in the parent task
before adapters and workers start, so that every task they spawn inherits it.
"""

from __future__ import annotations

import logging
import os
import pkgutil
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.connection import get_connection
from tortoise.migrations.api import migrate

from core.persistence import schema_cache, sqlite

log = logging.getLogger(__name__)

APP = "models"
MODELS_MODULE = "core.persistence.models"
MIGRATIONS_MODULE = "core.persistence.migrations"


def connection_name(url: str) -> str:
    # Named by dialect: tortoise caches compiled SQL per connection name, so one process that
    # talks to SQLite and then PostgreSQL (the test suite) must not reuse a name.
    return "postgres" if is_postgres(url) else "sqlite"


def tortoise_config(url: str) -> dict[str, Any]:
    return {
        "connections": {connection_name(url): _connection(url)},
        "apps": {
            APP: {
                "models": [MODELS_MODULE],
                "migrations": MIGRATIONS_MODULE,
                "default_connection": connection_name(url),
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# The PostgreSQL pool's ceiling when the URL names none (`?maxsize=`). asyncpg opens
# connections on demand, so an idle process holds one; the ceiling matters under load. With
# tortoise's 5, web pages queued for a connection while static files did not: at 100
# concurrent clients the page p99 was 6-11x the static file's, with 30 it was 1.3x
# (`python -m bench.web`, docs/benchmarks.md). PostgreSQL allows 100 connections by default:
# a deployment of many busy processes sizes each one's pool with `?maxsize=`.
DEFAULT_POOL_SIZE = 30


def _connection(url: str) -> dict[str, Any]:
    """SQLite: the URL's settings on our engine (busy timeout, `BEGIN IMMEDIATE`:
    `core.persistence.sqlite`). PostgreSQL: the URL's settings on our engine (an interrupted
    BEGIN gives its connection back: `core.persistence.postgres`), and a pool that takes
    connections back as they are (`_take_back_as_is`)."""
    config = expand_db_url(url)
    if not is_postgres(url):
        config["engine"] = sqlite.ENGINE
        return config
    from core.persistence import postgres  # asyncpg: a SQLite process never loads it

    config["engine"] = postgres.ENGINE
    config["credentials"]["reset"] = _take_back_as_is
    config["credentials"].setdefault("maxsize", DEFAULT_POOL_SIZE)
    return config


async def _take_back_as_is(connection: object) -> None:
    """asyncpg's pool `reset` hook, doing nothing more: asyncpg still rolls back a transaction
    left open. Its default also sends `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
    RESET ALL;`, a round trip after every query (~0.15 ms, 0.65 ms of a 10 ms feed page) for
    session state Mosaic never leaves on a pooled connection: no SET, LISTEN or cursor outside
    a transaction, and the scheduler leader's advisory lock has a connection of its own."""


def _ensure_sqlite_folder(url: str) -> None:
    if url.startswith("sqlite://") and ":memory:" not in url:
        Path(url.removeprefix("sqlite://")).parent.mkdir(parents=True, exist_ok=True)


def asyncpg_url(url: str) -> str:
    """The ORM's URL for asyncpg itself: scheme `postgresql`, no pool options in the query."""
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, "", ""))


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://", "asyncpg://"))


async def upgrade(url: str, *, from_cache: bool = True) -> None:
    """Apply every pending migration (idempotent; runs on every start-up too, and returns at
    once when the database records every migration on disk as applied). A SQLite file
    that does not exist yet starts as a copy of the cached migrated schema when there is one
    (`from_cache=False`: migrated step by step), and one migrated from nothing is cached
    (`core.persistence.schema_cache`)."""
    _ensure_sqlite_folder(url)
    file = _new_sqlite_file(url)
    if file is None and await _up_to_date(url):
        return
    restored = file is not None and from_cache and schema_cache.restore(file, MIGRATIONS_MODULE)
    try:
        await migrate(config=tortoise_config(url))
    finally:
        await Tortoise.close_connections()
    if file is not None and not restored:
        schema_cache.store(file, MIGRATIONS_MODULE)


def migration_names() -> set[str]:
    """The migrations on disk, chosen as tortoise's loader chooses them."""
    from core.persistence import migrations

    return {
        name
        for _, name, is_package in pkgutil.iter_modules(migrations.__path__)
        if not is_package and name[0] not in "_~"
    }


async def _up_to_date(url: str) -> bool:
    """Whether the database records exactly the migrations on disk as applied, so that
    `migrate` would have nothing to do. Every start-up asks: loading the migrations and
    building their graph costs a process ~0.12 CPU-s, reading the names ~1 ms. Anything
    unexpected (no table yet, a lock, an error) says no and leaves it to `migrate`."""
    try:
        if is_postgres(url):
            applied = await _applied_on_postgres(url)
        else:
            applied = _applied_on_sqlite(_connection(url)["credentials"]["file_path"])
    except Exception:
        log.debug("could not read the applied migrations; migrating", exc_info=True)
        return False
    return applied is not None and set(applied) == migration_names()


def _applied_on_sqlite(path: str) -> list[str] | None:
    if path == ":memory:":
        return None
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5.0)
    try:
        return applied_in_sqlite(connection)
    finally:
        connection.close()


def applied_in_sqlite(connection: sqlite3.Connection) -> list[str] | None:
    """The migrations a SQLite database records as applied (None: no record table yet)."""
    if not connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tortoise_migrations'"
    ).fetchall():
        return None
    rows = connection.execute("SELECT name FROM tortoise_migrations WHERE app = ?", (APP,))
    return [row[0] for row in rows]


async def _applied_on_postgres(url: str) -> list[str] | None:
    import asyncpg

    connection = await asyncpg.connect(asyncpg_url(url), timeout=20.0)
    try:
        return await applied_in_postgres(connection)
    finally:
        await connection.close()


async def applied_in_postgres(connection: Any) -> list[str] | None:
    """The migrations a PostgreSQL database records as applied (None: no record table yet);
    `connection`: an asyncpg connection."""
    if await connection.fetchval("SELECT to_regclass('tortoise_migrations')") is None:
        return None
    rows = await connection.fetch("SELECT name FROM tortoise_migrations WHERE app = $1", APP)
    return [row["name"] for row in rows]


def _new_sqlite_file(url: str) -> Path | None:
    """The SQLite file of `url` when it does not exist yet (None: PostgreSQL, memory, or
    the file exists)."""
    if is_postgres(url):
        return None
    name = _connection(url)["credentials"]["file_path"]
    if name == ":memory:" or Path(name).exists():
        return None
    return Path(name)


class Database:
    """Owns the ORM connection for the lifetime of the process (or of one test)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __repr__(self) -> str:  # never show credentials
        scheme = self.url.split("://", 1)[0]
        return f"Database({scheme}://…)"

    @property
    def dialect(self) -> str:
        return "postgres" if is_postgres(self.url) else "sqlite"

    async def open(self, *, migrate_first: bool = True) -> None:
        _ensure_sqlite_folder(self.url)
        if migrate_first:
            await upgrade(self.url)
        await Tortoise.init(config=tortoise_config(self.url))
        if self.dialect == "sqlite":
            # WAL lets the console, a worker and readers share the file.
            await get_connection(connection_name(self.url)).execute_script(
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            )
        log.debug("database open (%s)", self.dialect)

    async def ping(self) -> None:
        """One round trip to the database (the readiness check); raises when it is gone."""
        await get_connection(connection_name(self.url)).execute_query("SELECT 1")

    async def close(self) -> None:
        await Tortoise.close_connections()


# For the `tortoise` CLI (makemigrations): [tool.tortoise] in pyproject.toml points here.
TORTOISE_ORM = tortoise_config(os.environ.get("MOSAIC_DATABASE_URL") or "sqlite://data/mosaic.db")
