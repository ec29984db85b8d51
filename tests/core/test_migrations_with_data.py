"""Upgrading a database that holds data, on PostgreSQL: from every migration to the latest.

A migration that adds a NOT NULL column without a database default works on an empty
database and fails on one with rows ("column … contains null values"), which is what a
running installation has. So: migrate a fresh database to the latest migration, and before
each migration put one more row in every table there is (values chosen from the column
types, foreign keys pointing at the rows just made). Every migration then runs on tables
that hold a row from each version before it, as an installation that began at any earlier
version and kept its data would have them: the same rows as migrating to each version,
filling and upgrading, but in one `migrate` call (tortoise rebuilds its model state of every
migration at each call, which cost 6-8 s of CPU per version). SQLite refuses such a column
even on an empty table, so the ordinary migration tests cover it there.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from tortoise import Tortoise
from tortoise.migrations.api import migrate

from core.persistence.database import tortoise_config
from tests.support.databases import postgres_admin_url, run_isolated

MIGRATIONS = sorted(
    path.stem for path in (Path(__file__).parents[2] / "core/persistence/migrations").glob("0*.py")
)

COLUMNS = """
SELECT table_name, column_name, data_type, is_nullable = 'YES', column_default IS NOT NULL
FROM information_schema.columns WHERE table_schema = 'public'
ORDER BY table_name, ordinal_position
"""
FOREIGN_KEYS = """
SELECT kcu.table_name, kcu.column_name, ccu.table_name, ccu.column_name
FROM information_schema.table_constraints tc
JOIN information_schema.key_column_usage kcu ON tc.constraint_name = kcu.constraint_name
JOIN information_schema.constraint_column_usage ccu ON tc.constraint_name = ccu.constraint_name
WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = 'public'
"""
SAMPLES: dict[str, Any] = {
    "smallint": 1,
    "integer": 1,
    "bigint": 1,
    "double precision": 0.5,
    "real": 0.5,
    "numeric": 1,
    "boolean": False,
    "character varying": "x",
    "text": "x",
    "jsonb": "{}",
    "json": "{}",
    "bytea": b"\x00",
    "uuid": uuid.UUID(int=1),
}


def _sample(data_type: str, step: int) -> Any:
    """A value of this type; numbers, text, uuids and times differ per `step` (one row per
    version goes into each table, beside the rows of the versions before)."""
    if data_type.startswith("timestamp"):
        return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=step)
    if data_type == "date":
        return date(2026, 1, 1) + timedelta(days=step)
    if data_type in ("character varying", "text"):
        return chr(ord("a") + step % 26)
    if data_type == "uuid":
        return uuid.UUID(int=step + 1)
    if data_type in ("smallint", "integer", "bigint", "numeric"):
        return step + 1
    return SAMPLES[data_type]


async def _fill(connection: asyncpg.Connection, step: int) -> int:
    """One row in every table (parents first); returns how many tables got one."""
    tables: dict[str, list[tuple[str, str, bool, bool]]] = {}
    for table, column, data_type, nullable, has_default in await connection.fetch(COLUMNS):
        if table != "tortoise_migrations":
            tables.setdefault(table, []).append((column, data_type, nullable, has_default))
    references = {
        (table, column): (parent, parent_column)
        for table, column, parent, parent_column in await connection.fetch(FOREIGN_KEYS)
    }
    made: dict[str, asyncpg.Record] = {}
    while len(made) < len(tables):
        progress = False
        for table, columns in tables.items():
            if table in made:
                continue
            parents = {
                references[(table, c)][0] for c, *_ in columns if (table, c) in references
            } - {table}
            if not parents <= made.keys():
                continue
            names, values = [], []
            for column, data_type, nullable, has_default in columns:
                if (table, column) in references:
                    parent, parent_column = references[(table, column)]
                    if parent == table:
                        continue  # a self-reference stays empty
                    value = made[parent][parent_column]
                elif nullable or has_default:
                    continue
                else:
                    value = _sample(data_type, step)
                names.append(f'"{column}"')
                values.append(value)
            placeholders = ", ".join(f"${n}" for n in range(1, len(values) + 1))
            made[table] = await connection.fetchrow(
                f'INSERT INTO "{table}" ({", ".join(names)}) VALUES ({placeholders}) RETURNING *',
                *values,
            )
            progress = True
        assert progress, f"foreign keys form a cycle among {set(tables) - made.keys()}"
    return len(made)


async def _fill_database(url: str, step: int) -> int:
    connection = await asyncpg.connect(url)
    try:
        return await _fill(connection, step)
    finally:
        await connection.close()


async def _upgrade_filling_every_version(admin_url: str) -> dict[str, int]:
    """Migrate a fresh database to the latest migration in one `migrate` call; before each
    migration is applied, put one more row in every table there is (the rows of the versions
    before stay). Returns, per migration, how many tables had a new row when it ran."""
    name = f"mosaic_upgrade_{uuid.uuid4().hex[:8]}"
    base = admin_url.rpartition("/")[0]
    url = f"{base}/{name}"
    admin = await asyncpg.connect(admin_url, timeout=5)
    await admin.execute(f'CREATE DATABASE "{name}"')
    filled: dict[str, int] = {}

    def before_each(event: str, app: str, migration: str) -> None:
        # Called between migrations, outside their transactions; the loop waits while the
        # rows go in over a connection of their own.
        if event == "apply_start":
            try:
                filled[migration] = run_isolated(_fill_database(url, len(filled)))
            except Exception as exc:
                raise AssertionError(f"filling the tables before {migration} failed") from exc

    try:
        try:
            await migrate(config=tortoise_config(url), progress=before_each)
        except AssertionError:
            raise
        except Exception as exc:
            at = next(reversed(filled), "the first migration")
            raise AssertionError(f"{at} failed on tables with rows") from exc
        finally:
            await Tortoise.close_connections()
        return filled
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def _postgres_or_skip() -> str:
    url = postgres_admin_url()

    async def reachable() -> None:
        connection = await asyncpg.connect(url, timeout=5)
        await connection.close()

    try:
        run_isolated(reachable())
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        reason = f"PostgreSQL at {url} unreachable: {exc!r}"
        if os.environ.get("MOSAIC_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason + " (MOSAIC_REQUIRE_POSTGRES=1)")
        pytest.skip(reason)
    return url


@pytest.mark.postgres
def test_an_installation_with_data_upgrades_from_every_migration() -> None:
    filled = run_isolated(_upgrade_filling_every_version(_postgres_or_skip()))
    assert list(filled) == MIGRATIONS  # each one ran, in order
    assert filled[MIGRATIONS[0]] == 0  # nothing to fill before the first
    for migration in MIGRATIONS[1:]:
        assert filled[migration] >= 3, migration  # accounts, posts, images at the very least
