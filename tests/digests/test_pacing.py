"""The pacer alone, with plain numbers for time: buckets, chat intervals, group windows; and
`PacedCalls`, the rate limiter built on it, on a virtual timer."""

from __future__ import annotations

import heapq
import math

import pytest

from core.delivery.pacing import (
    CONSOLE_LIMITS,
    TELEGRAM_LIMITS,
    PacedCalls,
    PaceLimits,
    Pacer,
    TokenBucket,
)
from core.delivery.ratelimit import PlatformCall
from core.domain import Platform


def test_token_bucket_spaces_sends_and_allows_its_burst() -> None:
    bucket = TokenBucket(rate=10, capacity=3)
    for _ in range(3):
        assert bucket.ready_at(0.0) == 0.0
        bucket.take(0.0)
    assert bucket.ready_at(0.0) == pytest.approx(0.1)
    bucket.take(0.1)
    assert bucket.ready_at(0.1) == pytest.approx(0.2)
    bucket.block_until(5.0, 0.2)
    assert bucket.ready_at(0.2) == pytest.approx(5.0)


def test_one_chat_gets_one_message_per_interval_after_the_previous_ended() -> None:
    pacer = Pacer(TELEGRAM_LIMITS)
    assert pacer.ready_at("1", False, 0.0) == 0.0
    pacer.started("1", 0.0)
    assert pacer.chat_ready_at("1", False, 0.2) == math.inf  # in flight
    pacer.finished("1", False, 0.3)
    assert pacer.chat_ready_at("1", False, 0.4) == pytest.approx(1.3)
    assert pacer.chat_ready_at("2", False, 0.4) == 0.4  # other chats are not held


def test_a_terminal_takes_a_burst_at_once_and_at_most_1000_a_second() -> None:
    pacer = Pacer(CONSOLE_LIMITS)
    for n in range(1000):  # 500 jobs' status edits and previews, finished together
        assert pacer.ready_at(f"chat{n}", False, 0.0) == 0.0
        pacer.started(f"chat{n}", 0.0)
        pacer.finished(f"chat{n}", False, 0.0)
    assert pacer.ready_at("one more", False, 0.0) == pytest.approx(1.0)


def test_a_group_gets_at_most_its_window() -> None:
    limits = PaceLimits(
        overall_per_second=1000, chat_interval=0.0, window_messages=20, window_seconds=60
    )
    pacer = Pacer(limits)
    now = 0.0
    for _ in range(20):
        now = pacer.ready_at("g", True, now)
        pacer.started("g", now)
        pacer.finished("g", True, now)
    assert pacer.ready_at("g", True, now) == pytest.approx(60.0)
    assert pacer.chat_ready_at("private", False, now) == now


def test_hold_and_hold_all_follow_retry_after() -> None:
    pacer = Pacer(TELEGRAM_LIMITS)
    pacer.hold("1", 7.0, 10.0)
    assert pacer.ready_at("1", False, 10.0) == pytest.approx(17.0)
    pacer.hold_all(3.0, 10.0)
    assert pacer.ready_at("2", False, 10.0) == pytest.approx(13.0)


def simulate(
    limits: PaceLimits, chats: dict[str, bool], per_chat: int, *, took: float = 0.05
) -> list[tuple[float, float, str]]:
    """Send `per_chat` messages to each chat as fast as the pacer allows (each takes `took`
    seconds); returns (start, end, chat) of every message."""
    pacer, sends, now = Pacer(limits), [], 0.0
    waiting = {chat: per_chat for chat in chats}
    heap = [(0.0, chat) for chat in chats]
    landing: list[tuple[float, int, str]] = []
    while heap or landing:
        ready = pacer.ready_at(heap[0][1], chats[heap[0][1]], now) if heap else math.inf
        if landing and landing[0][0] <= ready:  # what lands before the next may start
            at, index, chat = heapq.heappop(landing)
            now = max(now, at)
            pacer.finished(chat, chats[chat], now)
            sends[index] = (sends[index][0], now, chat)
            if waiting[chat]:
                heapq.heappush(heap, (pacer.chat_ready_at(chat, chats[chat], now), chat))
            continue
        if ready > now:  # a time to look again, like the sender does
            now = ready
            continue
        _, chat = heapq.heappop(heap)
        pacer.started(chat, now)
        sends.append((now, math.inf, chat))
        waiting[chat] -= 1
        heapq.heappush(landing, (now + took, len(sends) - 1, chat))
    return sends


