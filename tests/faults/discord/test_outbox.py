"""Faults of the Discord platform for messages that go through the outbox (a channel's
digest, a notice to its owner), through the real discord.py against the fake Discord: a 429
longer than discord.py waits out, a channel that refuses the bot (403), a channel that is gone
(404), and a connection cut before the answer. SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio

from core.clock import FakeClock
from core.delivery.sender import MonotonicTimer, OutboxSender
from core.domain import DigestState, OutboxState, Platform
from core.persistence.models import Destination, DigestSubscription, OutboxMessage
from tests.adapters.discord.conftest import DiscordWorld, Person
from tests.adapters.discord.helpers import account_of, post_by
from tests.digests.helpers import FAST
from tests.support.fake_discord import Place, StoredMessage

SCALE = 0.01  # a platform second lasts 10 ms for the outbox's waits


async def channel_with_digest(world: DiscordWorld) -> tuple[Place, Person, OutboxSender]:
    """A guild channel whose admin (who also talks to the bot by DM) subscribed a digest."""
    adapter = await world.start()
    sender = world.app.add_messenger(
        Platform.DISCORD, adapter.messenger, limits=FAST, timer=MonotonicTimer(SCALE)
    )
    place = world.fake.guild_channel()
    carol = world.fake.user("carol")
    owner = Person(world, carol, place, admin=True)
    await Person(world, carol, world.fake.dm(carol)).slash("help")  # by DM: reachable there
    bob = await account_of(world.app, world.fake.user("bob"))
    for n in range(4):
        await post_by(world.app, bob, n, caption=f"owls at night {n}")
    (answer,) = await owner.slash("digest subscribe", schedule="daily 08:30 Europe/Berlin 4")
    assert "is set up" in answer.text
    return place, owner, sender


async def deliver(world: DiscordWorld, sender: OutboxSender, clock: FakeClock) -> None:
    """Send what is due, then again after each backoff (seconds), until nothing waits."""
    for _ in range(8):
        await world.app.scheduler.tick()
        await asyncio.wait_for(sender.drain(), 20)
        waiting = OutboxMessage.filter(state__in=[OutboxState.PENDING, OutboxState.SENDING])
        if not await waiting.exists():
            return
        clock.advance(seconds=30)  # past the first backoffs, within Discord's nonce window
    raise AssertionError("messages still waiting")


def digests_in(world: DiscordWorld, place: Place) -> list[StoredMessage]:
    return [
        m
        for m in world.fake.channel_messages(place.channel_id)
        if m.embed.get("title", "").startswith("📰")
    ]


def told_by_dm(world: DiscordWorld, owner: Person) -> list[str]:
    dm = world.fake.dm_channels[owner.user.id]
    return [m.text for m in world.fake.channel_messages(dm)]


async def test_a_cut_connection_after_discord_took_the_digest_makes_no_second_copy(
    world: DiscordWorld, clock: FakeClock
) -> None:
    place, _, sender = await channel_with_digest(world)
    world.fake.drop_next(1)
    clock.advance(hours=20)
    await deliver(world, sender, clock)
    assert world.fake.dropped == 1 and sender.stats.transient == 1, "it was sent again"
    assert len(digests_in(world, place)) == 1, "Discord kept one: the same nonce"
    assert await OutboxMessage.filter(state=OutboxState.SENT).count() == 1
    assert world.fake.all_violations() == []


async def test_a_long_429_is_waited_out_by_the_outbox_and_sent_once(
    world: DiscordWorld, clock: FakeClock
) -> None:
    place, _, sender = await channel_with_digest(world)
    path = f"/channels/{place.channel_id}/messages"
    world.fake.rate_limit_next("POST", path, retry_after=45)  # over max_ratelimit_timeout
    clock.advance(hours=20)
    await deliver(world, sender, clock)
    assert sender.stats.retry_after == 1
    tries = [r for r in world.fake.requests if r.method == "POST" and r.path == path]
    assert len(tries) == 2 and len(digests_in(world, place)) == 1
    assert world.fake.all_violations() == []


async def test_a_channel_that_refuses_the_bot_pauses_the_digest_and_the_owner_is_told(
    world: DiscordWorld, clock: FakeClock
) -> None:
    place, owner, sender = await channel_with_digest(world)
    world.fake.forbidden_channels.add(place.channel_id)
    clock.advance(hours=20)
    await deliver(world, sender, clock)
    destination = await Destination.get(platform=Platform.DISCORD, chat_id=str(place.channel_id))
    assert destination.paused_reason is not None and "50001" in destination.paused_reason
    assert (await DigestSubscription.get()).state is DigestState.PAUSED
    told = told_by_dm(world, owner)
    assert len(told) == 1 and "paused" in told[0].lower() and "50001" in told[0], told

    clock.advance(days=1)
    await deliver(world, sender, clock)
    tries = [r for r in world.fake.requests if r.path == f"/channels/{place.channel_id}/messages"]
    assert len(tries) == 1, "nothing more is tried there"


async def test_a_channel_that_is_gone_pauses_the_digest_and_the_owner_is_told(
    world: DiscordWorld, clock: FakeClock
) -> None:
    place, owner, sender = await channel_with_digest(world)
    world.fake.unknown_channels.add(place.channel_id)
    clock.advance(hours=20)
    await deliver(world, sender, clock)
    assert (await DigestSubscription.get()).state is DigestState.PAUSED
    told = told_by_dm(world, owner)
    assert len(told) == 1 and "10003" in told[0], told
