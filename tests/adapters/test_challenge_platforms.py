"""A challenge end to end: the console and the real python-telegram-bot and discord.py
clients against their fake servers, one Mosaic app and one database, the clock advanced.

The scheduler leader starts the global weekly challenge; a Telegram group and a Discord
channel follow challenges. Entries come from Telegram and Discord and are cross-posted to
both followers with a vote button; votes are cast by button on both platforms and typed in
the console. A self-vote is refused, and so is the second vote of a person who linked
Telegram and Discord. When the week is over, the results (the collage, credits and buttons)
arrive exactly once in the Discord channel and the Telegram group, and neither fake saw a
request beyond the platform's limits.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.clock import FakeClock
from core.domain import ChallengeState, Platform
from core.persistence.models import Challenge, ChallengeEntry, OutboxMessage, Post
from core.settings import Settings
from tests.adapters.discord.conftest import DiscordWorld, fake_discord, world
from tests.adapters.discord.test_generation import preview_of
from tests.adapters.telegram.conftest import (
    Telegram,
    fake_api,
    messages,
    telegram,
    telegram_settings,
)
from tests.adapters.telegram.test_imagine import preview_in
from tests.adapters.test_cross_platform import deliver
from tests.support.chat import ChatUser
from tests.support.telegram import FakeBotApi

__all__ = ["fake_api", "fake_discord", "telegram", "world"]  # fixtures used below


@pytest.fixture
def clock() -> FakeClock:
    # Accounts are stamped with the real time: the challenge clock starts just after it, so
    # the people of this test were there before the challenge began (no probation).
    return FakeClock(datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1))


@pytest.fixture
def settings(tmp_path: Path, database_url: str, fake_api: FakeBotApi) -> Settings:
    return telegram_settings(tmp_path, database_url, fake_api, MOSAIC_WEEKLY_CHALLENGE=True)


def keyboard(message: dict[str, Any]) -> list[list[str]]:
    return [[b["text"] for b in row] for row in message["reply_markup"]["inline_keyboard"]]


def discord_labels(message: Any) -> list[list[str]]:
    return [[b["label"] for b in row["components"]] for row in message.payload["components"]]


async def test_a_challenge_across_the_console_telegram_and_discord(
    telegram: Telegram, world: DiscordWorld, clock: FakeClock
) -> None:
    await world.start()
    app, tg = world.app, telegram.fake

    # Followers: a Discord channel and a Telegram group, each by its admin.
    channel = world.fake.guild_channel()
    ada = world.person("ada", channel, admin=True)
    (followed,) = await ada.slash("challenge follow")
    assert followed.text == "This chat now gets challenge entries and results."
    owner = tg.user(301, "Gus", "gus")
    group = tg.group(-100777, "Painters", admins=[owner])
    [answer] = messages(await telegram.say(owner, "/challenge follow", chat=group))
    assert answer["text"] == "This chat now gets challenge entries and results."

    # People on every platform, there before the challenge; Hana links Telegram and Discord.
    alice, hana_tg = tg.user(101, "Alice", "alice"), tg.user(302, "Hana", "hana")
    for member in (alice, hana_tg):
        tg.chats[group.id].members.add(member.id)
    [code_message] = messages(await telegram.say(hana_tg, "/link"))
    code = code_message["text"].split("Your link code is ")[1].split(".")[0]
    hana_dc = world.person("hana_dc", channel)
    (linked,) = await hana_dc.slash("link", code=code)
    assert "linked" in linked.text.lower()
    carl = world.person("carl", channel)
    await carl.slash("help")
    console = ChatUser(app, "cleo")
    await console.say("/help")

    # The scheduler leader starts this week's global challenge, once.
    await deliver(world, telegram)
    await deliver(world, telegram)
    (challenge,) = await Challenge.filter(state=ChallengeState.RUNNING)
    assert challenge.key.startswith("weekly:") and challenge.server_id is None
    theme = challenge.theme
    shown = await console.say("/challenge")
    assert shown[0].title == f"🏆 Challenge: {theme}" and "No entries yet." in shown[0].text

    # Entries: Alice on Telegram, Dora on Discord, each a picture made with the theme's
    # prompt. Posting it offers to enter it with one tap (Alice does); Dora types the command.
    await telegram.say(alice, f"/imagine {theme}")
    preview = await preview_in(telegram, alice, 1)
    [choose] = messages(await telegram.press(alice, preview, "📢 Post"))
    posted, invitation = messages(await telegram.press(alice, choose, "🌍 Everyone"))
    alices = await Post.get(author__handle="alice")
    assert posted["caption"].startswith(f"#{alices.id} by @alice (public)")
    assert keyboard(invitation) == [["🏆 Enter the challenge"]]
    [entered] = messages(await telegram.press(alice, invitation, "🏆 Enter the challenge"))
    assert entered["text"].startswith(f"Post #{alices.id} is entry ")
    dora = world.person("dora")
    started = await dora.start_slash("imagine", prompt=theme)
    await world.settle(started)
    (choose_audience,) = await dora.press(await preview_of(world, started), "Post")
    on_discord, dora_invited = await dora.press(choose_audience, "Everyone")
    assert discord_labels(dora_invited) == [["🏆 Enter the challenge"]]
    doras = await Post.get(author__handle="dora")
    (dora_entered,) = await dora.slash("challenge enter", post=doras.id)
    assert dora_entered.text.startswith(f"Post #{doras.id} is entry ")
    alice_entry = await ChallengeEntry.get(post_id=alices.id)
    dora_entry = await ChallengeEntry.get(post_id=doras.id)

    # Both entries reach both followers through the outbox, each with its vote button.
    await deliver(world, telegram)
    in_channel = [
        m
        for m in world.fake.channel_messages(channel.channel_id)
        if "Entry" in m.embed.get("title", "")
    ]
    assert [m.embed["title"] for m in in_channel] == [
        f"Entry {alice_entry.id}: #{alices.id} by @alice",
        f"Entry {dora_entry.id}: #{doras.id} by @dora",
    ]
    assert all(discord_labels(m) == [["🗳 Vote", "🔎 Open"]] for m in in_channel)
    assert all(m.embed["image"]["url"].startswith("attachment://") for m in in_channel)
    in_group = [m for m in tg.bot_messages(group) if m.get("caption", "").startswith("Entry ")]
    assert [m["caption"].split("\n")[0] for m in in_group] == [
        f"Entry {alice_entry.id}: #{alices.id} by @alice",
        f"Entry {dora_entry.id}: #{doras.id} by @dora",
    ]
    assert all(keyboard(m) == [["🗳 Vote", "🔎 Open"]] for m in in_group)
    alice_in_group, dora_in_group = in_group
    alice_in_channel, dora_in_channel = in_channel

    # Votes: by button on Discord and Telegram, typed in the console.
    (carl_voted,) = await carl.press(alice_in_channel, "Vote")
    assert carl_voted.text == f"Your vote for entry {alice_entry.id} counts."
    assert carl_voted.ephemeral
    hana_voted = telegram.answer(await telegram.press(hana_tg, dora_in_group, "🗳 Vote"))
    assert hana_voted["text"] == f"Your vote for entry {dora_entry.id} counts."
    cleo_voted = await console.text(f"/challenge vote {alice_entry.id}")
    assert cleo_voted == f"Your vote for entry {alice_entry.id} counts."

    # A self-vote is refused; so is the linked person's second vote, from the other platform.
    self_vote = telegram.answer(await telegram.press(alice, alice_in_group, "🗳 Vote"))
    assert self_vote["text"].endswith("You cannot vote for your own entry.")
    (second,) = await hana_dc.press(dora_in_channel, "Vote")
    assert f"You have voted for entry {dora_entry.id} already" in second.text

    # The week ends: the results go out once, to the channel and the group.
    clock.advance(seconds=(challenge.ends_at - clock.now()).total_seconds() + 1)
    await deliver(world, telegram)
    await deliver(world, telegram)
    await app.scheduler.tick()  # a leader's later ticks queue nothing again
    for platform in (Platform.DISCORD, Platform.TELEGRAM):
        await asyncio.wait_for(app.scheduler.senders[platform].drain(), 20)
    rows = await OutboxMessage.filter(dedupe_key__startswith=f"challenge-results:{challenge.id}:")
    assert sorted(r.platform for r in rows) == [Platform.DISCORD, Platform.TELEGRAM]
    assert all(r.state == "sent" for r in rows)

    results_title = f"🏆 Challenge results: {theme}"
    (on_discord,) = [
        m
        for m in world.fake.channel_messages(channel.channel_id)
        if m.embed.get("title") == results_title
    ]
    lines = on_discord.embed["description"].splitlines()
    assert lines[0].startswith("🥇 ") and lines[0].endswith("by @alice · 2 votes")
    assert lines[1].startswith("🥈 ") and lines[1].endswith("by @dora · 1 vote")
    (attachment,) = on_discord.payload["attachments"]
    assert on_discord.embed["image"]["url"] == f"attachment://{attachment['filename']}"
    assert on_discord.files[attachment["filename"]] > 0
    assert discord_labels(on_discord) == [
        ["🔎 Open 1", "❤ Like 1"],
        ["🔎 Open 2", "❤ Like 2"],
        ["🏅 Leaderboard"],
    ]
    (on_telegram,) = [
        m for m in tg.bot_messages(group) if m.get("caption", "").startswith(results_title)
    ]
    assert on_telegram["photo"], "the collage, as a Telegram photo"
    assert "by @alice · 2 votes" in on_telegram["caption"]
    assert keyboard(on_telegram) == [
        ["🔎 Open 1", "❤ Like 1"],
        ["🔎 Open 2", "❤ Like 2"],
        ["🏅 Leaderboard"],
    ]
    # The buttons work for whoever presses them.
    (board,) = await carl.press(on_discord, "Leaderboard")
    assert board.embed["description"].startswith("1. @alice: 1 win, 1 podium place")
    assert world.fake.all_violations() == [] and tg.rejections == []
