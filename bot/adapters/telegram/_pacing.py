"""Pacing sends to Telegram's limits: ≤ 1 message per second per chat, ≤ 20 per minute per
group. Limits are not published exactly; a 429's `retry_after` stays the final word (see the
sender). Time can be scaled for tests: with `Timing(scale=0.01)` a Telegram second lasts 10 ms.

Sends to one chat take turns (so they also keep their order); a turn starts at least one
interval after the previous one *finished*, which Telegram can only see as further apart.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Timing:
    """The adapter's clock, in Telegram seconds (scaled down in tests)."""

    scale: float = 1.0

    def now(self) -> float:
        return time.monotonic() / self.scale

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) * self.scale)


@dataclass(frozen=True, slots=True)
class Limits:
    chat_interval: float = 1.0  # seconds between two messages to one chat
    group_messages: int = 20  # messages per group per window
    group_window: float = 60.0
    attempts: int = 4  # tries per call when Telegram answers 429
    longest_wait: float = 300.0  # a longer retry_after is not waited for


@dataclass(slots=True)
class _Lane:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last: float = float("-inf")
    recent: deque[float] = field(default_factory=deque)


class Pacer:
    def __init__(self, limits: Limits, timing: Timing) -> None:
        self._limits = limits
        self._timing = timing
        self._lanes: dict[int, _Lane] = {}

    @asynccontextmanager
    async def turn(self, chat_id: int, *, group: bool) -> AsyncIterator[None]:
        lane = self._lanes.setdefault(chat_id, _Lane())
        async with lane.lock:
            await self._timing.sleep(self._wait(lane, group))
            try:
                yield
            finally:
                self._finished(lane, group)
        self._forget_idle()

    def _wait(self, lane: _Lane, group: bool) -> float:
        now = self._timing.now()
        ready = lane.last + self._limits.chat_interval
        if group:
            while lane.recent and lane.recent[0] <= now - self._limits.group_window:
                lane.recent.popleft()
            if len(lane.recent) >= self._limits.group_messages:
                ready = max(ready, lane.recent[0] + self._limits.group_window)
        return ready - now

    def _finished(self, lane: _Lane, group: bool) -> None:
        lane.last = self._timing.now()
        if group:
            lane.recent.append(lane.last)

    def _forget_idle(self) -> None:
        if len(self._lanes) < 4096:
            return
        horizon = self._timing.now() - self._limits.group_window
        for chat_id, lane in list(self._lanes.items()):
            if lane.last < horizon and not lane.lock.locked():
                del self._lanes[chat_id]
