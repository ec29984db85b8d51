"""The outbox sender records what it sent as a group commit (core/delivery/sender.py): a
message sent while the record before is being written joins the next record, so a burst of
previews is a few UPDATEs instead of one per message (a job's status edit and its preview
land in different turns of the loop, and were two), and a message stays in flight until its
own record has landed."""

from __future__ import annotations

import asyncio

from core.clock import MonotonicTimer
from core.delivery.pacing import PaceLimits, Pacer
from core.delivery.replies import Reply
from core.delivery.reply_codec import encode_reply
from core.delivery.sender import OutboxSender
from core.domain import OutboxOperation, OutboxState, Platform
from core.persistence.models import OutboxMessage

FAST = PaceLimits(
    overall_per_second=10_000, chat_interval=0.0, window_messages=10_000, window_seconds=1.0
)


def row(n: int) -> OutboxMessage:
    return OutboxMessage(
        id=n,
        platform=Platform.CONSOLE,
        chat_key=f"c{n}",
        group_chat=False,
        target={"chat_id": f"c{n}"},
        reply=encode_reply(Reply(text=f"m{n}")),
        dedupe_key=f"k{n}",
        operation=OutboxOperation.SEND,
        state=OutboxState.SENDING,
        attempts=1,
    )


class HeldOutbox:
    """Hands out its rows once; records each `sent` call, holding the first until released."""

    def __init__(self, rows: list[OutboxMessage]) -> None:
        self.rows = rows
        self.records: list[tuple[int, ...]] = []
        self.first_started = asyncio.Event()
        self.release_first = asyncio.Event()

    async def claim(self, platform: Platform, limit: int) -> list[OutboxMessage]:
        rows, self.rows = self.rows[:limit], self.rows[limit:]
        return rows

    async def taken_down(self, message: OutboxMessage) -> bool:
        return False

    async def sent(self, *message_ids: int) -> None:
        self.records.append(message_ids)
        if len(self.records) == 1:
            self.first_started.set()
            await self.release_first.wait()


class Platform_:
    """Takes every message at once; sends the later ones only after the first is sent."""

    def __init__(self, expected: int) -> None:
        self.sent: list[str] = []
        self.go_on = asyncio.Event()
        self.expected = expected
        self.all_sent = asyncio.Event()

    async def send_to(self, target: dict[str, str], reply: Reply) -> int:
        if self.sent:
            await self.go_on.wait()
        self.sent.append(target["chat_id"])
        if len(self.sent) == self.expected:
            self.all_sent.set()
        return len(self.sent)


class Outcomes:
    async def sent(self, message: OutboxMessage) -> None:
        return None


def sender(outbox: HeldOutbox, platform: Platform_) -> OutboxSender:
    return OutboxSender(
        Platform.CONSOLE,
        messenger=platform,
        outbox=outbox,  # type: ignore[arg-type]
        pacer=Pacer(FAST),
        outcomes=Outcomes(),  # type: ignore[arg-type]
        timer=MonotonicTimer(),
        idle_poll=30.0,
    )


async def test_messages_sent_while_a_record_is_written_are_recorded_together() -> None:
    outbox, platform = HeldOutbox([row(n) for n in range(1, 11)]), Platform_(10)
    sending = sender(outbox, platform)
    sending.start()
    try:
        async with asyncio.timeout(30):
            await outbox.first_started.wait()  # message 1 sent, its record being written
            platform.go_on.set()  # the other nine are sent meanwhile
            await platform.all_sent.wait()
            for _ in range(20):  # turns of the loop: none of them may record before the first
                await asyncio.sleep(0)
            assert outbox.records == [(1,)]
            drained = asyncio.create_task(sending.drain())
            await asyncio.sleep(0.05)
            assert not drained.done()  # in flight until recorded
            outbox.release_first.set()
            await drained
    finally:
        await sending.stop()
    assert outbox.records == [(1,), tuple(range(2, 11))]


async def test_a_lone_message_is_recorded_at_once() -> None:
    outbox, platform = HeldOutbox([row(1)]), Platform_(1)
    outbox.release_first.set()
    sending = sender(outbox, platform)
    sending.start()
    try:
        async with asyncio.timeout(30):
            await sending.drain()
    finally:
        await sending.stop()
    assert outbox.records == [(1,)]
