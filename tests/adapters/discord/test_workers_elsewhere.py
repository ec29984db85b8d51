"""Generation workers in a process without the Discord adapter (issue #19).

The Discord process took /imagine and showed the status as an ephemeral interaction
response; a workers-only process (no Discord token, no gateway) runs the job. Only the
interaction's token can edit an ephemeral response, so the Discord process keeps it with the
job (a secret, valid 15 minutes, never in a target or an outbox row); the workers process
queues the status edit in the outbox, and the Discord process's sender makes it with that
token (PATCH /webhooks/{app}/{token}/messages/@original), through the rate limiter. Once the
token has expired, or Discord refuses it, the update comes by DM, saying why.

Two apps on one database stand for the processes, and their one clock for the machines'
(tests/e2e runs real processes); the fake Discord refuses an expired or unknown token as
Discord does (401 50027, 404 10015). SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import pytest

from bot.bootstrap import build
from core.clock import FakeClock
from core.delivery.outbox import EDITS
from core.delivery.ratelimit import PlatformCall
from core.domain import JobState, OutboxState, Platform
from core.generation.jobs import EDITED_JOB, STATUS_MESSAGE
from core.persistence.models import GenerationJob, OutboxMessage
from core.settings import Settings
from tests.adapters.discord.conftest import DiscordWorld
from tests.support.fake_discord import FakeDiscord, StoredMessage
from tests.support.fakes import FakeModerator, FakeProvider
from tests.support.workers_elsewhere import queued, send_what_waits, workers_process

Result = TypeVar("Result")


class RecordingLimiter:
    """Lets every call through and records which ones it saw."""

    def __init__(self) -> None:
        self.methods: list[str] = []

    async def process(self, call: PlatformCall, send: Callable[[], Awaitable[Result]]) -> Result:
        self.methods.append(call.method)
        return await send()


@asynccontextmanager
async def discord_process(
    settings: Settings, clock: FakeClock, fake: FakeDiscord, limiter: RecordingLimiter
) -> AsyncIterator[DiscordWorld]:
    app = build(
        settings,
        clock=clock,
        roles=frozenset({"discord"}),
        provider=FakeProvider(),
        moderator=FakeModerator(),
    )
    await app.start(migrate=False)
    world = DiscordWorld(fake, app)
    try:
        await world.start(limiter=limiter)
        yield world
    finally:
        await world.stop()
        await app.stop()


def direct_messages(world: DiscordWorld, user_id: int) -> list[StoredMessage]:
    dm = world.fake.dm_channels.get(user_id)
    return world.fake.channel_messages(dm) if dm else []


async def imagine_elsewhere(
    world: DiscordWorld, prompt: str
) -> tuple[StoredMessage, int, GenerationJob]:
    """Alice's /imagine in a guild channel, seen by the Discord process only."""
    alice = world.person("alice", world.fake.guild_channel())
    started = await alice.start_slash("imagine", prompt=prompt)
    (status,) = await world.settle(started)
    assert status.ephemeral and "is queued" in status.text
    job = await GenerationJob.get()
    assert job.state is JobState.QUEUED  # nobody here runs it
    return status, alice.user.id, job


async def test_a_workers_only_process_edits_the_ephemeral_status_with_the_kept_token(
    settings: Settings,
    clock: FakeClock,
    fake_discord: FakeDiscord,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # At INFO and above, the levels to run with, the token is in no log line. (At DEBUG,
    # discord.py logs whole gateway events and tortoise every query's parameters: tokens too.)
    caplog.set_level(logging.INFO)
    limiter = RecordingLimiter()
    async with discord_process(settings, clock, fake_discord, limiter) as world:
        status, alice, job = await imagine_elsewhere(world, "a fox in the snow")
        assert job.reply_target[STATUS_MESSAGE] == "@original"
        assert job.status_token is not None  # kept with the job …
        assert job.status_token not in repr(job.reply_target)  # … and nowhere else

        async with workers_process(settings, clock=clock):
            await queued(Platform.DISCORD, 2)
            edit, _ = await OutboxMessage.filter(platform=Platform.DISCORD).order_by("id")
            assert edit.target[EDITS] == "@original" and edit.target[EDITED_JOB] == str(job.id)
            assert job.status_token not in repr([edit.target, edit.reply])  # not in the outbox
            before = len(limiter.methods)
            await send_what_waits(world.app, Platform.DISCORD)
            edited = fake_discord.store.by_id[status.id]
            assert edited.ephemeral and edited.text.startswith(f"✅ Job #{job.id} is done")
            (shown,) = direct_messages(world, alice)  # only the preview: the status was edited
            assert "Preview" in shown.text
            assert limiter.methods[before] == "interaction.edit_original_response"  # paced
            assert (await GenerationJob.get()).status_token is None  # its last edit: forgotten
            assert await OutboxMessage.filter(state=OutboxState.SENT).count() == 2
            assert fake_discord.all_violations() == []
            assert job.status_token not in caplog.text


async def test_after_the_token_expired_the_status_comes_by_dm_saying_why(
    settings: Settings, clock: FakeClock, fake_discord: FakeDiscord
) -> None:
    limiter = RecordingLimiter()
    async with discord_process(settings, clock, fake_discord, limiter) as world:
        status, alice, job = await imagine_elsewhere(world, "an owl at night")
        clock.advance(minutes=16)  # the job waited longer than the token lives
        async with workers_process(settings, clock=clock):
            await queued(Platform.DISCORD, 2)
            before = len(limiter.methods)
            await send_what_waits(world.app, Platform.DISCORD)
            assert "is queued" in fake_discord.store.by_id[status.id].text  # not touched
            done, preview = direct_messages(world, alice)
            assert done.text.startswith(f"✅ Job #{job.id} is done")
            assert "15 minutes" in done.text and "direct message" in done.text
            assert "Preview" in preview.text
            assert "interaction.edit_original_response" not in limiter.methods[before:]
            assert (await GenerationJob.get()).status_token is None
            assert fake_discord.all_violations() == []  # the expired token was never sent


async def test_a_token_discord_refuses_falls_back_to_a_dm(
    settings: Settings, clock: FakeClock, fake_discord: FakeDiscord
) -> None:
    limiter = RecordingLimiter()
    async with discord_process(settings, clock, fake_discord, limiter) as world:
        _, alice, job = await imagine_elsewhere(world, "a heron in the reeds")
        clock.advance(minutes=16)
        # Our clock says it still works (a skewed machine): Discord refuses it (401 50027).
        await GenerationJob.filter(id=job.id).update(
            status_token_until=clock.now().replace(year=clock.now().year + 1)
        )
        async with workers_process(settings, clock=clock):
            await queued(Platform.DISCORD, 2)
            await send_what_waits(world.app, Platform.DISCORD)
            done, preview = direct_messages(world, alice)
            assert done.text.startswith(f"✅ Job #{job.id} is done") and "15 minutes" in done.text
            assert "Preview" in preview.text
            assert (await GenerationJob.get()).status_token is None
            (refused,) = fake_discord.all_violations()
            assert "interaction token expired" in refused
