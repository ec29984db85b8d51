"""Exactly one scheduler leader per database.

On PostgreSQL the leader holds a session-level advisory lock (`pg_try_advisory_lock`) on a
connection of its own, outside the ORM's pool, for as long as it leads. When the process dies
(even by SIGKILL) the server closes that session and the lock is free: the next process to
try takes over. Each tick the leader checks its connection is alive; if not, it steps down.
On SQLite there is one process, and it leads.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

import asyncpg

log = logging.getLogger(__name__)

LOCK_KEY = 0x6D6F73616963  # "mosaic": the advisory lock every Mosaic process competes for


class Leadership(Protocol):
    async def acquire(self) -> bool:
        """Lead if nobody else does; True while this process leads."""

    async def still_leading(self) -> bool: ...

    async def release(self) -> None: ...


class SingleProcess:
    async def acquire(self) -> bool:
        return True

    async def still_leading(self) -> bool:
        return True

    async def release(self) -> None:
        return None


def asyncpg_url(url: str) -> str:
    """The ORM's URL for asyncpg: scheme `postgresql`, no pool options in the query."""
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, "", ""))


class PostgresAdvisoryLock:
    def __init__(self, url: str, key: int = LOCK_KEY) -> None:
        self._url = asyncpg_url(url)
        self._key = key
        self._connection: asyncpg.Connection | None = None

    async def acquire(self) -> bool:
        if self._connection is not None:
            return await self.still_leading()
        connection = await asyncpg.connect(self._url, timeout=10)
        try:
            got = await connection.fetchval("SELECT pg_try_advisory_lock($1)", self._key)
        except BaseException:
            await connection.close()
            raise
        if not got:
            await connection.close()
            return False
        self._connection = connection
        log.info("this process is now the scheduler leader")
        return True

    async def still_leading(self) -> bool:
        if self._connection is None:
            return False
        try:
            await self._connection.fetchval("SELECT 1", timeout=10)
        except (asyncpg.PostgresError, OSError, TimeoutError):
            log.warning("lost the scheduler leader's database connection: stepping down")
            await self._drop()
            return False
        return True

    async def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(asyncpg.PostgresError, OSError):
                await self._connection.execute("SELECT pg_advisory_unlock($1)", self._key)
            await self._drop()

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close(timeout=5)
