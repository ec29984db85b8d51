"""Counting the SQL statements the ORM sends (to check that a page costs a constant number)."""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Iterator
from typing import Any

from tortoise.backends.asyncpg.client import AsyncpgDBClient
from tortoise.backends.asyncpg.client import TransactionWrapper as PostgresTransaction
from tortoise.backends.base_postgres.client import BasePostgresClient
from tortoise.backends.sqlite.client import SqliteClient
from tortoise.backends.sqlite.client import SqliteTransactionWrapper as SqliteTransaction

CLIENTS = (
    SqliteClient,
    SqliteTransaction,
    AsyncpgDBClient,
    PostgresTransaction,
    BasePostgresClient,  # its `execute_script`
)
METHODS = (
    "execute_query",
    "execute_query_dict",
    "execute_insert",
    "execute_many",
    "execute_script",  # a last statement sent with its COMMIT (core.persistence.postgres)
)
_inside = contextvars.ContextVar("inside_a_counted_call", default=False)
_counting: contextvars.ContextVar[object] = contextvars.ContextVar("counting", default=None)


@contextlib.contextmanager
def count_queries() -> Iterator[list[str]]:
    """Collects every statement sent inside the block (outermost calls only: a client method
    that calls another one counts once) by the code the block runs and the tasks it starts,
    not by background tasks that happen to run meanwhile (the job worker's idle poll)."""
    sent: list[str] = []
    block = object()
    originals: list[tuple[type, str, Any]] = []

    def wrap(method: Any) -> Any:
        @functools.wraps(method)
        async def counted(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
            if _inside.get() or _counting.get() is not block:
                return await method(self, query, *args, **kwargs)
            sent.append(query)
            token = _inside.set(True)
            try:
                return await method(self, query, *args, **kwargs)
            finally:
                _inside.reset(token)

        return counted

    for client in CLIENTS:
        for name in METHODS:
            if name in vars(client):
                originals.append((client, name, vars(client)[name]))
                setattr(client, name, wrap(vars(client)[name]))
    counting = _counting.set(block)
    try:
        yield sent
    finally:
        _counting.reset(counting)
        for client, name, method in originals:
            setattr(client, name, method)
