"""Buttons check who presses them, and keep working after a restart."""

from __future__ import annotations

import pytest

from bot.commands import CommandSpec, Context
from core.delivery.replies import Button, ButtonStyle, Reply, TextInput
from core.persistence.models import Comment, Post
from tests.adapters.discord.conftest import DiscordWorld
from tests.adapters.discord.helpers import account_of, post_by, with_commands
from tests.support.fake_discord.interactions import DEFERRED_UPDATE


async def mine(ctx: Context) -> Reply:
    """Your latest post with buttons only you may press (like the imagine preview)."""
    post = await Post.filter(author=ctx.account).order_by("-id").first()
    assert post is not None
    return Reply(
        text=f"#{post.id}",
        buttons=(
            (
                Button(
                    "Delete", "delete", {"post": post.id}, owner_only=True, style=ButtonStyle.DANGER
                ),
                Button(
                    "Note",
                    "comment",
                    {"post": post.id},
                    owner_only=True,
                    text_input=TextInput("text", "Note", 200),
                ),
            ),
        ),
    )


async def test_a_stranger_cannot_press_someone_elses_button(
    world: DiscordWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = with_commands(world.app, monkeypatch, CommandSpec("mine", mine), mine="Your post")
    await world.start(app)
    place = world.fake.guild_channel()
    owner, stranger = world.person("olga", place), world.person("sam", place)
    post = await post_by(app, await account_of(app, owner.user))

    (preview,) = await owner.slash("mine")
    (refused,) = await stranger.press(preview, "Delete")
    assert refused.ephemeral
    assert refused.text.startswith("⚠️ This button belongs to someone else's message.")
    assert (await Post.get(id=post.id)).deleted_at is None

    # a button that asks for text refuses before asking
    pressed = await stranger.start_press(preview, "Note")
    (refused_note,) = await world.settle(pressed)
    assert pressed.response_type == DEFERRED_UPDATE  # no modal for a stranger
    assert refused_note.ephemeral and "someone else's" in refused_note.text
    assert await Comment.filter(post_id=post.id).count() == 0

    (deleted,) = await owner.press(preview, "Delete")
    assert deleted.ephemeral
    assert (await Post.get(id=post.id)).deleted_at is not None
    assert world.fake.all_violations() == []


async def test_buttons_keep_working_after_a_restart(world: DiscordWorld) -> None:
    first = await world.start()
    place = world.fake.guild_channel()
    alice, bob = world.person("alice", place), world.person("bob", place)
    post = await post_by(world.app, await account_of(world.app, bob.user))
    await alice.slash("follow", user="bob")
    shown, _page = await alice.slash("feed show")
    assert first.synced is True

    await world.stop(first)
    second = await world.start()  # a new client, same database
    assert second.synced is False  # the command tree did not change: not published again
    assert world.fake.command_syncs == ["global"]

    (liked,) = await alice.press(shown, "Like")
    assert liked.text == f"You like post #{post.id} (❤ 1)."
    opened = await alice.start_press(shown, "Comment")
    (commented,) = await alice.answer_modal(opened, "still works")
    assert commented.text == f"Your comment on post #{post.id} is up."
    assert world.fake.all_violations() == []
