"""Background tasks end when the process stops (issue #16, finding 1).

On Python 3.11 `asyncio.wait_for` returns normally when a cancellation arrives in the same
loop turn as the thing it waits for: the outbox sender's loop then never ended and
`mosaic chat` hung at exit. These tests race a wake-up against the stop at every offset.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from core.clock import MonotonicTimer
from core.delivery.pacing import PaceLimits, Pacer
from core.delivery.sender import OutboxSender
from core.domain import Platform
from core.lifecycle import stop_tasks

FAST = PaceLimits(
    overall_per_second=10_000, chat_interval=0.0, window_messages=10_000, window_seconds=1.0
)


class EmptyOutbox:
    """Nothing to send: the sender waits for work, as on an idle console."""

    async def claim(self, platform: Platform, limit: int) -> list[object]:
        return []


def idle_sender() -> OutboxSender:
    return OutboxSender(
        Platform.CONSOLE,
        messenger=object(),  # type: ignore[arg-type]  # never asked to send
        outbox=EmptyOutbox(),  # type: ignore[arg-type]
        pacer=Pacer(FAST),
        outcomes=object(),  # type: ignore[arg-type]
        timer=MonotonicTimer(),
        idle_poll=30.0,
    )


@pytest.mark.parametrize("turns", range(6))
async def test_a_wake_up_racing_the_stop_does_not_keep_the_sender_alive(turns: int) -> None:
    sender = idle_sender()
    sender.start()
    await asyncio.sleep(0.01)  # waiting for work
    loop_task = sender._task
    assert loop_task is not None
    sender.wake()  # new messages arrive ...
    for _ in range(turns):
        await asyncio.sleep(0)
    loop_task.cancel()  # ... as the process stops
    await asyncio.wait({loop_task}, timeout=2)
    assert loop_task.done(), f"the outbox loop survived its cancellation ({turns} turns)"
    await sender.stop()


async def test_stop_tasks_is_bounded_and_names_a_task_that_ignores_its_cancel(
    caplog: pytest.LogCaptureFixture,
) -> None:
    release = asyncio.Event()

    async def stubborn() -> None:
        while not release.is_set():
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                continue  # the bug under test: a swallowed cancellation

    task = asyncio.create_task(stubborn(), name="stubborn")
    await asyncio.sleep(0)
    with caplog.at_level(logging.ERROR):
        async with asyncio.timeout(2):
            await stop_tasks([task], grace=0.2)
    assert "stubborn did not end" in caplog.text
    release.set()
    task.cancel()
    await asyncio.wait({task}, timeout=1)


async def test_stop_tasks_lets_the_callers_own_cancellation_through() -> None:
    async def slow() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            await asyncio.sleep(10)  # slow to clean up
            raise

    child = asyncio.create_task(slow())
    await asyncio.sleep(0)
    stopper = asyncio.create_task(stop_tasks([child], grace=30))
    await asyncio.sleep(0.05)
    stopper.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stopper
    child.cancel()


class SlowLeadership:
    """A tick that is still asking the database who leads when the process stops."""

    def __init__(self) -> None:
        self.asked = asyncio.Event()

    async def acquire(self) -> bool:
        self.asked.set()
        await asyncio.sleep(30)
        return True

    async def still_leading(self) -> bool:
        return True

    async def release(self) -> None:
        return None


async def test_stopping_mid_tick_is_quiet_and_prompt(caplog: pytest.LogCaptureFixture) -> None:
    from scheduler.service import Scheduler

    leadership = SlowLeadership()
    scheduler = Scheduler(
        leadership,
        sender_leadership=lambda platform: leadership,
        runner=object(),  # type: ignore[arg-type]  # never reached
        notifications=object(),  # type: ignore[arg-type]
        outbox=object(),  # type: ignore[arg-type]
        senders={},
        tick_seconds=30,
    )
    with caplog.at_level(logging.WARNING):
        await scheduler.start()
        async with asyncio.timeout(5):
            await leadership.asked.wait()
        async with asyncio.timeout(5):
            await scheduler.stop()
        await asyncio.sleep(0.05)  # the executor would log the cancelled job now
    assert "raised an exception" not in caplog.text
    assert not [task for task in asyncio.all_tasks() if task.get_name() == "scheduler-tick"]
