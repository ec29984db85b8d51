"""A group admin hides a post: its copies in Telegram chats are deleted, the author is told."""

from __future__ import annotations

from core.domain import ModerationState, Platform
from core.persistence.models import Post
from core.social import Origin
from tests.adapters.telegram.conftest import Telegram, messages, texts
from tests.support.images import png_bytes

GROUP = -1001234


async def test_hiding_a_post_deletes_what_the_bot_sent_and_tells_the_author(
    telegram: Telegram,
) -> None:
    app, fake = telegram.app, telegram.fake
    boss = fake.user(11, "Boss", "boss")
    bob = fake.user(22, "Bob", "bob")
    ana = fake.user(33, "Ana", "ana")
    group = fake.group(GROUP, "Painters", members=[bob, ana], admins=[boss])
    author = await app.services.accounts.resolve(Platform.TELEGRAM, "22", "Bob", handle_hint="bob")
    post = await app.services.posts.create(
        author,
        png_bytes((120, 5, 5)),
        caption="not nice",
        origin=Origin(Platform.TELEGRAM, str(GROUP), str(GROUP)),
    )
    [in_group] = messages(await telegram.say(ana, f"/show {post.id}", chat=group))
    [in_private] = messages(await telegram.say(ana, f"/show {post.id}"))
    copies = {(GROUP, in_group["message_id"]), (ana.id, in_private["message_id"])}
    assert copies <= set(fake.messages)

    done = texts(await telegram.say(boss, f"/mod hide {post.id} spam", chat=group))
    assert done[-1] == f"Post #{post.id} is hidden everywhere; its author was told."
    assert not copies & set(fake.messages), "both copies are deleted on Telegram"
    notice = fake.last_bot_message(bob)
    assert "hid your post" in notice["text"] and "spam" in notice["text"]
    assert (await Post.get(id=post.id)).moderation is ModerationState.HIDDEN
    [gone] = texts(await telegram.say(ana, f"/show {post.id}"))
    assert "does not exist or is not visible" in gone
    assert fake.rejections == []
