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


async def follow(app: App, follower: FakeUser, followee: FakeUser) -> None:
    accounts = app.services.accounts
    await app.services.graph.follow(
        await accounts.resolve(
            Platform.TELEGRAM,
            str(follower.id),
            follower.first_name,
            handle_hint=follower.username or "",
        ),
        await accounts.resolve(
            Platform.TELEGRAM,
            str(followee.id),
            followee.first_name,
            handle_hint=followee.username or "",
        ),
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

    # Five more authors: a page holds five posts and at most one per author (a quarter).
    for n in range(5):
        artist = fake.user(400 + n, f"Artist{n}", f"artist{n}")
        await post_by(app, artist, f"drawing {n}", shade=20 * n)
        await follow(app, bob, artist)
    page_one = messages(await telegram.say(bob, "/feed"))
    assert page_one[-1]["text"] == "Page 1"
    first = [m["caption"].split("\n")[0] for m in page_one[:-1]]
    assert len(first) == 5 and len({t.split(" by ")[1] for t in first}) == 5
    page_two = messages(await telegram.press(bob, page_one[-1], "Next ▶"))
    assert page_two[-1]["text"] == "Page 2"
    second = [m["caption"].split("\n")[0] for m in page_two[:-1]]
    assert {t.split(" ")[0] for t in first + second} == {f"#{n}" for n in range(1, 7)}
    mine = next(m for m in page_one[:-1] + page_two[:-1] if m["caption"].startswith("#1 "))
    assert "❤ 1 · 💬 1" in mine["caption"]
    fresh = messages(await telegram.press(bob, page_two[-1], "🔄 Fresh page"))
    assert fresh[-1]["text"] == "Page 1"

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
    for n in range(5):  # five authors: one post each fits a page (at most a quarter each)
        artist = fake.user(400 + n, f"Artist{n}", f"artist{n}")
        await post_by(app, artist, f"n{n}", shade=n)
        await follow(app, alice, artist)
    calls = await telegram.say(alice, "/feed")
    sends = [c for c in calls if c.method in ("sendPhoto", "sendMessage")]
    assert len(sends) == 6 and all(c.ok for c in sends)
    gaps = [b.at - a.at for a, b in itertools.pairwise(sends)]
    assert min(gaps) >= fake.chat_interval * fake.time_scale
    assert fake.rejections == []
