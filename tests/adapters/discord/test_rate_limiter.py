"""The rate-limiter port sees every discord.py call the adapter makes to answer and to send:
a live reply's and an outbox message's alike (`core.delivery.ratelimit`)."""

from __future__ import annotations

import asyncio

from core.delivery import OutboxItem
from core.delivery.replies import Reply
from core.delivery.reply_codec import encode_reply
from core.domain import Platform
from tests.adapters.discord.conftest import DiscordWorld
from tests.adapters.recording_limiter import RecordingLimiter
from tests.digests.helpers import FAST


async def test_live_replies_and_outbox_sends_pass_the_rate_limiter(world: DiscordWorld) -> None:
    limiter = RecordingLimiter()
    adapter = await world.start(limiter=limiter)
    place = world.fake.guild_channel()
    carol = world.person("carol", place)
    channel = str(place.channel_id)

    seen = len(limiter.calls)
    (answer,) = await carol.slash("help")
    assert answer.text
    assert [(c.method, c.chat) for c in limiter.calls[seen:]] == [
        ("interaction.response.defer", channel),
        ("interaction.edit_original_response", channel),
    ]

    sender = world.app.add_messenger(Platform.DISCORD, adapter.messenger, limits=FAST)
    target = {"channel": channel}
    item = OutboxItem(
        platform=Platform.DISCORD,
        chat_key=channel,
        group_chat=True,
        target=target,
        reply=encode_reply(Reply(text="your digest")),
        dedupe_key="limited",
    )
    await world.app.outbox.add([item])
    seen = len(limiter.calls)
    await world.app.scheduler.tick()
    await asyncio.wait_for(sender.drain(), 10)
    assert [(c.method, c.chat, c.group) for c in limiter.calls[seen:]] == [
        ("channel.send", channel, True)
    ]
    assert world.fake.channel_messages(place.channel_id)[-1].text == "your digest"
