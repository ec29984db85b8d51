"""Database connections go to the oldest work first.

asyncpg's pool, like tortoise's lock on SQLite's one connection, hands a free connection to
whoever asked first. When a burst of commands arrives together (50 people's `/imagine` at
once) that makes them move in lock-step: every command's first statement, then every
command's second, and so on, each command queueing at the pool behind the other 49 for each
of its statements. So every one of them finishes near the end of the burst, their jobs start
together and their results all come back together, and the last person waits for the whole
burst twice.

Here a waiting request is served by when its work arrived (`work_arrived`, set by the
dispatcher when a command comes in), else by when it asked: the burst's first commands go
through in about the time of their own statements, the next ones follow, and the pool is
as busy as before (no fewer statements at once, only another order). Nothing waits for
ever: later arrivals only ever come after.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_arrived: ContextVar[float | None] = ContextVar("work_arrived", default=None)


@contextmanager
def work_arrived(moment: float) -> Iterator[None]:
    """The work done inside (and in the tasks it starts) arrived at `moment`
    (`time.monotonic()`): its statements get connections before later work's."""
    token = _arrived.set(moment)
    try:
        yield
    finally:
        _arrived.reset(token)


class Places:
    """`size` places (connections), handed to waiting requests oldest work first."""

    def __init__(self, size: int) -> None:
        self._free = size  # places not handed out
        self._waiting: list[tuple[float, int, asyncio.Future[None]]] = []  # a heap
        self._order = itertools.count()  # equal arrivals: first asked, first served

    def locked(self) -> bool:
        return self._free == 0

    async def take(self) -> None:
        if self._free > 0:
            self._free -= 1
            return
        arrived = _arrived.get()
        entry = (
            time.monotonic() if arrived is None else arrived,
            next(self._order),
            asyncio.get_running_loop().create_future(),
        )
        heapq.heappush(self._waiting, entry)
        try:
            await entry[2]  # `give_back` handed this request its place
        except asyncio.CancelledError:
            if entry[2].done() and not entry[2].cancelled():  # handed a place as it was cancelled
                self.give_back()
            else:
                self._waiting.remove(entry)
                heapq.heapify(self._waiting)
            raise

    def give_back(self) -> None:
        """A place came free: to the oldest waiting request, else back to the free ones."""
        while self._waiting:
            _, _, waiter = heapq.heappop(self._waiting)
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1


class OldestFirstLock(Places):
    """`asyncio.Lock` as tortoise's SQLite client uses it (its one connection), oldest work
    first."""

    def __init__(self) -> None:
        super().__init__(1)

    async def acquire(self) -> bool:
        await self.take()
        return True

    def release(self) -> None:
        if not self.locked():
            raise RuntimeError("Lock is not acquired.")
        self.give_back()


class OldestFirstPool:
    """An asyncpg pool whose waiting `acquire`s are served oldest work first; everything
    else goes to the pool itself."""

    def __init__(self, pool: Any, size: int) -> None:
        self._pool = pool
        self._places = Places(size)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pool, name)

    async def acquire(self) -> Any:
        await self._places.take()
        try:
            return await self._pool.acquire()
        except BaseException:
            self._places.give_back()
            raise

    async def release(self, connection: Any) -> None:
        try:
            await self._pool.release(connection)
        finally:
            self._places.give_back()
