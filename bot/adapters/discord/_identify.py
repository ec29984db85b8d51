"""Turns to IDENTIFY, shared by every process of the bot.

Discord lets a bot start `max_concurrency` gateway sessions per 5 seconds: one in each
bucket `shard_id % max_concurrency`, counted for the bot as a whole, whichever process sends
them (GET /gateway/bot reports `max_concurrency`, 1 for most bots). An IDENTIFY over it is
answered with "invalid session", and the shard must try again later.

discord.py spaces the shards of one process (it sleeps 5 s before every IDENTIFY but the
first), but two processes started together would both send their first at once. So before
each IDENTIFY a shard takes its bucket's lock, shared through the database every process
uses (a PostgreSQL advisory lock, or a file lock beside SQLite), and keeps it for 5 s after
the IDENTIFY went out. A process that dies frees its locks at once (the server or kernel
drops them): a restart within 5 s may then be answered "invalid session", and discord.py
identifies again 5 s later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import ClassVar, Protocol

log = logging.getLogger(__name__)

IDENTIFY_WINDOW = 5.0  # seconds per IDENTIFY in one bucket (Discord)
MARGIN = 0.5  # the IDENTIFY goes out just after the turn is taken; hold a little longer
POLL = 0.2  # seconds between tries of a lock another process holds


class BucketLock(Protocol):
    async def acquire(self) -> bool:
        """Take the lock if nobody holds it; True when this process holds it."""

    async def release(self) -> None: ...


class IdentifyTurns:
    def __init__(
        self,
        lock_for: Callable[[int], BucketLock],
        *,
        window: float = IDENTIFY_WINDOW + MARGIN,
    ) -> None:
        self._lock_for = lock_for
        self._window = window
        self.max_concurrency = 1  # from GET /gateway/bot, once logged in
        self._held: set[asyncio.Task[None]] = set()
        self.waited = 0.0  # seconds spent waiting for turns (for the logs and tests)

    async def take(self, shard_id: int) -> None:
        """Returns when shard `shard_id` may IDENTIFY now; the turn is held for 5 s."""
        bucket = shard_id % max(1, self.max_concurrency)
        lock = self._lock_for(bucket)
        loop = asyncio.get_running_loop()
        started = loop.time()
        # another process may hold it: there is no event to wait on, so try again
        while not await lock.acquire():  # noqa: ASYNC110
            await asyncio.sleep(POLL)
        waited = loop.time() - started
        self.waited += waited
        if waited >= POLL:
            log.info("shard %d waited %.1f s for its turn to identify", shard_id, waited)
        task = asyncio.create_task(self._hold(lock))
        self._held.add(task)
        task.add_done_callback(self._held.discard)

    async def _hold(self, lock: BucketLock) -> None:
        try:
            await asyncio.sleep(self._window)
        finally:
            await lock.release()

    async def close(self) -> None:
        """Give back the turns still held (the client stopped: it sends no IDENTIFY now)."""
        for task in list(self._held):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


class ProcessBucketLock:
    """A bucket's lock within this process only: for an in-memory database (one process)
    and adapters built without a shared database."""

    _held: ClassVar[set[int]] = set()

    def __init__(self, bucket: int) -> None:
        self._bucket = bucket
        self._mine = False

    async def acquire(self) -> bool:
        if self._mine:
            return True
        if self._bucket in ProcessBucketLock._held:
            return False
        ProcessBucketLock._held.add(self._bucket)
        self._mine = True
        return True

    async def release(self) -> None:
        if self._mine:
            ProcessBucketLock._held.discard(self._bucket)
            self._mine = False
