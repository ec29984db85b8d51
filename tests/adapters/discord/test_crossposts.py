"""Mosaic channels through the real discord.py client and the fake Discord: a member's new
post arrives in the channel as an embed with buttons (recorded for takedowns, removed by
one); a channel that refuses the bot (403) is paused and /server says why."""

from __future__ import annotations

import asyncio

from core.domain import Platform
from core.persistence.models import Destination, Post
from core.social import Origin
from tests.adapters.discord.conftest import DiscordWorld
from tests.adapters.discord.helpers import account_of
from tests.support.images import png_bytes


async def send_due(world: DiscordWorld) -> None:
    await world.app.scheduler.tick()
    await asyncio.wait_for(world.app.scheduler.senders[Platform.DISCORD].drain(), 20)


async def test_a_members_post_is_cross_posted_and_a_takedown_removes_the_copy(
    world: DiscordWorld,
) -> None:
    await world.start()
    app = world.app
    place = world.fake.guild_channel()
    admin = world.person("ada", place, admin=True)
    (refused,) = await world.person("max", place).slash("server crosspost", value="on")
    assert refused.ephemeral and "Only the admins" in refused.text
    (done,) = await admin.slash("server crosspost", value="on")
    assert "now a Mosaic channel" in done.text

    bob = await account_of(app, world.fake.user("bob"))
    origin_here = Origin(Platform.DISCORD, str(place.channel_id), str(place.guild_id))
    await app.services.posts.create(bob, png_bytes((9, 9, 9)), caption="hi", origin=origin_here)
    post = await app.services.posts.create(
        bob, png_bytes((200, 90, 30)), caption="sunset", origin=Origin(Platform.DISCORD)
    )
    await send_due(world)
    (shown,) = world.fake.channel_messages(place.channel_id)
    assert shown.embed["title"] == f"#{post.id} by @bob (public)"
    assert len(shown.custom_ids) == 5

    (liked,) = await world.person("cleo", place).press(shown, "Like")
    assert liked.text == f"You like post #{post.id} (❤ 1)."
    assert (await Post.get(id=post.id)).like_count == 1

    queued = await app.services.safety.takedown.take_down(post.id)
    assert queued == 1  # one copy to delete, through the outbox
    await send_due(world)
    assert world.fake.channel_messages(place.channel_id) == []
    assert world.fake.all_violations() == []


async def test_a_channel_that_refuses_the_bot_is_paused_with_its_reason(
    world: DiscordWorld,
) -> None:
    await world.start()
    app = world.app
    place = world.fake.guild_channel()
    admin = world.person("ada", place, admin=True)
    await admin.slash("server crosspost", value="on", scope="topic", topic="boats")
    world.fake.forbidden_channels.add(place.channel_id)

    bob = await account_of(app, world.fake.user("bob"))
    await app.services.posts.create(
        bob, png_bytes((1, 2, 3)), caption="two boats", origin=Origin(Platform.DISCORD)
    )
    await send_due(world)
    destination = await Destination.get(platform=Platform.DISCORD, chat_id=str(place.channel_id))
    assert destination.paused_reason is not None and "50001" in destination.paused_reason

    world.fake.forbidden_channels.discard(place.channel_id)  # the rights are back
    (settings,) = await admin.slash("server show")
    assert "new public posts about boats, paused: " in settings.text
    assert "50001" in settings.text
    (again,) = await admin.slash("server crosspost", value="on", scope="topic", topic="boats")
    assert "Mosaic channel for boats" in again.text
    later = await app.services.posts.create(
        bob, png_bytes((4, 5, 6)), caption="more boats", origin=Origin(Platform.DISCORD)
    )
    await send_due(world)
    (shown,) = world.fake.channel_messages(place.channel_id)
    assert shown.embed["title"].startswith(f"#{later.id} ")
    assert world.fake.all_violations() == []
