"""Exactly one scheduler leader per database.

On PostgreSQL the leader holds a session-level advisory lock (`pg_try_advisory_lock`) on a
connection of its own, outside the ORM's pool, for as long as it leads. When the process dies
(even by SIGKILL) the server closes that session and the lock is free: the next process to
try takes over. Each tick the leader checks its connection is alive; if not, it steps down.
On SQLite the leader holds an exclusive `flock` on a file beside the database
(`FileLock`); the kernel drops it when the process dies, even by SIGKILL. An in-memory
database has one process, and it leads (`SingleProcess`).

Each platform's outbox sender has a leadership of its own (`sender_lock_key`, a file per
platform): only processes that can reach the platform compete for it, so a Telegram process
and a Discord process on one database both send, whichever leads the scheduler.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from core.persistence.database import asyncpg_url

if TYPE_CHECKING:
    import asyncpg  # imported where PostgreSQL is used: a SQLite process never loads it

log = logging.getLogger(__name__)

LOCK_KEY = 0x6D6F73616963  # "mosaic": the advisory lock every Mosaic process competes for


def sender_lock_key(platform: str) -> int:
    """The advisory lock of one platform's outbox sender (stable across versions)."""
    return LOCK_KEY * 256 + sum(platform.encode()) % 256


WEBHOOK_LOCK_KEY = LOCK_KEY * 512 + 1  # who registers the Telegram webhook (outside the above)


class Leadership(Protocol):
    async def acquire(self) -> bool:
        """Lead if nobody else does; True while this process leads."""

    async def still_leading(self) -> bool: ...

    async def release(self) -> None: ...


class NeverLeads:
    """A process without the scheduler role (`mosaic run --roles …`): it still ticks for its
    platforms' outbox senders, but never leads digests, notifications or housekeeping."""

    async def acquire(self) -> bool:
        return False

    async def still_leading(self) -> bool:
        return False

    async def release(self) -> None:
        return None


class SingleProcess:
    async def acquire(self) -> bool:
        return True

    async def still_leading(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class FileLock:
    """Leadership among the processes sharing one SQLite file."""

    def __init__(self, path: Path, *, role: str = "scheduler leader") -> None:
        self._path = path
        self._role = role
        self._fd: int | None = None

    async def acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        log.info("this process is now the %s", self._role)
        return True

    async def still_leading(self) -> bool:
        return self._fd is not None

    async def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


class PostgresAdvisoryLock:
    def __init__(self, url: str, key: int = LOCK_KEY, *, role: str = "scheduler leader") -> None:
        self._url = asyncpg_url(url)
        self._key = key
        self._role = role
        self._connection: asyncpg.Connection | None = None

    async def acquire(self) -> bool:
        if self._connection is not None:
            return await self.still_leading()
        import asyncpg

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
        log.info("this process is now the %s", self._role)
        return True

    async def still_leading(self) -> bool:
        if self._connection is None:
            return False
        import asyncpg

        try:
            await self._connection.fetchval("SELECT 1", timeout=10)
        except (asyncpg.PostgresError, OSError, TimeoutError):
            log.warning("lost the %s's database connection: stepping down", self._role)
            await self._drop()
            return False
        return True

    async def release(self) -> None:
        if self._connection is not None:
            import asyncpg

            with contextlib.suppress(asyncpg.PostgresError, OSError):
                await self._connection.execute("SELECT pg_advisory_unlock($1)", self._key)
            await self._drop()

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close(timeout=5)
