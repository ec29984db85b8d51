"""One network across Discord and Telegram: the real python-telegram-bot and discord.py clients,
each against its fake server, one Mosaic app and one database.

- A post made on Telegram shows up in a Discord user's /feed as an embed with the image
  attached, and a post made on Discord in a Telegram user's /feed as a photo.
- A Discord channel connected as a Mosaic channel gets a Telegram post through the outbox, as
  an embed with the image and working buttons; the copy is recorded for takedowns.
- A Telegram group connected as a Mosaic channel gets its members' Discord posts.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from core.domain import Platform
from core.persistence.models import OutboxMessage, Post
from core.settings import Settings
from tests.adapters.discord.conftest import DiscordWorld, fake_discord, world
from tests.adapters.discord.test_generation import post_publicly, preview_of
from tests.adapters.telegram.conftest import (
    Telegram,
    fake_api,
    messages,
    telegram,
    telegram_settings,
)
from tests.adapters.telegram.test_imagine import preview_in
from tests.support.telegram import FakeBotApi

__all__ = ["fake_api", "fake_discord", "telegram", "world"]  # fixtures used below


@pytest.fixture
def settings(tmp_path: Path, database_url: str, fake_api: FakeBotApi) -> Settings:
    return telegram_settings(tmp_path, database_url, fake_api)


async def telegram_post(telegram: Telegram, user: Any, prompt: str, job: int) -> dict[str, Any]:
    """`user` imagines `prompt` on Telegram and posts it for everyone."""
    await telegram.say(user, f"/imagine {prompt}")
    preview = await preview_in(telegram, user, job)
    [choose] = messages(await telegram.press(user, preview, "📢 Post"))
    [posted] = messages(await telegram.press(user, choose, "🌍 Everyone"))
    return posted


async def deliver(world: DiscordWorld, telegram: Telegram) -> None:
    app = world.app
    await app.scheduler.tick()
    for platform in (Platform.DISCORD, Platform.TELEGRAM):
        await asyncio.wait_for(app.scheduler.senders[platform].drain(), 20)


async def test_posts_cross_platforms_into_feeds_and_mosaic_channels(
    telegram: Telegram, world: DiscordWorld
) -> None:
    await world.start()
    app, tg = world.app, telegram.fake
    assert telegram.app is app  # one app, one database, two platforms

    # A Discord admin makes a channel the Mosaic channel for lighthouses.
    channel = world.fake.guild_channel()
    ada = world.person("ada", channel, admin=True)
    (connected,) = await ada.slash(
        "server crosspost", value="on", scope="topic", topic="lighthouse"
    )
    assert "Mosaic channel for lighthouse" in connected.text

    # Alice posts on Telegram.
    alice = tg.user(101, "Alice", "alice")
    posted = await telegram_post(telegram, alice, "a lighthouse at dawn", job=1)
    assert posted["caption"].startswith("#1 by @alice (public)")
    alices = await Post.get(author__handle="alice")
    assert alices.origin_platform is Platform.TELEGRAM

    # Bob on Discord follows her and sees it in his feed, as an embed with the image.
    bob = world.person("bob")
    (followed,) = await bob.slash("follow", user="alice")
    assert followed.text == "You now follow @alice. Their posts will show up in /feed."
    *shown, _page = await bob.slash("feed show")
    (in_feed,) = [m for m in shown if m.embed.get("title", "").startswith(f"#{alices.id} ")]
    assert in_feed.embed["title"] == f"#{alices.id} by @alice (public)"
    assert "Prompt: a lighthouse at dawn" in in_feed.embed["description"]
    (attachment,) = in_feed.payload["attachments"]
    assert in_feed.embed["image"]["url"] == f"attachment://{attachment['filename']}"
    assert in_feed.files[attachment["filename"]] > 0
    (liked,) = await bob.press(in_feed, "Like")
    assert liked.text == f"You like post #{alices.id} (❤ 1)."

    # The Mosaic channel got it through the outbox, with the image and buttons.
    row = await OutboxMessage.get(post_id=alices.id, channel_id__not_isnull=True)
    await deliver(world, telegram)
    (crossposted,) = world.fake.channel_messages(channel.channel_id)
    assert crossposted.embed["title"] == f"#{alices.id} by @alice (public)"
    assert "shared from Telegram" in crossposted.embed["footer"]["text"]
    (attachment,) = crossposted.payload["attachments"]
    assert crossposted.embed["image"]["url"] == f"attachment://{attachment['filename']}"
    labels = [b["label"] for r in crossposted.payload["components"] for b in r["components"]]
    assert labels == ["🔎 Open", "❤ Like", "💬 Comment", "🎨 Remix", "➕ Follow @alice"]
    assert all(c.startswith("mosaic:") for c in crossposted.custom_ids)
    copies = await app.services.sent_messages.copies_of(alices.id)
    assert (Platform.DISCORD, str(channel.channel_id), str(crossposted.id)) in {
        (Platform(c.platform), c.chat_id, c.message_id) for c in copies
    }  # a takedown finds the cross-posted copy
    await row.refresh_from_db()
    assert row.state == "sent"
    carl = world.person("carl", channel)
    (followed_there,) = await carl.press(crossposted, "Follow")
    assert "You now follow @alice" in followed_there.text

    # The other way: Dora posts on Discord, Erin on Telegram follows her and sees a photo.
    dora = world.person("dora")
    started = await dora.start_slash("imagine", prompt="a misty forest")
    await world.settle(started)
    on_discord = await post_publicly(world, dora, await preview_of(world, started))
    assert on_discord.embed["title"].endswith("by @dora (public)")
    doras = await Post.get(author__handle="dora")
    erin = tg.user(202, "Erin", "erin")
    await telegram.say(erin, "/follow @dora")
    feed = messages(await telegram.say(erin, "/feed"))
    (photo,) = [m for m in feed if m.get("caption", "").startswith(f"#{doras.id} ")]
    assert photo["caption"].startswith(f"#{doras.id} by @dora (public)\nPrompt: a misty forest")
    assert photo["photo"], "sent as a Telegram photo (the image itself, not a link)"
    assert world.fake.all_violations() == [] and tg.rejections == []


async def test_a_telegram_group_gets_its_members_discord_posts(
    telegram: Telegram, world: DiscordWorld
) -> None:
    await world.start()
    app, tg = world.app, telegram.fake
    owner = tg.user(301, "Gus", "gus")
    group = tg.group(-100777, "Painters", admins=[owner])
    [answer] = messages(await telegram.say(owner, "/server crosspost on", chat=group))
    assert "now a Mosaic channel" in answer["text"]

    # Hana uses Mosaic on both platforms: she posted in the group once, then linked Discord.
    hana_tg = tg.user(302, "Hana", "hana")
    tg.chats[group.id].members.add(hana_tg.id)
    await telegram_post_in_group(telegram, hana_tg, group)
    [code_message] = messages(await telegram.say(hana_tg, "/link"))
    code = code_message["text"].split("Your link code is ")[1].split(".")[0]
    hana_dc = world.person("hana_dc")
    (linked,) = await hana_dc.slash("link", code=code)
    assert "linked" in linked.text.lower()

    started = await hana_dc.start_slash("imagine", prompt="a paper boat")
    await world.settle(started)
    await post_publicly(world, hana_dc, await preview_of(world, started))
    boat = await Post.get(prompt="a paper boat")
    assert boat.origin_platform is Platform.DISCORD

    await deliver(world, telegram)
    shown = [m for m in tg.bot_messages(group) if "photo" in m]
    (crossposted,) = [m for m in shown if m["caption"].startswith(f"#{boat.id} by @")]
    assert "shared from Discord" in crossposted["caption"]
    labels = [b["text"] for r in crossposted["reply_markup"]["inline_keyboard"] for b in r]
    assert labels[:4] == ["🔎 Open", "❤ Like", "💬 Comment", "🎨 Remix"]
    copies = await app.services.sent_messages.copies_of(boat.id)
    assert (Platform.TELEGRAM, str(group.id)) in {(c.platform, c.chat_id) for c in copies}
    assert world.fake.all_violations() == [] and tg.rejections == []


async def telegram_post_in_group(telegram: Telegram, user: Any, group: Any) -> None:
    await telegram.say(user, "/imagine a quiet harbour", chat=group)
    preview = await preview_in(telegram, group, 1)
    [choose] = messages(await telegram.press(user, preview, "📢 Post"))
    messages(await telegram.press(user, choose, "🌍 Everyone"))
