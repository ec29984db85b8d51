"""`upgrade()` runs at every start-up: when the database records exactly the migrations on disk
as applied it returns without loading them (tortoise's `migrate` would have nothing to do);
any other record (one missing, one unknown, no table) still goes to `migrate`."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import asyncpg
import pytest

from core.persistence import database
from core.persistence.database import asyncpg_url, is_postgres, migration_names, upgrade


def _execute(url: str, statement: str) -> None:
    if is_postgres(url):

        async def run() -> None:
            connection = await asyncpg.connect(asyncpg_url(url))
            try:
                await connection.execute(statement)
            finally:
                await connection.close()

        asyncio.run(run())
    else:
        with sqlite3.connect(url.removeprefix("sqlite://")) as connection:
            connection.execute(statement)
        connection.close()


@pytest.fixture
def migrate_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Each call of tortoise's `migrate` from `upgrade()`, not run."""
    calls: list[dict[str, Any]] = []

    async def recorded(**arguments: Any) -> None:
        calls.append(arguments)

    monkeypatch.setattr(database, "migrate", recorded)
    return calls


def test_an_up_to_date_database_is_not_migrated_again(
    database_url: str, migrate_calls: list[dict[str, Any]]
) -> None:
    asyncio.run(upgrade(database_url))
    assert migrate_calls == []


@pytest.mark.parametrize(
    "change",
    [
        "DELETE FROM tortoise_migrations WHERE name = '{last}'",
        "INSERT INTO tortoise_migrations (id, app, name, applied_at) SELECT max(id) + 1, "
        "'models', '9999_from_a_newer_mosaic', CURRENT_TIMESTAMP FROM tortoise_migrations",
        "DROP TABLE tortoise_migrations",
    ],
    ids=["one-missing", "one-unknown", "no-record"],
)
def test_any_other_record_of_migrations_goes_to_migrate(
    database_url: str, migrate_calls: list[dict[str, Any]], change: str
) -> None:
    _execute(database_url, change.format(last=max(migration_names())))
    asyncio.run(upgrade(database_url))
    assert len(migrate_calls) == 1


def test_the_names_are_the_migration_modules() -> None:
    names = migration_names()
    assert "0001_initial" in names and "__init__" not in names
    assert all(name[:4].isdigit() for name in names)
