"""A `RateLimiter` for tests: lets every call through at once and remembers it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from core.delivery.ratelimit import PlatformCall

Result = TypeVar("Result")


class RecordingLimiter:
    def __init__(self) -> None:
        self.calls: list[PlatformCall] = []

    async def process(self, call: PlatformCall, send: Callable[[], Awaitable[Result]]) -> Result:
        self.calls.append(call)
        return await send()
