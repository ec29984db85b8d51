"""Lazy commits: transactions that do not wait for their commit to reach the disk.

A PostgreSQL commit waits until its WAL record is flushed (`synchronous_commit = on`): one
fdatasync, 2 ms on a quiet test machine and 12 ms (p50) to over 100 ms (p99) while other
processes write (docs/benchmarks.md, "Twelfth round: speed"). A lazy transaction sets
`synchronous_commit = off` for itself (`SET LOCAL`): it commits at once, atomically and in
order as any other, and the WAL writer flushes it within a fraction of a second. Only a
crash of the database server (not of Mosaic) in that fraction loses it, as a power loss
loses SQLite's last transactions in WAL mode with `synchronous=NORMAL` (Mosaic's SQLite
setting, `core.persistence.sqlite`).

For writes whose loss costs nothing that matters and that a person waits for: what a feed
page showed (its session's pages, its impressions and `shown` counts). Never for money-like
state (quotas), posts, likes or follows. Inside a transaction already open the setting would
apply to that outer transaction's commit too, so there the block is a plain savepoint.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.transactions import in_transaction

__all__ = ["LAZY_COMMIT", "LAZY_FROM", "commits_lazily", "lazy_transaction"]

LAZY_COMMIT = "SET LOCAL synchronous_commit TO OFF"
# The same setting inside a statement, as a FROM item (`set_config(…, true)`: for the
# current transaction): a statement that commits on its own (no transaction open) or the
# first of a transaction sets it without a round trip of its own. Checked in pg_stat_wal: 300
# one-row UPDATEs with it caused 4–6 WAL flushes, without it 199–241 (docs/benchmarks.md).
LAZY_FROM = "(SELECT set_config('synchronous_commit', 'off', true)) AS \"lazy\""


def commits_lazily(connection_name: str) -> bool:
    """Whether a statement on `connection_name` may carry `LAZY_FROM`: PostgreSQL, with no
    transaction open around it (whose commit the setting would make lazy too)."""
    current = connections.get(connection_name)
    postgres = current.capabilities.dialect == "postgres"
    return postgres and not isinstance(current, TransactionalDBClient)


@asynccontextmanager
async def lazy_transaction(connection_name: str) -> AsyncIterator[BaseDBAsyncClient]:
    """On PostgreSQL, a transaction on `connection_name` (committed when the block ends,
    rolled back by an exception) whose commit, when no transaction is open around it, does
    not wait for the disk. On SQLite the connection as it is: each statement its own commit,
    lazy already (`synchronous=NORMAL`), and no transaction of its own beside the others of
    a page (`asyncio.gather`) on SQLite's one connection."""
    current = connections.get(connection_name)
    if current.capabilities.dialect != "postgres":
        yield current
        return
    outer = isinstance(current, TransactionalDBClient)
    async with in_transaction(connection_name) as connection:
        if not outer:
            await connection.execute_script(LAZY_COMMIT)
        yield connection
