"""Telegram's limits held across processes: two `SharedPacedCalls` on one Redis (as two
processes of one bot would be) never go past 30 messages a second together, nor one a second
per chat, nor 20 a minute per group; live replies go ahead of outbox sends; Redis down falls
back to the in-process limiter with one clear log line.

Time is virtual (`VirtualTime`): both limiters read one clock, and `sleep` moves it on, so
the checks run on exact numbers in milliseconds of real time.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from core.delivery.pacing import TELEGRAM_LIMITS
from core.delivery.ratelimit import PlatformCall
from core.delivery.shared_limits import LiveFirst, SharedPacedCalls
from core.domain import Platform
from tests.adapters.recording_limiter import RecordingLimiter
from tests.support.redis_server import redis_for_test

SEND_TAKES = 0.05  # virtual seconds a Bot API call takes


class VirtualTime:
    """One clock for both limiters. A sleeper waits until the clock reaches its time; the
    earliest sleeper moves the clock there after a real millisecond (in which Redis answers
    the others), so the clock never jumps past a sleeper that wanted to wake earlier."""

    def __init__(self) -> None:
        self.t = 1_000_000.0
        self.frozen = False  # while True the clock stays (sleepers wait)
        self._sleepers: list[float] = []

    def now(self) -> float:
        return self.t

    @property
    def scale(self) -> float:
        return 1.0

    async def sleep(self, seconds: float) -> None:
        target = self.t + seconds
        self._sleepers.append(target)
        try:
            while self.t < target:
                await asyncio.sleep(0.001)
                if not self.frozen and self.t < target and min(self._sleepers) >= target:
                    self.t = target
        finally:
            self._sleepers.remove(target)


class SleepersOf:
    """The shared clock as one limiter sees it; `all_waiting` is set once `count` of its calls
    sleep at the same time (each registered in Redis before it sleeps)."""

    def __init__(self, time: VirtualTime, count: int) -> None:
        self._time = time
        self._count = count
        self._asleep = 0
        self.all_waiting = asyncio.Event()
        self.scale = 1.0

    def now(self) -> float:
        return self._time.now()

    async def sleep(self, seconds: float) -> None:
        self._asleep += 1
        if self._asleep >= self._count:
            self.all_waiting.set()
        try:
            await self._time.sleep(seconds)
        finally:
            self._asleep -= 1


@pytest.fixture
async def redis() -> AsyncIterator[tuple[Redis, str]]:
    async for connected in redis_for_test():
        yield connected


def limiter(redis: tuple[Redis, str], time: VirtualTime | SleepersOf) -> SharedPacedCalls:
    client, prefix = redis
    return SharedPacedCalls(
        client,
        TELEGRAM_LIMITS,
        bot="12345",
        fallback=RecordingLimiter(),
        timer=time,
        prefix=prefix,
    )


class Platform429:
    """Where the calls land: the arrival time of each, per chat."""

    def __init__(self, time: VirtualTime) -> None:
        self.time = time
        self.arrivals: list[tuple[float, str, bool]] = []  # (at, chat, outbox)

    async def send(self, call: PlatformCall) -> str:
        assert call.chat is not None
        self.arrivals.append((self.time.now(), call.chat, call.outbox))
        await self.time.sleep(SEND_TAKES)
        return call.chat

    def most_in_any(self, seconds: float, chat: str | None = None) -> int:
        times = sorted(at for at, to, _ in self.arrivals if chat is None or to == chat)
        return max(
            (sum(1 for t in times if start <= t < start + seconds) for start in times), default=0
        )

    def gaps(self, chat: str) -> list[float]:
        times = sorted(at for at, to, _ in self.arrivals if to == chat)
        return [later - earlier for earlier, later in itertools.pairwise(times)]


def message(chat: str, *, group: bool = False, outbox: bool = False) -> PlatformCall:
    return PlatformCall(Platform.TELEGRAM, "send_message", chat=chat, group=group, outbox=outbox)


async def test_two_processes_together_keep_the_global_and_the_per_chat_limit(redis) -> None:
    time = VirtualTime()
    first, second = limiter(redis, time), limiter(redis, time)
    platform = Platform429(time)
    chats = [str(100 + n) for n in range(100)]
    calls = [message(chat) for chat in chats for _ in range(2)]
    started = time.now()

    results = await asyncio.gather(
        *(
            (first if n % 2 else second).process(call, lambda call=call: platform.send(call))
            for n, call in enumerate(calls)
        )
    )

    assert sorted(results) == sorted(call.chat for call in calls)  # every call went, once
    assert platform.most_in_any(1.0) <= 30
    for chat in chats:
        assert min(platform.gaps(chat)) >= 1.0
    # and not much slower than the limit needs (200 messages at 30 a second): the virtual
    # clock runs ahead while Redis answers, so allow twice that (serial sends would take 10x)
    assert time.now() - started <= 2 * len(calls) / 30 + 2.0


async def test_two_processes_keep_a_groups_twenty_a_minute(redis) -> None:
    time = VirtualTime()
    first, second = limiter(redis, time), limiter(redis, time)
    platform = Platform429(time)
    calls = [message("-500", group=True) for _ in range(25)]

    await asyncio.gather(
        *(
            (first if n % 2 else second).process(call, lambda call=call: platform.send(call))
            for n, call in enumerate(calls)
        )
    )

    assert len(platform.arrivals) == 25
    assert platform.most_in_any(60.0, "-500") == 20
    assert min(platform.gaps("-500")) >= 1.0


async def test_live_replies_of_any_process_go_ahead_of_outbox_sends(redis) -> None:
    time = VirtualTime()
    live_time = SleepersOf(time, 10)
    outbox, live = limiter(redis, time), limiter(redis, live_time)
    platform = Platform429(time)
    window_full = asyncio.Event()

    async def send(call: PlatformCall) -> str:
        if len(platform.arrivals) == 29:
            window_full.set()
        return await platform.send(call)

    # the outbox fills this second's 30 places (the clock stands still until the live
    # replies wait too, however long their Redis calls queue), more outbox sends wait
    time.frozen = True
    first_batch = [message(f"o{n}", outbox=True) for n in range(30)]
    filling = [
        asyncio.create_task(outbox.process(call, lambda call=call: send(call)))
        for call in first_batch
    ]
    await window_full.wait()
    waiting = [message(f"w{n}", outbox=True) for n in range(30)]
    replies = [message(f"u{n}") for n in range(10)]
    client, prefix = redis
    live_waiting_at_outbox_sends: list[int] = []

    async def outbox_send(call: PlatformCall) -> str:
        # Redis granted this outbox send: no live reply may be waiting for its turn then
        live_waiting_at_outbox_sends.append(await client.zcard(f"{prefix}:12345:live"))
        return await platform.send(call)

    later = [
        asyncio.create_task(outbox.process(call, lambda call=call: outbox_send(call)))
        for call in waiting
    ] + [
        asyncio.create_task(live.process(call, lambda call=call: platform.send(call)))
        for call in replies
    ]
    await live_time.all_waiting.wait()
    assert await client.zcard(f"{prefix}:12345:live") == len(replies)
    time.frozen = False
    await asyncio.gather(*filling, *later)

    assert len(platform.arrivals) == 70  # every send went, once
    assert live_waiting_at_outbox_sends == [0] * 30
    assert platform.most_in_any(1.0) <= 30


async def test_in_one_process_live_replies_go_ahead_of_waiting_outbox_sends() -> None:
    order: list[str] = []
    gate = asyncio.Event()

    class Held:
        """An inner limiter that lets nothing go until the gate opens, then one at a time."""

        def __init__(self) -> None:
            self.lock = asyncio.Lock()

        async def process(self, call, send):  # type: ignore[no-untyped-def]
            await gate.wait()
            async with self.lock:
                return await send()

    limiter = LiveFirst(Held())

    async def send(call: PlatformCall) -> None:
        order.append(call.chat or "")

    live_call = message("u1")
    live = asyncio.create_task(limiter.process(live_call, lambda: send(live_call)))
    await asyncio.sleep(0)
    assert limiter.live_waiting == 1
    outbox_call = message("o1", outbox=True)
    outbox = asyncio.create_task(limiter.process(outbox_call, lambda: send(outbox_call)))
    await asyncio.sleep(0)
    gate.set()
    await asyncio.gather(live, outbox)

    assert order == ["u1", "o1"]
    assert limiter.live_waiting == 0


async def test_redis_down_falls_back_to_the_in_process_limiter_and_says_so(caplog) -> None:
    unreachable = Redis.from_url(
        "redis://:hunter2@127.0.0.1:1/0", socket_timeout=0.5, socket_connect_timeout=0.5
    )
    fallback = RecordingLimiter()
    time = VirtualTime()
    shared = SharedPacedCalls(
        unreachable,
        TELEGRAM_LIMITS,
        bot="12345",
        fallback=fallback,
        timer=time,
        where="127.0.0.1:1/0",
    )
    platform = Platform429(time)
    calls = [message("7"), message("8")]

    with caplog.at_level(logging.ERROR, logger="core.delivery.shared_limits"):
        for call in calls:
            assert await shared.process(call, lambda call=call: platform.send(call)) == call.chat

    assert fallback.calls == calls  # both went out, paced by the fallback
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 1  # one line per outage, not one per message
    assert "Redis at 127.0.0.1:1/0 is unreachable" in lines[0]
    assert "hunter2" not in lines[0]
    await unreachable.aclose()
