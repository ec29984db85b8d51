"""Two people use Mosaic on Discord through slash commands, buttons and a modal."""

from __future__ import annotations

from core.domain import Platform
from core.persistence.models import Comment, Post
from tests.adapters.discord.conftest import DiscordWorld
from tests.adapters.discord.helpers import account_of, post_by
from tests.support.fake_discord.interactions import MODAL


async def test_follow_feed_like_comment_and_next_page(world: DiscordWorld) -> None:
    await world.start()
    place = world.fake.guild_channel()
    alice = world.person("alice", place)
    bob = world.person("bob", place)
    bob_account = await account_of(world.app, bob.user)
    posts = [await post_by(world.app, bob_account, n) for n in range(6)]  # page size is 5

    (followed,) = await alice.slash("follow", user="bob")
    assert followed.text == "You now follow @bob. Their posts will show up in /feed."
    assert not followed.ephemeral

    *shown, page = await alice.slash("feed")
    assert [m.embed["title"] for m in shown] == [
        f"#{p.id} by @bob (public)" for p in reversed(posts[1:])
    ]
    newest = shown[0]
    (attachment,) = newest.payload["attachments"]
    assert newest.embed["image"]["url"] == f"attachment://{attachment['filename']}"
    assert newest.embed["footer"]["text"].startswith("❤ 0 · 💬 0")
    assert all(c.startswith("mosaic:") and len(c) <= 100 for c in newest.custom_ids)
    assert page.text == "Page 1"
    # the post messages are known, so reactions and the remix menu find their post
    sent = world.app.services.sent_messages
    assert (
        await sent.post_for(Platform.DISCORD, str(place.channel_id), str(newest.id)) == posts[5].id
    )

    (liked,) = await alice.press(newest, "Like")
    assert liked.text == f"You like post #{posts[5].id} (❤ 1)."
    assert (await Post.get(id=posts[5].id)).like_count == 1

    opened = await alice.start_press(newest, "Comment")
    (commented,) = await alice.answer_modal(opened, "Lovely colours")
    assert opened.response_type == MODAL
    assert opened.response_data["title"] == "Comment on a post"
    assert commented.text == f"Your comment on post #{posts[5].id} is up."
    comment = await Comment.get(post_id=posts[5].id).prefetch_related("author")
    assert (comment.text, comment.author.handle) == ("Lovely colours", "alice")

    (oldest, second_page) = await alice.press(page, "Next")
    assert oldest.embed["title"] == f"#{posts[0].id} by @bob (public)"
    assert second_page.text == "Page 2"

    (comments,) = await bob.slash("comments", post=posts[5].id)
    assert "@alice: Lovely colours" in comments.text
    assert world.fake.all_violations() == []


async def test_server_settings_for_admins_only(world: DiscordWorld) -> None:
    await world.start()
    place = world.fake.guild_channel()
    admin = world.person("ada", place, admin=True)
    member = world.person("max", place)

    (refused,) = await member.slash("server language", language="de")
    assert refused.ephemeral
    assert refused.text == (
        "⚠️ Only the admins of this server or group can change its settings. Ask one of them."
    )

    (done,) = await admin.slash("server language", language="de")
    assert done.text.startswith("Die Sprache dieses Servers ist jetzt Deutsch.")
    # the member chose no language of their own: the server's applies to them now
    (empty,) = await member.slash("feed")
    assert empty.text.startswith("Dein Feed ist leer.")

    (summary,) = await admin.slash("server show")
    assert summary.ephemeral
    assert "Sprache: Deutsch" in summary.text
    assert world.fake.all_violations() == []
