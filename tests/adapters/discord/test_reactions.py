"""A heart on a post message is a like; taking it away is an unlike."""

from __future__ import annotations

from core.persistence.models import Post
from tests.adapters.discord.conftest import DiscordWorld
from tests.adapters.discord.helpers import account_of, post_by

GUILD_MESSAGE_REACTIONS, DIRECT_MESSAGE_REACTIONS = 1 << 10, 1 << 13
PRIVILEGED = (1 << 1) | (1 << 8) | (1 << 15)  # members, presences, message content


async def likes(post: Post) -> int:
    return (await Post.get(id=post.id)).like_count


async def test_a_heart_reaction_counts_as_a_like(world: DiscordWorld) -> None:
    await world.start()
    place = world.fake.guild_channel()
    alice, bob = world.person("alice", place), world.person("bob", place)
    post = await post_by(world.app, await account_of(world.app, bob.user))
    (shown,) = await alice.slash("show", post=post.id)

    await world.fake.react(alice.user, shown, "❤️")
    await world.settle_event()
    assert await likes(post) == 1

    await world.fake.react(bob.user, shown, "👍")  # not a heart
    await world.fake.react(world.fake.bot, shown, "💖")  # the bot's own reaction
    await world.settle_event()
    assert await likes(post) == 1

    await world.fake.react(bob.user, shown, "😍")
    await world.settle_event()
    assert await likes(post) == 2

    await world.fake.react(alice.user, shown, "❤️", remove=True)
    await world.settle_event()
    assert await likes(post) == 1
    assert world.fake.all_violations() == []


async def test_reactions_elsewhere_change_nothing(world: DiscordWorld) -> None:
    await world.start()
    place = world.fake.guild_channel()
    alice = world.person("alice", place)
    post = await post_by(world.app, await account_of(world.app, alice.user))
    (followed,) = await alice.slash("profile")  # a message that shows no post

    await world.fake.react(alice.user, followed, "❤️")
    await world.settle_event()
    assert await likes(post) == 0
    assert world.fake.all_violations() == []


async def test_the_bot_asks_for_reactions_and_nothing_privileged(world: DiscordWorld) -> None:
    await world.start()
    (identify,) = world.fake.gateway.identify_payloads
    intents = identify["intents"]
    assert intents & GUILD_MESSAGE_REACTIONS and intents & DIRECT_MESSAGE_REACTIONS
    assert intents & PRIVILEGED == 0
