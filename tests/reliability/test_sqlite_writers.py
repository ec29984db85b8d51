"""Two connections (as two processes would have) writing one SQLite file (issue #16, finding 2).

A transaction that reads and then writes while another connection commits in between used to
fail at once with "database is locked" (WAL answers SQLITE_BUSY to a stale deferred
transaction, whatever the busy timeout): `remember_direct_chat`'s `update_or_create` crashed
one of ten parallel `/like`s. With `BEGIN IMMEDIATE` the second writer waits its turn.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from tortoise.context import TortoiseContext

from core.persistence.database import tortoise_config
from core.persistence.sqlite import MosaicSqliteClient


def client(path: Path, name: str) -> MosaicSqliteClient:
    credentials = tortoise_config(f"sqlite://{path}")["connections"]["sqlite"]["credentials"]
    return MosaicSqliteClient(connection_name=name, **credentials)


async def test_read_then_write_transaction_waits_for_another_writer(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    async with TortoiseContext():
        first, second = client(path, "first"), client(path, "second")
        await first.create_connection(with_db=True)
        await second.create_connection(with_db=True)
        try:
            await first.execute_script(
                "CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER);"
                "INSERT INTO counter VALUES (1, 0);"
            )
            async with first._in_transaction() as transaction:
                await transaction.execute_query("SELECT value FROM counter WHERE id = 1")
                other = asyncio.create_task(
                    second.execute_query("UPDATE counter SET value = value + 1 WHERE id = 1")
                )
                await asyncio.sleep(0.3)  # the other process writes meanwhile (or waits)
                await transaction.execute_query("UPDATE counter SET value = value + 10")
            await other
            rows = await first.execute_query_dict("SELECT value FROM counter")
            assert rows == [{"value": 11}]
        finally:
            await first.close()
            await second.close()


async def test_connections_wait_for_locks_rather_than_fail(tmp_path: Path) -> None:
    async with TortoiseContext():
        connection = client(tmp_path / "x.db", "x")
        await connection.create_connection(with_db=True)
        try:
            rows = await connection.execute_query_dict("PRAGMA busy_timeout")
            assert rows[0]["timeout"] >= 10_000
        finally:
            await connection.close()
