"""A workers-only app beside a platform's app on one database (issue #19): two apps in one
test stand for two processes. Shared by the Telegram and Discord tests of status edits and
previews made by a process that runs the generation workers and no adapter."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.bootstrap import App, build
from core.clock import Clock
from core.domain import Platform
from core.persistence.models import OutboxMessage
from core.settings import Settings
from tests.support.fakes import FakeModerator, FakeProvider

LIMIT = 30.0


@asynccontextmanager
async def workers_process(
    settings: Settings, *, clock: Clock | None = None, poll: float = 2.0
) -> AsyncIterator[App]:
    """The workers role alone: no platform token, so this app cannot reach any platform."""
    alone = Settings(
        MOSAIC_DATA_DIR=settings.data_dir,  # one machine: the same images folder
        MOSAIC_DATABASE_URL=settings.resolved_database_url,
        _env_file=None,
    )
    app = build(
        alone,
        clock=clock,
        roles=frozenset({"workers"}),
        provider=FakeProvider(),
        moderator=FakeModerator(),
        worker_poll=poll,
    )
    await app.start(migrate=False)
    try:
        yield app
    finally:
        await app.stop()


async def queued(platform: Platform, count: int) -> None:
    """Until the workers app queued `count` messages for `platform` in the outbox."""
    async with asyncio.timeout(LIMIT):
        while await OutboxMessage.filter(platform=platform).count() < count:  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def send_what_waits(app: App, platform: Platform) -> None:
    """The platform app leads `platform`'s outbox and sends what waits there."""
    sender = app.scheduler.senders[platform]
    await app.scheduler.tick()
    await asyncio.wait_for(sender.drain(), LIMIT)
