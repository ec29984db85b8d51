"""The pacer alone, with plain numbers for time: buckets, chat intervals, group windows."""

from __future__ import annotations

import heapq
import math
from collections import deque

import pytest

from core.delivery.pacing import TELEGRAM_LIMITS, PaceLimits, Pacer, TokenBucket


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


def simulate(limits: PaceLimits, chats: dict[str, bool], per_chat: int) -> list[tuple[float, str]]:
    """Send `per_chat` messages to each chat as fast as the pacer allows (each takes 50 ms)."""
    pacer, sends, now = Pacer(limits), [], 0.0
    waiting = {chat: per_chat for chat in chats}
    heap = [(0.0, chat) for chat in chats]
    landing: list[tuple[float, str]] = []
    while heap or landing:
        if landing and (not heap or landing[0][0] <= heap[0][0]):
            at, chat = heapq.heappop(landing)
            now = max(now, at)
            pacer.finished(chat, chats[chat], now)
            if waiting[chat]:
                heapq.heappush(heap, (pacer.chat_ready_at(chat, chats[chat], now), chat))
            continue
        _, chat = heapq.heappop(heap)
        ready = pacer.ready_at(chat, chats[chat], now)
        if ready > now:
            now = ready
        pacer.started(chat, now)
        sends.append((now, chat))
        waiting[chat] -= 1
        heapq.heappush(landing, (now + 0.05, chat))
    return sends


def test_a_simulated_fan_out_keeps_every_telegram_limit() -> None:
    chats = {str(n): n % 5 == 0 for n in range(300)}  # every fifth chat is a group
    sends = simulate(TELEGRAM_LIMITS, chats, per_chat=3)
    assert len(sends) == 900
    window: deque[float] = deque()
    for at, _ in sends:  # ≤ 30 per rolling second overall
        window.append(at)
        while window[0] <= at - 1.0:
            window.popleft()
        assert len(window) <= 30
    last: dict[str, float] = {}
    for at, chat in sends:  # ≥ 1 s between two sends to one chat
        if chat in last:
            assert at - last[chat] >= 1.0
        last[chat] = at
    duration = sends[-1][0] - sends[0][0]
    bound = 900 / TELEGRAM_LIMITS.overall_per_second
    assert duration <= bound + 2 * TELEGRAM_LIMITS.chat_interval  # and no slower (+ the tail)
