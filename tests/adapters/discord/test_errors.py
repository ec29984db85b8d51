"""One error handler: apologies with an error id, in the user's language; repeats ignored."""

from __future__ import annotations

import logging

import pytest

from core.persistence.models import Post
from tests.adapters.discord.conftest import DiscordWorld
from tests.adapters.discord.helpers import account_of, post_by
from tests.support.fake_discord.interactions import MESSAGE
from tests.support.fake_discord.payloads import snowflake


async def test_a_failure_is_logged_with_the_interaction_and_apologised_for(
    world: DiscordWorld, caplog: pytest.LogCaptureFixture
) -> None:
    await world.start()
    klara = world.person("klara", world.fake.guild_channel(), locale="de")
    world.fake.refuse_next("PATCH", "/messages/@original", 400, 50035)

    interaction = await klara.start_slash("feed")
    (apology,) = await world.settle(interaction)

    assert apology.ephemeral  # the public "thinking…" was removed, not filled
    assert apology.text.startswith("⚠️ Entschuldige, bei uns ist etwas kaputtgegangen")
    error_id = apology.text.split("Fehler-ID ")[1][:8]
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert str(interaction.id) in record.getMessage() and error_id in record.getMessage()
    assert world.fake.all_violations() == []


async def test_an_unknown_command_gets_an_apology_not_silence(world: DiscordWorld) -> None:
    await world.start()
    # a command Discord still shows, but this version of Mosaic no longer has
    world.fake.commands["global"].append(
        {"id": str(snowflake()), "name": "ghost", "description": "Gone", "type": 1}
    )
    alice = world.person("alice")
    interaction = await alice.start_slash("ghost")
    (apology,) = await world.settle(interaction)
    assert interaction.response_type == MESSAGE
    assert apology.ephemeral and "error id" in apology.text
    assert world.fake.all_violations() == []


async def test_an_interaction_delivered_twice_has_one_effect(world: DiscordWorld) -> None:
    await world.start()
    place = world.fake.guild_channel()
    alice, bob = world.person("alice", place), world.person("bob", place)
    post = await post_by(world.app, await account_of(world.app, bob.user))

    interaction = await alice.start_slash("like", post=post.id)
    (liked,) = await world.settle(interaction)
    await world.fake.redeliver(interaction)
    await world.settle_event()

    assert liked.text == f"You like post #{post.id} (❤ 1)."
    assert (await Post.get(id=post.id)).like_count == 1
    assert len(world.fake.conversation(interaction)) == 1
    # Discord refuses a second answer to one interaction; the bot tried once, then stopped
    (violation,) = world.fake.all_violations()
    assert "answered twice" in violation
