"""PostgreSQL through asyncpg's pool (a tortoise engine: `client_class`), with one repair: a
transaction whose BEGIN is interrupted gives its pooled connection back.

tortoise 1.1.9's pooled transaction takes a connection from the pool and then sends BEGIN. If
the task is cancelled during that BEGIN (a sender or tick being stopped: `core.lifecycle`),
`__aenter__` raises, `__aexit__` never runs, and the connection stays checked out for good.
Closing the pool waits for it, for tortoise's 10 s, before it terminates the pool: every stop
of a process (and every PostgreSQL test's teardown) stalled 10 s, and a long-running process
lost one pooled connection per cancelled BEGIN.

Its pool serves waiting requests oldest work first (`core.persistence.oldest_first`), and a
transaction's commit can carry its last statement (`EndingTransaction`).
"""

from __future__ import annotations

from typing import Any

from asyncpg.transaction import TransactionState
from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper
from tortoise.backends.base.client import (
    TransactionalDBClient,
    TransactionContext,
    TransactionContextPooled,
)
from tortoise.connection import get_connections

from core.persistence.oldest_first import OldestFirstPool

__all__ = ["ENGINE", "MosaicAsyncpgClient", "client_class"]

ENGINE = __name__


class EndingTransaction(TransactionWrapper):
    """tortoise's asyncpg transaction, whose COMMIT can carry the transaction's last statement
    in the same message to PostgreSQL (`end_with`).

    What for: a statement that locks a contended row (a post's counters, which every like of
    the post updates) holds the lock until the COMMIT. Sent apart, the COMMIT waits for the
    statement's answer to come back and for this process's event loop to get to the
    transaction again: under a busy loop, tens to hundreds of milliseconds in which every other
    writer of the row waits (`docs/benchmarks.md`, "presses, stop 24"). Sent together, the lock
    is held inside PostgreSQL only, for the statement and the commit's WAL flush."""

    def __init__(self, connection: AsyncpgDBClient) -> None:
        super().__init__(connection)
        self._last: str | None = None

    def end_with(self, statement: str) -> bool:
        """Send `statement` (its values written into it: one simple-protocol message takes no
        parameters) with this transaction's COMMIT; False when it cannot (a savepoint's
        release, or a last statement already set): run it now instead."""
        transaction: Any = self.transaction  # asyncpg's (its private state: typed loosely)
        if self._last is not None or transaction is None or transaction._nested:
            return False
        self._last = statement
        return True

    async def commit(self) -> None:
        last, self._last = self._last, None
        transaction: Any = self.transaction
        if last is None or transaction is None or self._finalized:
            return await super().commit()
        # asyncpg's `Transaction.commit`, with the last statement before its COMMIT
        connection = transaction._connection  # asyncpg's own, behind the pool's proxy
        if connection._top_xact is transaction:
            connection._top_xact = None
        try:
            await self.execute_script(f"{last};\nCOMMIT")
        except BaseException:
            transaction._state = TransactionState.FAILED
            raise
        transaction._state = TransactionState.COMMITTED
        self._finalized = True

    async def rollback(self) -> None:
        self._last = None
        await super().rollback()


class PooledTransaction(TransactionContextPooled):
    async def __aenter__(self) -> TransactionalDBClient:
        await self.ensure_connection()
        pool = self.client._parent._pool
        self.client._connection = await pool.acquire()
        self.token = get_connections().set(self.connection_name, self.client)
        try:
            await self.client.begin()
        except BaseException:  # cancelled or failed: nothing will call __aexit__
            get_connections().reset(self.token)
            await pool.release(self.client._connection)  # asyncpg rolls back what began
            raise
        return self.client


class MosaicAsyncpgClient(AsyncpgDBClient):
    async def create_pool(self, **kwargs: Any) -> Any:
        pool = await super().create_pool(**kwargs)
        return OldestFirstPool(pool, pool.get_max_size())

    def _in_transaction(self) -> TransactionContext:
        return PooledTransaction(EndingTransaction(self), self._pool_init_lock)


client_class = MosaicAsyncpgClient
