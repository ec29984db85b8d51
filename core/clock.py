"""Time as a dependency, so tests can use a fake clock instead of sleeping.

`Clock` is the wall clock (what day it is); `Timer` is monotonic pacing time, in platform
seconds, which tests scale down together with a fake platform server.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 5, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)


class Timer(Protocol):
    """Pacing time in platform seconds (tests scale it down together with a fake server)."""

    @property
    def scale(self) -> float:
        """Real seconds per platform second."""
        ...

    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


@dataclass(frozen=True, slots=True)
class MonotonicTimer:
    """`Timer` on the monotonic clock; `MonotonicTimer(0.01)`: a platform second lasts 10 ms."""

    scale: float = 1.0  # real seconds per platform second

    def now(self) -> float:
        return time.monotonic() / self.scale

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) * self.scale)
