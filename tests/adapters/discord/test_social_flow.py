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
    posts = [await post_by(world.app, bob_account, 0)]
    # Six authors: a page holds five posts and at most a quarter of it (one) per author.
    for n in range(1, 6):
        artist = await world.app.services.accounts.resolve(Platform.CONSOLE, f"artist{n}", "a")
        posts.append(await post_by(world.app, artist, n))
        await world.app.services.graph.follow(await account_of(world.app, alice.user), artist)

    (followed,) = await alice.slash("follow", user="bob")
    assert followed.text == "You now follow @bob. Their posts will show up in /feed."
    assert not followed.ephemeral

    *shown, page = await alice.slash("feed show")
    titles = {m.embed["title"]: m for m in shown}
    assert len(shown) == 5 and len({m.embed["title"].split(" by ")[1] for m in shown}) == 5
    newest = titles.get(f"#{posts[0].id} by @bob (public)") or shown[0]
    newest_post = next(p for p in posts if newest.embed["title"].startswith(f"#{p.id} "))
    (attachment,) = newest.payload["attachments"]
    assert newest.embed["image"]["url"] == f"attachment://{attachment['filename']}"
    assert newest.embed["footer"]["text"].startswith("❤ 0 · 💬 0")
    assert all(c.startswith("mosaic:") and len(c) <= 100 for c in newest.custom_ids)
    assert page.text == "Page 1"
    # the post messages are known, so reactions and the remix menu find their post
    sent = world.app.services.sent_messages
    assert (
        await sent.post_for(Platform.DISCORD, str(place.channel_id), str(newest.id))
        == newest_post.id
    )

    (liked,) = await alice.press(newest, "Like")
    assert liked.text == f"You like post #{newest_post.id} (❤ 1)."
    assert (await Post.get(id=newest_post.id)).like_count == 1

    opened = await alice.start_press(newest, "Comment")
    (commented,) = await alice.answer_modal(opened, "Lovely colours")
    assert opened.response_type == MODAL
    assert opened.response_data["title"] == "Comment on a post"
    assert commented.text == f"Your comment on post #{newest_post.id} is up."
    comment = await Comment.get(post_id=newest_post.id).prefetch_related("author")
    assert (comment.text, comment.author.handle) == ("Lovely colours", "alice")

    (rest, second_page) = await alice.press(page, "Next")
    shown_ids = {m.embed["title"].split(" ")[0] for m in [*shown, rest]}
    assert shown_ids == {f"#{p.id}" for p in posts}, "page 2 holds the one post page 1 left"
    assert second_page.text == "Page 2"

    (comments,) = await bob.slash("comments", post=newest_post.id)
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
    (empty,) = await member.slash("feed show")
    assert empty.text.startswith("Dein Feed ist leer.")

    (summary,) = await admin.slash("server show")
    assert summary.ephemeral
    assert "Sprache: Deutsch" in summary.text
    assert world.fake.all_violations() == []
