"""A refit the scheduler's tick starts in the background: at most once per `every`, never two
at once, so the tick (digests, outbox) never waits for a fit. One that fails is logged; what
it would have replaced keeps serving, and the next period tries again."""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from datetime import datetime, timedelta

from core.clock import Clock

log = logging.getLogger(__name__)


class BackgroundRefit(ABC):
    what = "refit"  # for the log line of a failed one

    def __init__(self, clock: Clock, every: timedelta, *, first_at_start: bool) -> None:
        """`first_at_start`: the first tick starts one, else the first comes `every` later."""
        self._clock = clock
        self._every = every
        self._first_at_start = first_at_start
        self._last: datetime | None = None
        self._task: asyncio.Task[None] | None = None

    async def tick(self) -> bool:
        """Start a refit in the background when it is due and none runs; True when one started."""
        now = self._clock.now()
        if self._last is None and not self._first_at_start:
            self._last = now
            return False
        if self._last is not None and now - self._last < self._every:
            return False
        if self._task is not None and not self._task.done():
            return False
        self._last = now
        self._task = asyncio.create_task(self._refit_logged())
        return True

    async def _refit_logged(self) -> None:
        try:
            await self.refit()
        except Exception:
            log.exception("%s failed", self.what)

    @abstractmethod
    async def refit(self) -> object:
        """One refit now."""
