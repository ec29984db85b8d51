"""Telegram's limits held by the bot as a whole, across all its processes (through Redis).

`SharedPacedCalls` is a `RateLimiter` (`core.delivery.ratelimit`) that keeps the same rules as
`PacedCalls` (`core.delivery.pacing`), but in Redis, so every process of one bot counts
against one budget:

- the bot: at most `overall_per_second` messages per rolling second, counted by when each
  *finished*, a message in flight counting as finishing now (a sorted set per bot; an
  in-flight member is scored at its lease's end, so a process that dies mid-call frees its
  place after `lease` seconds);
- one chat: one message in flight, and `chat_interval` seconds from the end of one to the
  start of the next (a key per chat holding when it is free again; while a message is in
  flight it holds the lease's end);
- groups: at most `window_messages` per `window_seconds`, counted when each finished (a
  sorted set per group chat).

Every key has a TTL no longer than the rule it holds (plus the lease), so nothing leaks.
One Lua script decides and takes a turn atomically (`_ACQUIRE`); a second records the end
(`_RELEASE`).

Live replies go first: a live call that waits registers itself (a sorted set per bot, each
waiter scored by when its registration lapses); an outbox call (`PlatformCall.outbox`) is
not granted while any live call of any process waits. `LiveFirst` does the same for the
in-process limiter.

Redis down: a clear operator log line, and the calls are paced by `fallback` (in-process
`PacedCalls` at the same limits) until Redis answers again (tried every `retry_redis`
seconds). Replies keep flowing rather than stop; with several processes the bot may then go
past Telegram's global 30 a second, and Telegram answers 429 with `retry_after`, which the
sender obeys (a delay, never a lost or doubled message).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from core.clock import MonotonicTimer, Timer
from core.delivery.pacing import PaceLimits
from core.delivery.ratelimit import PlatformCall, RateLimiter, Result

# redis is imported where it is used: ~0.1 s of CPU at every start-up (bot/bootstrap.py
# imports `LiveFirst` from here), and only a bot with MOSAIC_REDIS_URL set talks to Redis
if TYPE_CHECKING:
    from redis.asyncio import Redis
    from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# KEYS: bot's recent/in-flight sends, chat's free-at, group window, live waiters
# ARGV: now, call id, per second, lease, windowed, window messages, window seconds, live,
#       waiter lease, poll, chat interval
_ACQUIRE = """
local now = tonumber(ARGV[1])
local id = ARGV[2]
local per_second = tonumber(ARGV[3])
local lease = tonumber(ARGV[4])
local windowed = ARGV[5] == '1'
local window_messages = tonumber(ARGV[6])
local window = tonumber(ARGV[7])
local live = ARGV[8] == '1'
local waiter_lease = tonumber(ARGV[9])
local poll = tonumber(ARGV[10])
local interval = tonumber(ARGV[11])
local lease_ms = math.ceil(lease * 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
if not live and redis.call('ZCARD', KEYS[4]) > 0 then
  return tostring(poll)  -- a live reply waits: outbox sends let it go first
end
local wait = 0
local free_at = redis.call('GET', KEYS[2])
if free_at then
  local until_free = tonumber(free_at) - now
  if until_free > interval then
    wait = math.max(wait, poll)  -- a message to the chat is in flight: look again soon
  else
    wait = math.max(wait, until_free)
  end
end
if windowed then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - window)
  if redis.call('ZCARD', KEYS[3]) >= window_messages then
    local oldest = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
    wait = math.max(wait, tonumber(oldest[2]) + window - now)
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 1)
if redis.call('ZCARD', KEYS[1]) >= per_second then
  local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
  if oldest <= now then
    wait = math.max(wait, oldest + 1 - now)
  else
    wait = math.max(wait, poll)
  end
end
if wait > 0 then
  if live then  -- waiting until it may go, and a little past (it refreshes this each time)
    redis.call('ZADD', KEYS[4], now + wait + waiter_lease, id)
    redis.call('PEXPIRE', KEYS[4], math.ceil((wait + waiter_lease) * 1000) + lease_ms)
  end
  return tostring(wait)
