"""SQLite for several processes on one file (a tortoise engine: `client_class`).

Two things make concurrent `mosaic` processes safe on one SQLite file:

- A busy timeout. A writer that finds the file locked waits (SQLite's busy handler retries
  the lock) for up to `BUSY_TIMEOUT_MS` instead of failing with "database is locked".
- `BEGIN IMMEDIATE`. A deferred transaction (tortoise's `BEGIN`) that reads first and writes
  later cannot wait: in WAL mode, if another process committed since its read, SQLite answers
  SQLITE_BUSY at once, busy timeout or not (`update_or_create`, a quota reservation). Taking
  the write lock when the transaction begins makes it wait its turn like any other writer.
  Reads outside a transaction are not affected.

And one repair: tortoise 1.1.9's transaction takes the connection's lock and then sends BEGIN;
a task cancelled during that BEGIN (which waits up to the busy timeout) never released the
lock, and every later transaction of the process waited for it forever. `LockedTransaction`
releases it (`core.persistence.postgres` repairs the same for the pool).
"""

from __future__ import annotations

from typing import Any

from tortoise.backends.base.client import TransactionalDBClient, TransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.connection import get_connections
from tortoise.exceptions import TransactionManagementError

from core.persistence.oldest_first import OldestFirstLock

__all__ = ["BUSY_TIMEOUT_MS", "ENGINE", "LockedTransaction", "MosaicSqliteClient", "client_class"]

ENGINE = __name__
BUSY_TIMEOUT_MS = 30_000  # how long a write waits for another process's transaction


class ImmediateTransaction(SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except Exception as error:
            raise TransactionManagementError(error) from error


class LockedTransaction(SqliteTransactionContext):
    async def __aenter__(self) -> TransactionalDBClient:
        await self._trxlock.acquire()
        try:
            await self.ensure_connection()
            self.token = get_connections().set(self.connection_name, self.connection)
            try:
                await self.connection.begin()
            except BaseException:
                get_connections().reset(self.token)
                raise
        except BaseException:  # cancelled or failed: nothing will call __aexit__
            self._trxlock.release()
            raise
        return self.connection


class MosaicSqliteClient(SqliteClient):
    def __init__(self, file_path: str, **kwargs: Any) -> None:
        kwargs.setdefault("busy_timeout", BUSY_TIMEOUT_MS)
        kwargs.setdefault("synchronous", "NORMAL")
        super().__init__(file_path, **kwargs)
        self._lock = OldestFirstLock()  # type: ignore[assignment]  # its one connection

    def _in_transaction(self) -> TransactionContext:
        return LockedTransaction(ImmediateTransaction(self), self._lock)


client_class = MosaicSqliteClient
