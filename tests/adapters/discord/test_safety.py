"""Trust and safety on Discord: the Report button, moderator actions and total takedowns,
with the real discord.py client against the fake Discord."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from core.clock import FakeClock
from core.domain import ModerationState, Platform
from core.persistence.models import GenerationJob, Post, Report
from core.safety import Standing
from core.settings import Settings
from core.social import Origin
from tests.adapters.discord.conftest import DiscordWorld
from tests.adapters.discord.helpers import account_of
from tests.support.images import png_bytes


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        MOSAIC_DATA_DIR=tmp_path / "data",
        MOSAIC_DATABASE_URL=database_url,
        MOSAIC_GLOBAL_MODERATORS="gina",
        _env_file=None,
    )


async def deliver(world: DiscordWorld) -> None:
    """One scheduler tick, then until the Discord outbox sender has nothing left due."""
    await world.app.scheduler.tick()
    await asyncio.wait_for(world.app.scheduler.senders[Platform.DISCORD].drain(), 20)


async def test_a_hidden_post_is_taken_down_everywhere_and_its_author_told(
    world: DiscordWorld, clock: FakeClock
) -> None:
    await world.start()
    place = world.fake.guild_channel()
    elsewhere = world.fake.guild_channel()  # another server, whose channel has a digest
    bob = world.person("bob", place)
    alice = world.person("alice", place)
    ada = world.person("ada", place, admin=True)
    carol = world.person("carol", elsewhere, admin=True)
    author = await account_of(world.app, bob.user)
    post = await world.app.services.posts.create(
        author,
        png_bytes((200, 10, 10)),
        caption="something bad",
        origin=Origin(Platform.DISCORD, str(place.channel_id), str(place.guild_id)),
    )
    await alice.slash("follow", user="bob")
    shown, _page = await alice.slash("feed show")
    (again,) = await alice.slash("show", post=post.id)
    (subscribed,) = await carol.slash("digest subscribe", schedule="daily 08:30 UTC 4")
    assert "Digest #1 is set up" in subscribed.text
    clock.advance(days=1)
    await deliver(world)
    (digest,) = world.fake.channel_messages(elsewhere.channel_id)
    assert digest.embed["title"].startswith("📰 Digest")
    copies = {shown.id, again.id, digest.id}

    # the Report button asks for a reason in a modal and answers with a private receipt
    opened = await alice.start_press(shown, "Report")
    (receipt,) = await alice.answer_modal(opened, "graphic violence")
    assert receipt.ephemeral
    assert receipt.text == (
        f"Thanks — your report about post #{post.id} reached the moderators. "
        "You'll not be named to the author."
    )
    assert await Report.filter(post_id=post.id).count() == 1

    (queue,) = await ada.slash("mod queue")
    assert queue.ephemeral and "graphic violence" in queue.text
    (done,) = await ada.slash("mod hide", post=post.id, reason="gore")
    assert done.text == f"Post #{post.id} is hidden everywhere; its author was told."

    # the copies the bot had sent, the digest in the other server too, are deleted on
    # Discord through the paced outbox, and the author got a DM
    await deliver(world)
    assert sorted(m for _, m in world.fake.deletions) == sorted(copies)  # each once
    assert all(world.fake.messages[m].deleted for m in copies)
    dm = world.fake.dm(bob.user)
    (notice,) = world.fake.channel_messages(dm.channel_id)
    assert "hid your post" in notice.text and "gore" in notice.text
    assert (await Post.get(id=post.id)).moderation is ModerationState.HIDDEN
    # ...and it appears nowhere afterwards
    (empty,) = await alice.slash("feed show")
    assert empty.text.startswith("Your feed is empty")
    (gone,) = await alice.slash("show", post=post.id)
    assert "does not exist or is not visible" in gone.text
    for command, options in (("search", {"text": "something bad"}), ("trending", {})):
        found = await alice.slash(command, **options)
        assert all(f"#{post.id} " not in (m.embed or {}).get("title", "") for m in found)
    clock.advance(days=1)
    await deliver(world)  # the next digest has nothing new (the hidden post never returns)
    assert world.fake.channel_messages(elsewhere.channel_id) == []
    (log,) = await ada.slash("mod log")
    assert "@ada · hide" in log.text and "gore" in log.text
    assert world.fake.all_violations() == []


ROLES = ("owner", "other", "admin_here", "admin_elsewhere", "global_mod", "banned")
MAY_HIDE = {"admin_here", "global_mod"}


@pytest.mark.parametrize("role", ROLES)
async def test_who_may_hide_a_post_on_discord(world: DiscordWorld, role: str) -> None:
    await world.start()
    place, elsewhere = world.fake.guild_channel(), world.fake.guild_channel()
    owner = world.person("owner", place)
    people = {
        "owner": owner,
        "other": world.person("other", place),
        "admin_here": world.person("ada", place, admin=True),
        "admin_elsewhere": world.person("eve", elsewhere, admin=True),
        "global_mod": world.person("gina"),  # in a DM
        "banned": world.person("bandit", place, admin=True),  # an admin, but banned
    }
    post = await world.app.services.posts.create(
        await account_of(world.app, owner.user),
        png_bytes((1, 1, 1)),
        origin=Origin(Platform.DISCORD, str(place.channel_id), str(place.guild_id)),
    )
    gina = await account_of(world.app, people["global_mod"].user)
    if role == "banned":
        await world.app.services.safety.moderation.ban(
            Standing(gina, Platform.DISCORD), await account_of(world.app, people["banned"].user),
            everywhere=True, reason="spam",
        )  # fmt: skip
        people["banned"].place = elsewhere  # banned, and an admin only of another server

    (answer,) = await people[role].slash("mod hide", post=post.id, reason="rule 3")
    hidden = (await Post.get(id=post.id)).moderation is ModerationState.HIDDEN
    assert hidden is (role in MAY_HIDE)
    assert answer.ephemeral
    assert answer.text.startswith("⚠️") is (role not in MAY_HIDE)
    assert world.fake.all_violations() == []


async def test_a_server_policy_lets_only_one_role_generate(world: DiscordWorld) -> None:
    """The adapter reads the member's roles from the interaction (never from options)."""
    await world.start()
    place = world.fake.guild_channel()
    ada = world.person("ada", place, admin=True)
    artist = world.person("artie", place)
    artist.user.roles.append(4242)
    visitor = world.person("vic", place)
    visitor.user.roles.append(1313)
    (set_up,) = await ada.slash("server access", who="role", role="<@&4242>")
    assert "members with the role 4242" in set_up.text
    (refused,) = await visitor.slash("imagine", prompt="a fox")
    assert refused.ephemeral and "Only members with the role 4242" in refused.text
    queued = await artist.slash("imagine", prompt="a fox")
    assert not any("Only members" in m.text for m in queued)
    assert await GenerationJob.filter(prompt="a fox").count() == 1
    (blocked,) = await artist.slash("imagine", prompt="a nude fox")
    assert "doesn't allow adult or graphic images" in blocked.text  # NSFW is off by default
    assert world.fake.all_violations() == []