def most_in_any_second(sends: list[tuple[float, float, str]]) -> int:
    """The most messages the platform could see in one rolling second, whenever each one
    reached it between its start and its end: for the latest start `s` in a window, every
    message that started by `s` and had not ended a second before it."""
    return max(
        sum(1 for start, end, _ in sends if start <= latest and end > latest - 1.0 + 1e-9)
        for latest, _, _ in sends
    )


def test_a_simulated_fan_out_keeps_every_telegram_limit() -> None:
    chats = {str(n): n % 5 == 0 for n in range(300)}  # every fifth chat is a group
    sends = simulate(TELEGRAM_LIMITS, chats, per_chat=3)
    assert len(sends) == 900
    assert most_in_any_second(sends) <= 30  # ≤ 30 per rolling second overall
    last: dict[str, float] = {}
    for start, end, chat in sends:  # ≥ 1 s between two messages to one chat
        if chat in last:
            assert start - last[chat] >= 1.0
        last[chat] = end
    duration = sends[-1][0] - sends[0][0]
    bound = 900 / TELEGRAM_LIMITS.overall_per_second
    assert duration <= bound + 2 * TELEGRAM_LIMITS.chat_interval  # and no slower (+ the tail)


@pytest.mark.parametrize("took", [0.002, 0.05, 0.4, 1.5])
def test_the_overall_limit_holds_however_long_messages_take(took: float) -> None:
    """Slow uploads (or a late event loop, which the burst lets the sender catch up on) never
    let the platform see more than 30 messages in a second."""
    chats = {str(n): False for n in range(400)}
    sends = simulate(TELEGRAM_LIMITS, chats, per_chat=1, took=took)
    assert len(sends) == 400
    assert most_in_any_second(sends) <= 30


def test_messages_in_flight_count_against_the_overall_second() -> None:
    limits = PaceLimits(
        overall_per_second=3, chat_interval=0.0, window_messages=100, window_seconds=60, burst=3
    )
    pacer = Pacer(limits)
    for chat in "abc":
        assert pacer.ready_at(chat, False, 0.0) == 0.0
        pacer.started(chat, 0.0)
    assert pacer.ready_at("d", False, 0.0) > 0.0  # three in flight: the fourth waits
    pacer.finished("a", False, 0.5)
    pacer.finished("b", False, 0.6)
    pacer.finished("c", False, 0.7)
    assert pacer.ready_at("d", False, 0.7) == pytest.approx(1.5)  # when "a" left the second


class VirtualTimer:
    """Platform seconds that pass only when someone sleeps (one caller at a time here)."""

    scale = 1.0

    def __init__(self) -> None:
        self.at = 0.0

    def now(self) -> float:
        return self.at

    async def sleep(self, seconds: float) -> None:
        self.at += max(0.0, seconds)


async def test_paced_calls_keep_telegram_limits_call_by_call() -> None:
    timer = VirtualTimer()
    limiter = PacedCalls(TELEGRAM_LIMITS, timer)
    started: list[float] = []

    async def send() -> str:
        started.append(timer.now())
        return "sent"

    for _ in range(3):
        assert await limiter.process(PlatformCall(Platform.TELEGRAM, "send_message", "7"), send)
    assert started == [0.0, 1.0, 2.0], "one message per second in a private chat"

    started.clear()
    group = PlatformCall(Platform.TELEGRAM, "send_message", "-100", group=True)
    for _ in range(21):
        await limiter.process(group, send)
    assert started[20] - started[0] >= TELEGRAM_LIMITS.window_seconds, "20 a minute in a group"

    before = timer.now()
    await limiter.process(PlatformCall(Platform.TELEGRAM, "answer_callback_query"), send)
    assert timer.now() == before, "a call to no chat goes straight out"
