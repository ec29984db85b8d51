"""SQLite for several processes on one file (a tortoise engine: `client_class`).

Two things make concurrent `mosaic` processes safe on one SQLite file:

- A busy timeout. A writer that finds the file locked waits (SQLite's busy handler retries
  the lock) for up to `BUSY_TIMEOUT_MS` instead of failing with "database is locked".
- `BEGIN IMMEDIATE`. A deferred transaction (tortoise's `BEGIN`) that reads first and writes
  later cannot wait: in WAL mode, if another process committed since its read, SQLite answers
  SQLITE_BUSY at once, busy timeout or not (`update_or_create`, a quota reservation). Taking
  the write lock when the transaction begins makes it wait its turn like any other writer.
  Reads outside a transaction are not affected.
"""

from __future__ import annotations

from typing import Any

from tortoise.backends.base.client import TransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.exceptions import TransactionManagementError

__all__ = ["BUSY_TIMEOUT_MS", "ENGINE", "MosaicSqliteClient", "client_class"]

ENGINE = __name__
BUSY_TIMEOUT_MS = 30_000  # how long a write waits for another process's transaction


class ImmediateTransaction(SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except Exception as error:
            raise TransactionManagementError(error) from error


class MosaicSqliteClient(SqliteClient):
    def __init__(self, file_path: str, **kwargs: Any) -> None:
        kwargs.setdefault("busy_timeout", BUSY_TIMEOUT_MS)
        kwargs.setdefault("synchronous", "NORMAL")
        super().__init__(file_path, **kwargs)

    def _in_transaction(self) -> TransactionContext:
        return SqliteTransactionContext(ImmediateTransaction(self), self._lock)


client_class = MosaicSqliteClient
