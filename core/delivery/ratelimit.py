"""The rate-limiter port: every call an adapter makes to its platform goes through one.

Live replies and outbox sends alike reach a platform only through its adapter's lowest layer
(Telegram's `TelegramSender`, Discord's `DiscordDelivery`), and that layer hands each call to
its `RateLimiter` as a `PlatformCall` plus the coroutine that makes it. The limiter decides
when the call may go (or whether to wait first) and returns what the call returned; it may
also let a call through at once. Retrying a refused call (Telegram's 429 `retry_after`)
stays inside the call, so a chat's turn is held while it waits.

Implementations: `core.delivery.pacing.PacedCalls` (per chat and per platform, from a
`PaceLimits`), `Unpaced` (no limit of ours: discord.py follows Discord's buckets itself, the
console has none). Tests inject their own to see every call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from core.domain import Platform

Result = TypeVar("Result")


@dataclass(frozen=True, slots=True)
class PlatformCall:
    """What a limiter knows about one call: which platform method, and to which chat."""

    platform: Platform
    method: str  # the library's name for it: "send_message", "channel.send", ...
    chat: str | None = None  # a message or an edit in this chat; None: any other call
    group: bool = False  # the chat is a group (group limits apply)
    outbox: bool = False  # an outbox delivery: live replies (False) go first


class RateLimiter(Protocol):
    async def process(self, call: PlatformCall, send: Callable[[], Awaitable[Result]]) -> Result:
        """Run `send` when `call` may go out; return its result (or raise its error)."""
        ...


class Unpaced:
    """A `RateLimiter` that adds no limit of its own."""

    async def process(self, call: PlatformCall, send: Callable[[], Awaitable[Result]]) -> Result:
        return await send()
