"""Discord's clocks: 3 s to answer an interaction, 15 minutes of interaction token."""

from __future__ import annotations

import asyncio

import discord
import pytest

from bot.adapters.discord import Undeliverable
from bot.commands import CommandSpec, Context
from core.clock import FakeClock
from core.delivery import DeliveryRetryAfter
from core.delivery.replies import Reply
from core.domain import Platform
from tests.adapters.discord.conftest import DiscordWorld
from tests.adapters.discord.helpers import with_commands
from tests.support.fake_discord.interactions import DEFERRED_MESSAGE

WELL_WITHIN = 0.5  # seconds, of Discord's 3


class Gate:
    """A handler that waits until the test opens the gate (a slow provider, say)."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.open = asyncio.Event()

    async def slow(self, ctx: Context) -> Reply:
        self.entered.set()
        await self.open.wait()
        return Reply(text="done at last")

    async def long_job(self, ctx: Context) -> list[Reply]:
        progress = await ctx.conversation.send(Reply(text="working on it…"))
        self.entered.set()
        await self.open.wait()
        await ctx.conversation.edit(progress, Reply(text="finished"))
        return [Reply(text="for everyone"), Reply(text="just for you", private=True)]


async def test_a_slow_handler_still_gets_a_defer_well_within_3_s(
    world: DiscordWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = Gate()
    app = with_commands(world.app, monkeypatch, CommandSpec("slow", gate.slow), slow="Slow")
    await world.start(app)
    alice = world.person("alice")

    interaction = await alice.start_slash("slow")
    await world.fake.answered(interaction)
    await gate.entered.wait()  # the handler is running, and the answer is already there
    assert interaction.response_type == DEFERRED_MESSAGE
    assert interaction.latency < WELL_WITHIN

    gate.open.set()
    (answer,) = await world.settle(interaction)
    assert answer.text == "done at last"
    assert world.fake.all_violations() == []


async def test_after_15_minutes_replies_go_out_as_normal_messages(
    world: DiscordWorld, monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> None:
    gate = Gate()
    app = with_commands(world.app, monkeypatch, CommandSpec("job", gate.long_job), job="Job")
    await world.start(app)
    place = world.fake.guild_channel()
    alice = world.person("alice", place)

    interaction = await alice.start_slash("job")
    await gate.entered.wait()
    (progress,) = world.fake.conversation(interaction)
    assert progress.text == "working on it…"

    clock.advance(minutes=16)  # the interaction token is dead (the fake refuses it too)
    gate.open.set()
    await world.settle(interaction)

    assert progress.text == "finished"  # edited with the bot token, in the channel
    (public,) = world.fake.channel_messages(place.channel_id)
    assert public.text == "for everyone"
    (private,) = world.fake.channel_messages(world.fake.dm_channels[alice.user.id])
    assert private.text == "just for you"  # never in the shared channel
    assert world.fake.all_violations() == []


async def test_progress_of_a_private_job_after_15_minutes_is_one_dm(
    world: DiscordWorld, monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> None:
    gate = Gate()

    async def private_job(ctx: Context) -> list[Reply]:
        progress = await ctx.conversation.send(Reply(text="0 %"))
        gate.entered.set()
        await gate.open.wait()
        for step in ("50 %", "100 %"):
            await ctx.conversation.edit(progress, Reply(text=step, private=True))
        return []

    spec = CommandSpec("secret", private_job, private_reply=True)
    await world.start(with_commands(world.app, monkeypatch, spec, secret="Secret"))
    place = world.fake.guild_channel()
    alice = world.person("alice", place)

    interaction = await alice.start_slash("secret")
    await gate.entered.wait()
    (progress,) = world.fake.conversation(interaction)
    assert progress.ephemeral and progress.text == "0 %"
    clock.advance(minutes=16)
    gate.open.set()
    await world.settle(interaction)

    (copy,) = world.fake.channel_messages(world.fake.dm_channels[alice.user.id])
    assert copy.text == "100 %"  # sent once, then edited
    assert world.fake.channel_messages(place.channel_id) == []
    assert world.fake.all_violations() == []


async def test_a_late_answer_is_refused_by_discord_and_not_retried(
    world: DiscordWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.fake.response_deadline = 0.0  # every answer is late
    await world.start()
    alice = world.person("alice")

    interaction = await alice.start_slash("help")
    await world.fake.barrier()
    await world.bot.wait_idle()
    callbacks = [r for r in world.fake.requests if r.path.endswith("/callback")]
    assert len(callbacks) == 1  # the refused defer was not repeated, nothing else was tried
    assert interaction.response_type is None
    late, unanswered = world.fake.all_violations()
    assert "answered after" in late
    assert "never answered" in unanswered


async def test_a_chat_that_cannot_be_reached_is_paused(world: DiscordWorld) -> None:
    await world.start()
    world.fake.forbidden_channels.add(111)
    world.fake.unknown_channels.add(222)
    for channel in (111, 222):
        with pytest.raises(Undeliverable):
            await world.bot.messenger.send_to({"channel": str(channel)}, Reply(text="hello"))
        destination = await world.app.services.destinations.find(Platform.DISCORD, str(channel))
        assert destination is not None and destination.paused_reason
    posts = [r for r in world.fake.requests if r.method == "POST" and "/channels/" in r.path]
    assert len(posts) == 2  # one attempt each, no retries
    assert (
        "50001"
        in (await world.app.services.destinations.find(Platform.DISCORD, "111")).paused_reason
    )


async def test_a_short_rate_limit_is_waited_out_a_long_one_is_not(world: DiscordWorld) -> None:
    await world.start()
    world.fake.rate_limit_next("POST", "/channels/333/messages", retry_after=0.01)
    sent = await world.bot.messenger.send_to({"channel": "333"}, Reply(text="patience"))
    (message,) = world.fake.channel_messages(333)
    assert (message.id, message.text) == (sent.message_id, "patience")

    world.fake.rate_limit_next("POST", "/channels/333/messages", retry_after=600)
    with pytest.raises(DeliveryRetryAfter) as limited:  # max_ratelimit_timeout: no stall
        await world.bot.messenger.send_to({"channel": "333"}, Reply(text="later"))
    assert limited.value.seconds == pytest.approx(600)  # the outbox waits it out instead
    assert isinstance(limited.value.__cause__, discord.RateLimited)
    attempts = [r for r in world.fake.requests if r.path == "/channels/333/messages"]
    assert len(attempts) == 3
