"""The one path every Bot API call of the adapter takes.

- Every call goes through the adapter's `RateLimiter` (`core.delivery.ratelimit`): messages
  and edits as calls to their chat, which `PacedCalls` keeps within `TELEGRAM_LIMITS`; other
  calls (answers to button presses, member look-ups, the command menu) as calls to no chat.
- 429: wait `retry_after` and try again, a bounded number of times; never longer than
  `FloodRetry.longest_wait`.
- 403 (blocked by the user, kicked from the group): the destination is paused and nothing more
  is sent there until the chat comes back (`available_again`); `ChatUnavailable` is raised.
- A group that became a supergroup: its destination moves to the new id and the message is
  sent there, once. Later sends to the old id go to the new one directly. Outbox sends
  (`follow_moves=False`) get `ChatMigrated` instead: the outbox moves the destination, its
  subscriptions and waiting messages itself (`core.delivery.DestinationMoved`).
- Anything else (a timeout, a 5xx) is not retried: the message may have arrived, and a second
  copy is worse than a missing one.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import Bot
from telegram.error import ChatMigrated, Forbidden, RetryAfter
from telegram.warnings import PTBDeprecationWarning

from bot.adapters.telegram._translate import ChatRef
from core.clock import Timer
from core.delivery import DeliveryBlocked
from core.delivery.ratelimit import PlatformCall, RateLimiter
from core.destinations import Destinations
from core.domain import Platform

log = logging.getLogger(__name__)


class ChatUnavailable(DeliveryBlocked):
    """Telegram refuses messages to this chat (the bot was blocked or removed)."""

    def __init__(self, chat_id: int, reason: str) -> None:
        super().__init__(reason)
        self.chat_id = chat_id

    def __str__(self) -> str:
        return f"chat {self.chat_id} is unavailable: {self.reason}"


@dataclass(frozen=True, slots=True)
class FloodRetry:
    """How the adapter answers Telegram's 429 (`retry_after`): wait and try again."""

    attempts: int = 4  # tries per call
    longest_wait: float = 300.0  # a longer retry_after is not waited for


class TelegramSender:
    def __init__(
        self,
        bot: Bot,
        destinations: Destinations,
        *,
        limiter: RateLimiter,
        timer: Timer,
        flood: FloodRetry = FloodRetry(),
    ) -> None:
        self._bot = bot
        self._destinations = destinations
        self._limiter = limiter
        self._timer = timer
        self._flood = flood
        self._moved: dict[int, int] = {}
        self._unavailable: dict[int, str] = {}

    def current_id(self, chat_id: int) -> int:
        return self._moved.get(chat_id, chat_id)

    async def to_chat(
        self, chat: ChatRef, method: str, *, follow_moves: bool = True, **kwargs: Any
    ) -> Any:
        """A message or an edit in `chat`, paced and migration-aware."""
        chat_id = self.current_id(chat.id)
        if not follow_moves and chat_id != chat.id:  # known to have moved: no need to ask
            raise ChatMigrated(chat_id)
        if chat_id in self._unavailable:
            raise ChatUnavailable(chat_id, self._unavailable[chat_id])
        try:
            return await self._paced(
                chat_id, chat.is_group, method, kwargs, outbox=not follow_moves
            )
        except ChatMigrated as migrated:
            new_id = int(migrated.new_chat_id)
            if not follow_moves:
                self._moved[chat_id] = new_id  # replies in live updates follow it at once
                raise  # the outbox moves the destination, its subscriptions and messages
            await self.moved(chat_id, new_id)
            return await self._paced(new_id, True, method, kwargs, outbox=not follow_moves)
        except Forbidden as refused:
            await self._pause(ChatRef(chat_id, chat.kind), refused.message)
            raise ChatUnavailable(chat_id, refused.message) from refused

    async def call(self, method: str, **kwargs: Any) -> Any:
        """Any other Bot API call (not a message to a chat): 429-aware."""
        return await self._limiter.process(
            PlatformCall(Platform.TELEGRAM, method),
            lambda: self._attempts(getattr(self._bot, method), kwargs),
        )

    async def moved(self, old_id: int, new_id: int) -> None:
        """A group became a supergroup with a new id: settings and later sends follow it."""
        self._moved[old_id] = new_id
        await self._destinations.move(Platform.TELEGRAM, str(old_id), str(new_id))
        log.info("telegram group %s moved to %s", old_id, new_id)

    async def unavailable(self, chat: ChatRef, reason: str) -> None:
        """Telegram told us (a member update) that the bot may not write there any more."""
        await self._pause(chat, reason)

    async def available_again(self, chat: ChatRef) -> None:
        """The bot may write there again (unblocked, added back to the group)."""
        self._unavailable.pop(chat.id, None)
        await self._destinations.resume(Platform.TELEGRAM, str(chat.id))

    async def _pause(self, chat: ChatRef, reason: str) -> None:
        self._unavailable[chat.id] = reason
        await self._destinations.get(Platform.TELEGRAM, str(chat.id), kind=chat.kind)
        await self._destinations.pause(Platform.TELEGRAM, str(chat.id), reason)
        log.info("telegram chat %s paused: %s", chat.id, reason)

    async def _paced(
        self, chat_id: int, group: bool, method: str, kwargs: dict[str, Any], *, outbox: bool
    ) -> Any:
        return await self._limiter.process(
            PlatformCall(Platform.TELEGRAM, method, chat=str(chat_id), group=group, outbox=outbox),
            lambda: self._attempts(getattr(self._bot, method), kwargs | {"chat_id": chat_id}),
        )

    async def _attempts(self, call: Callable[..., Awaitable[Any]], kwargs: dict[str, Any]) -> Any:
        for attempt in range(1, self._flood.attempts + 1):
            try:
                return await call(**kwargs)
            except RetryAfter as flood:
                wait = retry_seconds(flood)
                if attempt == self._flood.attempts or wait > self._flood.longest_wait:
                    raise
                log.warning("telegram asks to wait %.0f s (attempt %d)", wait, attempt)
                await self._timer.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover


def retry_seconds(flood: RetryAfter) -> float:
    with warnings.catch_warnings():  # int seconds are deprecated in favour of timedelta
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = flood.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