end
redis.call('ZREM', KEYS[4], id)
redis.call('ZADD', KEYS[1], now + lease, id)
redis.call('PEXPIRE', KEYS[1], 2 * lease_ms + 1000)
redis.call('SET', KEYS[2], tostring(now + lease), 'PX', 2 * lease_ms)
return '0'
"""

# KEYS: bot's recent/in-flight sends, chat's free-at, group window
# ARGV: now, call id, chat interval, windowed, window seconds, counted, TTL slack
_RELEASE = """
local now = tonumber(ARGV[1])
local id = ARGV[2]
local interval = tonumber(ARGV[3])
local windowed = ARGV[4] == '1'
local window = tonumber(ARGV[5])
local slack_ms = math.ceil(tonumber(ARGV[7]) * 1000)
redis.call('ZADD', KEYS[1], now, id)
redis.call('PEXPIRE', KEYS[1], 1000 + slack_ms)
redis.call('SET', KEYS[2], tostring(now + interval), 'PX', math.ceil(interval * 1000) + slack_ms)
if windowed and ARGV[6] == '1' then
  redis.call('ZADD', KEYS[3], now, id)
  redis.call('PEXPIRE', KEYS[3], math.ceil(window * 1000) + slack_ms)
end
return 1
"""

# a call in flight longer than this no longer holds its chat or its place; every key lives at
# most this long past the rule it holds (its TTL's slack for clocks that drift from Redis's)
_LEASE = 60.0


@dataclass(frozen=True, slots=True)
class WallTimer(MonotonicTimer):
    """Seconds since the epoch: one scale for every process on every machine (NTP-synced)."""

    def now(self) -> float:
        return time.time() / self.scale


@dataclass(slots=True)
class _Turns:
    """Calls to one chat of this process take turns, in order (as `PacedCalls` does)."""

    locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    callers: dict[str, int] = field(default_factory=dict)

    def enter(self, chat: str) -> asyncio.Lock:
        self.callers[chat] = self.callers.get(chat, 0) + 1
        lock = self.locks.get(chat)
        if lock is None:
            lock = self.locks[chat] = asyncio.Lock()
        return lock

    def leave(self, chat: str) -> None:
        left = self.callers[chat] - 1
        if left:
            self.callers[chat] = left
        else:
            del self.callers[chat], self.locks[chat]


class SharedPacedCalls:
    """The `RateLimiter` whose limits hold for all processes of one bot (state in Redis)."""

    def __init__(
        self,
        redis: Redis,
        limits: PaceLimits,
        *,
        bot: str,
        fallback: RateLimiter,
        timer: Timer | None = None,
        prefix: str = "mosaic:limits",
        poll: float | None = None,
        retry_redis: float = 5.0,
        waiter_lease: float = 5.0,
        where: str = "redis",
    ) -> None:
        self._redis = redis
        self._limits = limits
        self._fallback = fallback
        self._timer: Timer = timer or WallTimer()
        self._prefix = f"{prefix}:{bot}"
        self._poll = poll if poll is not None else limits.per_message
        self._retry_redis = retry_redis
        # a live reply that waits holds outbox sends back until it goes, or (its process gone)
        # until this long after its wait should have ended
        self._waiter_lease = waiter_lease
        self._where = where  # host:port for the operator's log line, never a password
        self._down_until = -math.inf
        self._turns = _Turns()
        self._acquire: Any = redis.register_script(_ACQUIRE)
        self._release: Any = redis.register_script(_RELEASE)

    async def process(self, call: PlatformCall, send: Callable[[], Awaitable[Result]]) -> Result:
        from redis.exceptions import RedisError

        chat = call.chat
        if chat is None:
            return await send()
        if self._timer.now() < self._down_until:
            return await self._fallback.process(call, send)
        lock = self._turns.enter(chat)
        try:
            async with lock:
                call_id = uuid.uuid4().hex
                try:
                    await self._wait_for_turn(call, chat, call_id)
                except RedisError as error:
                    self._redis_down(error)
                    return await self._fallback.process(call, send)
                counted = False
                try:
                    result = await send()
                    counted = True
                    return result
                finally:
                    await self._finished(call, chat, call_id, counted)
        finally:
            self._turns.leave(chat)

    def _keys(self, chat: str) -> list[str]:
        return [
            f"{self._prefix}:sends",
            f"{self._prefix}:chat:{chat}",
            f"{self._prefix}:window:{chat}",
            f"{self._prefix}:live",
        ]

    def _windowed(self, call: PlatformCall) -> bool:
        return call.group or self._limits.window_for_private_chats

    async def _wait_for_turn(self, call: PlatformCall, chat: str, call_id: str) -> None:
        limits = self._limits
        args = [
            0.0,
            call_id,
            max(1, math.floor(limits.overall_per_second)),
            _LEASE,
            int(self._windowed(call)),
            limits.window_messages,
            limits.window_seconds,
            int(not call.outbox),
            self._waiter_lease,
            self._poll,
            limits.chat_interval,
        ]
        keys = self._keys(chat)
        while True:
            args[0] = self._timer.now()
            wait = float(await self._acquire(keys=keys, args=args))
            if wait <= 0:
                return
            await self._timer.sleep(wait)

    async def _finished(self, call: PlatformCall, chat: str, call_id: str, counted: bool) -> None:
        from redis.exceptions import RedisError

        limits = self._limits
        try:
            await self._release(
                keys=self._keys(chat)[:3],
                args=[
                    self._timer.now(),
                    call_id,
                    limits.chat_interval,
                    int(self._windowed(call)),
                    limits.window_seconds,
                    int(counted),
                    _LEASE,
                ],
            )
        except RedisError as error:  # the lease runs out instead
            self._redis_down(error)

    def _redis_down(self, error: RedisError) -> None:
        if self._timer.now() >= self._down_until:
            log.error(
                "Telegram rate limits: Redis at %s is unreachable (%s: %s); holding the limits "
                "in this process only for the next %.0f s, then trying Redis again. With more "
                "than one process the bot may go past Telegram's limits meanwhile; the sender "
                "waits out the 429s it gets (MOSAIC_REDIS_URL, docs/operations.md)",
                self._where,
                type(error).__name__,
                error,
                self._retry_redis,
            )
        self._down_until = self._timer.now() + self._retry_redis


class LiveFirst:
    """A `RateLimiter` around another: outbox calls wait while live replies wait (one process).

    A live call counts as waiting from when it arrives until the inner limiter lets it go;
    outbox calls arriving meanwhile queue behind it. (Across processes `SharedPacedCalls`
    does this itself, in Redis.)
    """

    def __init__(self, inner: RateLimiter) -> None:
        self._inner = inner
        self._live_waiting = 0
        self._clear = asyncio.Event()
        self._clear.set()

    @property
    def live_waiting(self) -> int:
        return self._live_waiting

    async def process(self, call: PlatformCall, send: Callable[[], Awaitable[Result]]) -> Result:
        if call.chat is None:
            return await self._inner.process(call, send)
        if call.outbox:
            while self._live_waiting:
                await self._clear.wait()
            return await self._inner.process(call, send)
        self._live_waiting += 1
        self._clear.clear()
        waiting = True

        def granted() -> None:
            nonlocal waiting
            if waiting:
                waiting = False
                self._live_waiting -= 1
                if not self._live_waiting:
                    self._clear.set()

        async def go() -> Result:
            granted()
            return await send()

        try:
            return await self._inner.process(call, go)
        finally:
            granted()


def redis_location(url: str) -> str:
    """host:port/db of a Redis URL, for log lines (never its password)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.hostname or '127.0.0.1'}:{parts.port or 6379}{parts.path or ''}"


def shared_limiter(
    url: str, limits: PaceLimits, *, bot: str, fallback: RateLimiter, **options: Any
) -> SharedPacedCalls:
    """`SharedPacedCalls` on the Redis at `url` (short timeouts: a slow Redis is a down one)."""
    from redis.asyncio import BlockingConnectionPool, Redis

    # a bounded pool: calls beyond it wait for a connection instead of failing
    pool = BlockingConnectionPool.from_url(
        url, max_connections=32, timeout=5.0, socket_timeout=1.0, socket_connect_timeout=1.0
    )
    redis = Redis(connection_pool=pool)
    return SharedPacedCalls(
        redis, limits, bot=bot, fallback=fallback, where=redis_location(url), **options
    )
