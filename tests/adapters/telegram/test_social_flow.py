"""Two Telegram users run the social flow through the real client against the fake Bot API."""

from __future__ import annotations

import itertools

from bot.bootstrap import App
from core.domain import Platform
from core.persistence.models import Post
from core.social import Origin
from tests.adapters.telegram.conftest import Telegram, messages, texts
from tests.support.images import png_bytes
from tests.support.telegram import FakeUser


async def post_by(app: App, user: FakeUser, caption: str, shade: int = 0) -> Post:
    account = await app.services.accounts.resolve(
        Platform.TELEGRAM, str(user.id), user.first_name, handle_hint=user.username or ""
    )
    return await app.services.posts.create(
        account,
        png_bytes((shade, 100, 200)),
        caption=caption,
        origin=Origin(Platform.TELEGRAM, str(user.id)),
    )


async def test_follow_like_comment_and_page_the_feed(telegram: Telegram) -> None:
    app, fake = telegram.app, telegram.fake
    alice, bob = fake.user(101, "Alice", "alice"), fake.user(202, "Bob", "bob")
    first = await post_by(app, alice, "my cat")

    followed = await telegram.say(bob, "/follow @alice")
    assert texts(followed) == ["You now follow @alice. Their posts will show up in /feed."]

    feed = messages(await telegram.say(bob, "/feed"))
    assert [("photo" in m, m.get("text")) for m in feed] == [(True, None), (False, "Page 1")]
    shown = feed[0]
    assert shown["caption"] == "#1 by @alice (public)\nmy cat\n❤ 0 · 💬 0"
    assert [e["type"] for e in shown["caption_entities"]] == ["bold", "italic"]
    recorded = await app.services.sent_messages.post_for(
        Platform.TELEGRAM, str(bob.id), str(shown["message_id"])
    )
    assert recorded == first.id

    liked = await telegram.press(bob, shown, "❤ Like")
    assert telegram.answer(liked) == {"text": "You like post #1 (❤ 1).", "show_alert": False}
    assert [c.method for c in liked] == ["answerCallbackQuery"]
    assert (await Post.get(id=first.id)).like_count == 1

    pressed = await telegram.press(bob, shown, "💬 Comment")
    assert telegram.answer(pressed) == {"text": "", "show_alert": False}
    [ask] = [c for c in pressed if c.method == "sendMessage"]
    assert ask.params["reply_markup"]["force_reply"] is True
    assert ask.params["reply_markup"]["selective"] is True
    prompt = fake.last_bot_message(bob)
    assert prompt["text"] == "Bob, reply to this message with your text for “💬 Comment”."
    commented = await telegram.say(bob, "so fluffy", reply_to=prompt)
    assert texts(commented) == ["Your comment on post #1 is up."]
    assert texts(await telegram.say(alice, "/comments 1")) == ["Comments on #1\n@bob: so fluffy"]

    for n in range(5):
        await post_by(app, alice, f"drawing {n}", shade=20 * n)
    page_one = messages(await telegram.say(bob, "/feed"))
    assert [m.get("caption", m.get("text", "")).split("\n")[0] for m in page_one] == [
        "#6 by @alice (public)",
        "#5 by @alice (public)",
        "#4 by @alice (public)",
        "#3 by @alice (public)",
        "#2 by @alice (public)",
        "Page 1",
    ]
    page_two = messages(await telegram.press(bob, page_one[-1], "Next ▶"))
    assert [m.get("caption", m.get("text", "")).split("\n")[0] for m in page_two] == [
        "#1 by @alice (public)",
        "Page 2",
    ]
    assert "❤ 1 · 💬 1" in page_two[0]["caption"]
    back = messages(await telegram.press(bob, page_two[-1], "◀ Previous"))
    assert back[0]["caption"].startswith("#6 by @alice")

    assert fake.rejections == []


async def test_a_follow_button_under_a_post_acts_for_the_presser(telegram: Telegram) -> None:
    app, fake = telegram.app, telegram.fake
    alice, carol = fake.user(101, "Alice", "alice"), fake.user(303, "Carol", "carol")
    await post_by(app, alice, "hello")
    [shown] = messages(await telegram.say(carol, "/show 1"))
    followed = await telegram.press(carol, shown, "➕ Follow @alice")
    assert telegram.answer(followed)["text"].startswith("You now follow @alice.")
    followers = texts(await telegram.say(alice, "/followers"))
    assert followers == ["Followers of @alice\n• Carol (@carol)"]
    assert fake.rejections == []


async def test_pacing_keeps_a_whole_feed_within_one_message_per_second(telegram: Telegram) -> None:
    app, fake = telegram.app, telegram.fake
    alice = fake.user(101, "Alice", "alice")
    for n in range(5):
        await post_by(app, alice, f"n{n}", shade=n)
    calls = await telegram.say(alice, "/feed")
    sends = [c for c in calls if c.method in ("sendPhoto", "sendMessage")]
    assert len(sends) == 6 and all(c.ok for c in sends)
    gaps = [b.at - a.at for a, b in itertools.pairwise(sends)]
    assert min(gaps) >= fake.chat_interval * fake.time_scale
    assert fake.rejections == []
