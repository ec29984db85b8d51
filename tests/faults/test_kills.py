"""`kill -9` in the middle of work, on SQLite and PostgreSQL (issue #16):

- a Discord process whose outbox sender is mid-send (Discord made the messages, the answers
  are not back): the process that takes over sends every message again with the same nonce,
  and Discord keeps one of each;
- the scheduler leader mid-composition of a digest (the run was claimed and persisted before
  the work started): the follower takes the leadership and the digest arrives once.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.bootstrap import App, build
from core.digests import parse_request
from core.domain import ChatKind, OutboxState, Platform, RunState
from core.persistence.models import DigestRun, DigestSubscription, OutboxMessage
from core.settings import Settings
from core.social import Origin
from tests.digests.test_processes import worker
from tests.support.fake_discord import FakeDiscord, Place
from tests.support.fakes import FakeModerator, FakeProvider
from tests.support.images import png_bytes

pytestmark = pytest.mark.slow  # processes started and killed

CHANNELS = 12
MADE_BEFORE_THE_KILL = 4


async def owls_by_bob(app: App) -> None:
    bob = await app.services.accounts.resolve(Platform.CONSOLE, "bob", "bob", handle_hint="bob")
    for n in range(4):
        await app.services.posts.create(
            bob, png_bytes((40 * n, 80, 120)), caption=f"owls {n}", origin=Origin(Platform.CONSOLE)
        )


async def subscribe_channels(app: App, places: list[Place]) -> None:
    """A daily digest in each Discord channel, due now (the workers run on the real clock)."""
    await owls_by_bob(app)
    owner = await app.services.accounts.resolve(Platform.DISCORD, "1", "Owner")
    request = parse_request("daily 08:30 Europe/Berlin 4", app.services.digests.calculator)
    for place in places:
        destination = await app.services.destinations.get(
            Platform.DISCORD, str(place.channel_id), kind=ChatKind.CHANNEL
        )
        target = {"channel": str(place.channel_id), "server": str(place.guild_id)}
        await app.services.digests.subscribe(owner, destination, target, request, personal=False)
    await DigestSubscription.all().update(next_run_at=datetime.now(UTC) - timedelta(minutes=1))


async def test_a_discord_process_killed_mid_send_leaves_every_message_delivered_once(
    settings: Settings, database_url: str, tmp_path: Path
) -> None:
    fake = FakeDiscord()
    await fake.start()
    places = [fake.guild_channel() for _ in range(CHANNELS)]
    app = build(settings, provider=FakeProvider(), moderator=FakeModerator())
    await app.start(migrate=False)
    try:
        await subscribe_channels(app, places)
        fake.hold_answers_after(MADE_BEFORE_THE_KILL)
        args = (fake.rest_base, fake.gateway_url)
        async with worker(database_url, tmp_path / "a", "discord", *args) as first:
            await first.until("delivered", MADE_BEFORE_THE_KILL)
            await fake.wait_until(lambda: fake.held >= 1)  # made by Discord, answer not back
            await first.kill()
        made = fake.created_messages
        assert made > MADE_BEFORE_THE_KILL
        in_flight = await OutboxMessage.filter(state=OutboxState.SENDING).count()
        assert in_flight >= fake.held >= 1  # the dead process never learnt they arrived
        fake.release_held()

        async with worker(database_url, tmp_path / "b", "discord", *args) as second:
            await second.until("delivered", CHANNELS - MADE_BEFORE_THE_KILL)
        digests = Counter(
            m.channel_id
            for m in fake.messages.values()
            if m.embed.get("title", "").startswith("📰")
        )
        assert digests == Counter({p.channel_id: 1 for p in places}), "lost or sent twice"
        assert fake.created_messages == CHANNELS  # the repeats were Discord's nonce answers
        assert await DigestRun.filter(state=RunState.DELIVERED).count() == CHANNELS
        assert not await OutboxMessage.exclude(state=OutboxState.SENT).exists()
        assert fake.all_violations() == []
    finally:
        fake.release_held()
        await app.stop()
        await fake.stop()


async def test_the_leader_killed_mid_composition_is_replaced_and_each_digest_arrives_once(
    settings: Settings, database_url: str, tmp_path: Path
) -> None:
    app = build(settings, provider=FakeProvider(), moderator=FakeModerator())
    await app.start(migrate=False)
    try:
        await owls_by_bob(app)
        owner = await app.services.accounts.resolve(Platform.CONSOLE, "owner", "owner")
        request = parse_request("daily 08:30 Europe/Berlin 4", app.services.digests.calculator)
        rooms = [f"room{n}" for n in range(3)]
        for room in rooms:
            place = await app.services.destinations.get(Platform.CONSOLE, room, kind=ChatKind.GROUP)
            await app.services.digests.subscribe(
                owner, place, {"chat_id": room}, request, personal=False
            )
        await DigestSubscription.all().update(next_run_at=datetime.now(UTC) - timedelta(minutes=1))
        async with worker(database_url, tmp_path / "a", "stall", "1") as leader:
            await leader.until("composing")
            # persisted before the work started: the claimed runs are in the database
            assert await DigestRun.filter(state=RunState.CLAIMED).count() == len(rooms)
            async with worker(database_url, tmp_path / "b", "print", "1") as follower:
                await follower.until("started")
                await leader.kill()
                await follower.until("delivered", len(rooms))
        sent = [line for line in follower.lines if line.startswith("sent ")]
        assert Counter(line.split(" ", 2)[1] for line in sent) == Counter(
            {f'{{"chat_id":"{room}"}}': 1 for room in rooms}
        )
        assert not [line for line in leader.lines if line.startswith("sent ")]
        assert await DigestRun.filter(state=RunState.DELIVERED).count() == len(rooms)
        assert await DigestRun.all().count() == len(rooms)
    finally:
        await app.stop()
