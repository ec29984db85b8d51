"""Each platform's outbox is sent by a process that can reach that platform (issue #16).

A Telegram process and a Discord process (and any number of console chats) share one
database. Only one of them leads the scheduler, but every platform's messages go out: the
sender of each platform has a leadership of its own, held by one of the processes that have
that platform's messenger. Two apps on one database stand for the processes here; the real
processes run in tests/reliability/test_many_processes.py. SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.bootstrap import App, build
from core.delivery import OutboxItem
from core.delivery.replies import Reply
from core.delivery.reply_codec import encode_reply
from core.domain import OutboxState, Platform
from core.persistence.models import OutboxMessage
from core.settings import Settings
from tests.core.test_generation_jobs import RecordingMessenger
from tests.digests.helpers import FAST
from tests.support.fakes import FakeModerator, FakeProvider


@asynccontextmanager
async def process(settings: Settings) -> AsyncIterator[App]:
    app = build(settings, provider=FakeProvider(), moderator=FakeModerator())
    await app.start(migrate=False)
    try:
        yield app
    finally:
        await app.stop()


def item(platform: Platform, chat: str) -> OutboxItem:
    return OutboxItem(
        platform=platform,
        chat_key=chat,
        target={"chat_id": chat, "channel": chat},
        reply=encode_reply(Reply(text=f"hello {chat}")),
        dedupe_key=f"hello:{platform}:{chat}",
    )


async def delivered(messenger: RecordingMessenger, count: int) -> None:
    while len(messenger.sent) < count:
        messenger.arrived.clear()
        await messenger.arrived.wait()


async def test_a_telegram_process_and_a_discord_process_each_send_their_own(
    settings: Settings,
) -> None:
    telegram, discord = RecordingMessenger(), RecordingMessenger()
    async with (
        process(settings) as console,
        process(settings) as first,
        process(settings) as second,
    ):
        await console.scheduler.tick()  # a console chat ticks first: it leads the scheduler
        first.add_messenger(Platform.TELEGRAM, telegram, limits=FAST)
        second.add_messenger(Platform.DISCORD, discord, limits=FAST)
        await first.outbox.add([item(Platform.TELEGRAM, f"t{n}") for n in range(3)])
        await second.outbox.add([item(Platform.DISCORD, f"d{n}") for n in range(3)])
        for app in (first, second, console):
            await app.scheduler.tick()
        await asyncio.wait_for(delivered(telegram, 3), 20)
        await asyncio.wait_for(delivered(discord, 3), 20)
        assert sorted(t["chat_id"] for t, _ in telegram.sent) == ["t0", "t1", "t2"]
        assert sorted(t["channel"] for t, _ in discord.sent) == ["d0", "d1", "d2"]
        await asyncio.sleep(0.2)  # nothing more arrives: each once
        assert len(telegram.sent) == 3 and len(discord.sent) == 3
        assert await OutboxMessage.filter(state=OutboxState.SENT).count() == 6
