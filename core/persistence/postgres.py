"""PostgreSQL through asyncpg's pool (a tortoise engine: `client_class`), with one repair: a
transaction whose BEGIN is interrupted gives its pooled connection back.

tortoise 1.1.9's pooled transaction takes a connection from the pool and then sends BEGIN. If
the task is cancelled during that BEGIN (a sender or tick being stopped: `core.lifecycle`),
`__aenter__` raises, `__aexit__` never runs, and the connection stays checked out for good.
Closing the pool waits for it, for tortoise's 10 s, before it terminates the pool: every stop
of a process (and every PostgreSQL test's teardown) stalled 10 s, and a long-running process
lost one pooled connection per cancelled BEGIN.

Its pool serves waiting requests oldest work first (`core.persistence.oldest_first`).
"""

from __future__ import annotations

from typing import Any

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
        return PooledTransaction(TransactionWrapper(self), self._pool_init_lock)


client_class = MosaicAsyncpgClient
