"""Pacing: when may the next message to a chat go out without breaking a platform limit?

Pure and clock-driven: every method takes `now` (seconds on any monotonic scale), nothing
sleeps, so the rules are unit-tested with plain numbers. The sender asks `ready_at()`,
sleeps until then, calls `started()`, sends, and calls `finished()`.

- The whole platform: a token bucket (`overall_per_second`, `burst`), and at most
  `overall_per_second` messages per rolling second counted by when they *finished*, a
  message in flight counting as finishing now. A message reaches the platform between its
  start and its end, so however the network delays or reorders requests, the platform
  never sees more than that many in any second; the bucket's burst only lets the sender
  catch up after the event loop was late, it can never break the limit.
- One chat: at most one message in flight, and `chat_interval` seconds from the end of one
  message to the start of the next (measured from the end, so a slow upload can never make
  two messages arrive closer together than the limit).
- Groups (or every chat, with `window_for_private_chats`): at most `window_messages` per
  `window_seconds`, counted when each message finished.
- A 429's `retry_after` holds one chat (`hold`) or the whole platform (`hold_all`).

The outbox sender plans its sends with a `Pacer` (which chat's turn comes first); every call
an adapter makes, a live reply's or the outbox's, then passes its platform's `RateLimiter`
(`core.delivery.ratelimit`), which for Telegram is `PacedCalls`: the same rules, enforced
call by call with a `Timer`.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from core.clock import Timer
from core.delivery.ratelimit import PlatformCall, Result


@dataclass(frozen=True, slots=True)
class PaceLimits:
    overall_per_second: float
    chat_interval: float
    window_messages: int
    window_seconds: float
    window_for_private_chats: bool = False
    burst: int = 1

    @property
    def per_message(self) -> float:
        return 1.0 / self.overall_per_second


# PLATFORM-FACTS.md: Telegram ~30 messages/s overall, 1/s per chat, 20/min per group (the
# rolling-second window absorbs network jitter, so no margin below 30 is needed; the burst of
# 3 catches up a late event loop, bench/digest_fanout.py measures both). Discord: 50
# requests/s global, channel sends 5 per 5 s (discord.py also follows the per-route buckets
# the API reports in its headers).
TELEGRAM_LIMITS = PaceLimits(
    overall_per_second=30.0, chat_interval=1.0, window_messages=20, window_seconds=60.0, burst=3
)
DISCORD_LIMITS = PaceLimits(
    overall_per_second=45.0,
    chat_interval=0.2,
    window_messages=5,
    window_seconds=5.0,
    window_for_private_chats=True,
)
# A terminal has no limit of its own: at most 1000 messages a second, taken as they come
# (a burst of that many at once). With a burst of 1 the bucket spaced every message 1 ms
# apart, so 50 jobs finishing together waited 0.1 s for their status edits and previews.
CONSOLE_LIMITS = PaceLimits(
    overall_per_second=1000.0,
    chat_interval=0.0,
    window_messages=1000,
    window_seconds=1.0,
    burst=1000,
)


class TokenBucket:
    """`rate` tokens per second, holding at most `capacity`; a send takes one token."""

    def __init__(self, rate: float, capacity: int = 1) -> None:
        self.rate = rate
        self.capacity = capacity
        self._tokens = float(capacity)
        self._at = -math.inf

    def _refill(self, now: float) -> None:
        if self._at == -math.inf:
            self._tokens, self._at = float(self.capacity), now
            return
        if now > self._at:
            self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.rate)
            self._at = now

    def ready_at(self, now: float) -> float:
        self._refill(now)
        if self._tokens >= 1.0:
            return now
        return now + (1.0 - self._tokens) / self.rate

    def take(self, now: float) -> None:
        self._refill(now)
        self._tokens -= 1.0  # may go below zero: the debt is paid back before the next token

    def block_until(self, until: float, now: float) -> None:
        """No token before `until` (a platform-wide 429)."""
        self._refill(now)
        self._tokens = min(self._tokens, 1.0 - (until - now) * self.rate)


@dataclass(slots=True)
class _Lane:
    busy: bool = False
    free_at: float = -math.inf  # when the chat may receive the next message
    recent: deque[float] = field(default_factory=deque)  # finish times within the window


class Pacer:
    def __init__(self, limits: PaceLimits) -> None:
        self.limits = limits
        self._bucket = TokenBucket(limits.overall_per_second, limits.burst)
        self._lanes: dict[str, _Lane] = {}
        self._per_second = max(1, math.floor(limits.overall_per_second))
        self._in_flight = 0
        self._ended: deque[float] = deque()  # when messages finished, within the last second

    def _lane(self, chat: str) -> _Lane:
        lane = self._lanes.get(chat)
        if lane is None:
            lane = self._lanes[chat] = _Lane()
        return lane

    def _windowed(self, group: bool) -> bool:
        return group or self.limits.window_for_private_chats

    def chat_ready_at(self, chat: str, group: bool, now: float) -> float:
        """When `chat` may take its next message (∞ while one is in flight)."""
        lane = self._lane(chat)
        if lane.busy:
            return math.inf
        ready = max(now, lane.free_at)
        if self._windowed(group):
            window = self.limits.window_seconds
            while lane.recent and lane.recent[0] <= now - window:
                lane.recent.popleft()
            if len(lane.recent) >= self.limits.window_messages:
                ready = max(ready, lane.recent[0] + window)
        return ready

    def overall_ready_at(self, now: float) -> float:
        ready = self._bucket.ready_at(now)
        ended = self._ended
        while ended and ended[0] <= now - 1.0:
            ended.popleft()
        if len(ended) + self._in_flight >= self._per_second:
            # the oldest finish leaves the window, or (all in flight) look again shortly:
            # every landing wakes the sender anyway
            later = ended[0] + 1.0 if ended else now + self.limits.per_message
            ready = max(ready, later)
        return ready

    def ready_at(self, chat: str, group: bool, now: float) -> float:
        return max(self.chat_ready_at(chat, group, now), self.overall_ready_at(now))

    def started(self, chat: str, now: float) -> None:
        self._bucket.take(now)
        self._in_flight += 1
        self._lane(chat).busy = True

    def finished(self, chat: str, group: bool, now: float, *, counted: bool = True) -> None:
        """The message is done; `counted` is False when the platform refused it (a 429)."""
        self._in_flight = max(0, self._in_flight - 1)
        self._ended.append(now)  # a refused message reached the platform too
        lane = self._lane(chat)
        lane.busy = False
        lane.free_at = max(lane.free_at, now + self.limits.chat_interval)
        if counted and self._windowed(group):
            lane.recent.append(now)

    def hold(self, chat: str, seconds: float, now: float) -> None:
        lane = self._lane(chat)
        lane.free_at = max(lane.free_at, now + seconds)

    def hold_all(self, seconds: float, now: float) -> None:
        self._bucket.block_until(now + seconds, now)

    def forget_idle(self, now: float) -> int:
        """Drop lanes that limit nothing any more (keeps memory flat over long runs)."""
        horizon = now - max(self.limits.window_seconds, self.limits.chat_interval)
        idle = [
            chat
            for chat, lane in self._lanes.items()
            if not lane.busy
            and lane.free_at <= now
            and (not lane.recent or lane.recent[-1] <= horizon)
        ]
        for chat in idle:
            del self._lanes[chat]
        return len(idle)


class PacedCalls:
    """The `RateLimiter` that keeps calls to chats within `limits` (Telegram's).

    Calls to one chat take turns, in order; a turn starts when the `Pacer` says the chat and
    the platform may take another message, and counts as finished when the call returns
    (after any retries inside it). Calls that are not messages to a chat (answers to button
    presses, member look-ups) go straight out.
    """

    def __init__(self, limits: PaceLimits, timer: Timer) -> None:
        self._pacer = Pacer(limits)
        self._timer = timer
        self._turns: dict[str, _Turn] = {}

    async def process(self, call: PlatformCall, send: Callable[[], Awaitable[Result]]) -> Result:
        chat = call.chat
        if chat is None:
            return await send()
        turn = self._turns.get(chat)
        if turn is None:
            turn = self._turns[chat] = _Turn()
        turn.callers += 1
        try:
            async with turn.lock:
                await self._wait_for_turn(chat, call.group)
                try:
                    return await send()
                finally:
                    self._pacer.finished(chat, call.group, self._timer.now())
        finally:
            turn.callers -= 1
            self._forget_idle()

    async def _wait_for_turn(self, chat: str, group: bool) -> None:
        while True:
            now = self._timer.now()
            ready = self._pacer.ready_at(chat, group, now)
            if ready <= now:
                self._pacer.started(chat, now)
                return
            await self._timer.sleep(ready - now)

    def _forget_idle(self) -> None:
        if len(self._turns) < 4096:
            return
        self._pacer.forget_idle(self._timer.now())
        for chat, turn in list(self._turns.items()):
            if turn.callers == 0:
                del self._turns[chat]


@dataclass(slots=True)
class _Turn:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    callers: int = 0  # holding or waiting for the lock
