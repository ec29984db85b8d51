"""Digests through the real discord.py client and the fake Discord: a channel subscribed by
an admin gets an embed with the collage and buttons; more channels than the global limit lets
through in two seconds get theirs within the rate limits, once each; an unknown channel is
paused without stopping the others."""

from __future__ import annotations

import asyncio

from core.clock import FakeClock
from core.delivery.pacing import PaceLimits
from core.digests import parse_request
from core.domain import ChatKind, DigestState, OutboxState, Platform
from core.persistence.models import Destination, DigestSubscription, OutboxMessage
from tests.adapters.discord.conftest import DiscordWorld
from tests.adapters.discord.helpers import account_of, post_by

# the fan-out: 2.5 seconds' worth of the fake's global limit (40/s; it was 200 channels, 5
# seconds' worth: a window crossed twice checks the pacing as well as five times)
FAN_OUT_CHANNELS, GLOBAL_PER_SECOND = 100, 40


async def test_an_admin_subscribes_a_channel_and_its_digest_arrives_as_an_embed(
    world: DiscordWorld, clock: FakeClock
) -> None:
    await world.start()
    place = world.fake.guild_channel()
    admin = world.person("carol", place, admin=True)
    member = world.person("dave", place)
    bob = await account_of(world.app, world.fake.user("bob"))
    for n in range(7):
        await post_by(world.app, bob, n, caption=f"cats on a roof {n}")

    (refused,) = await member.slash("digest subscribe", schedule="daily 08:30 Europe/Berlin")
    assert "Only the admins" in refused.text
    (answer,) = await admin.slash("digest subscribe", schedule="daily 08:30 Europe/Berlin 7 cats")
    assert "Digest #1 is set up" in answer.text

    clock.advance(hours=20)
    await world.app.scheduler.tick()
    await asyncio.wait_for(world.app.scheduler.senders[Platform.DISCORD].drain(), 20)
    (digest,) = world.fake.channel_messages(place.channel_id)
    assert digest.embed["title"].startswith("📰 Digest of #general")
    (attachment,) = digest.payload["attachments"]
    assert digest.embed["image"]["url"] == f"attachment://{attachment['filename']}"
    rows = digest.payload["components"]
    assert len(rows) == 5 and sum(len(r["components"]) for r in rows) <= 25  # 7 items packed
    assert world.fake.all_violations() == []

    (liked,) = await member.press(digest, "❤ 1")
    assert "You like post" in liked.text


async def test_a_fan_out_past_the_global_limit_keeps_the_limits_and_sends_each_once(
    world: DiscordWorld, clock: FakeClock
) -> None:
    rates = world.fake.enforce_rate_limits(
        global_per_second=GLOBAL_PER_SECOND, channel_messages=5, window=5
    )
    adapter = await world.start()
    app = world.app
    sender = app.add_messenger(  # the same limits, scaled like the fake's
        Platform.DISCORD,
        adapter.messenger,
        limits=PaceLimits(
            overall_per_second=36,
            chat_interval=0.2,
            window_messages=5,
            window_seconds=5,
            window_for_private_chats=True,
        ),
    )
    owner = await account_of(app, world.fake.user("carol"))
    bob = await account_of(app, world.fake.user("bob"))
    for n in range(4):
        await post_by(app, bob, n)
    request = parse_request("daily 08:30 Europe/Berlin 4", app.services.digests.calculator)
    channels = [world.fake.guild_channel() for _ in range(FAN_OUT_CHANNELS)]
    assert len(channels) > 2 * GLOBAL_PER_SECOND
    gone = channels[7].channel_id
    world.fake.unknown_channels.add(gone)
    for place in channels:
        destination = await app.services.destinations.get(
            Platform.DISCORD, str(place.channel_id), kind=ChatKind.CHANNEL
        )
        target = {"user": str(world.fake.bot.id), "channel": str(place.channel_id)}
        await app.services.digests.subscribe(owner, destination, target, request, personal=False)

    clock.advance(hours=20)
    await app.scheduler.tick()
    await asyncio.wait_for(sender.drain(), 60)

    per_channel = {p.channel_id: len(world.fake.channel_messages(p.channel_id)) for p in channels}
    assert per_channel.pop(gone) == 0
    assert set(per_channel.values()) == {1}  # every other channel exactly once
    assert rates.exceeded == []
    assert world.fake.all_violations() == []
    assert await OutboxMessage.filter(state=OutboxState.SENT).count() == len(channels) - 1
    paused = await Destination.get(platform=Platform.DISCORD, chat_id=str(gone))
    assert paused.paused_reason is not None and "10003" in paused.paused_reason
    assert (await DigestSubscription.get(destination_id=paused.id)).state is DigestState.PAUSED
    assert sender.stats.retry_after == 0 and sender.stats.blocked == 1
