"""/imagine on Telegram: one status message edited in place, a private preview with owner-only
buttons, posting it, and a remix by someone else — all through the fake Bot API."""

from __future__ import annotations

from typing import Any

from core.domain import Platform
from core.persistence.models import Post
from tests.adapters.telegram.conftest import Telegram, messages
from tests.support.fakes import FakeProvider
from tests.support.telegram import FakeChat, FakeUser


def _shown(message: dict[str, Any]) -> str:
    return message.get("text") or message.get("caption") or ""


async def preview_in(telegram: Telegram, chat: FakeChat | FakeUser, job: int) -> dict[str, Any]:
    """Wait for job `job`'s preview (its keyboard message) in `chat`."""
    title = f"Preview of job #{job}"

    def found() -> bool:
        return any(_shown(m).startswith(title) for m in telegram.fake.bot_messages(chat))

    await telegram.fake.wait_for(found)
    return next(m for m in telegram.fake.bot_messages(chat) if _shown(m).startswith(title))


async def test_imagine_preview_post_and_remix(telegram: Telegram, provider: FakeProvider) -> None:
    fake, app = telegram.fake, telegram.app
    alice, bob = fake.user(101, "Alice", "alice"), fake.user(202, "Bob", "bob")

    [ack] = messages(await telegram.say(alice, "/imagine a lighthouse at dawn --count 2"))
    assert ack["text"].startswith("🎨 Job #1 is queued (position 1)")
    preview = await preview_in(telegram, alice, 1)
    status = fake.messages[(alice.id, ack["message_id"])]
    assert status["text"].startswith("✅ Job #1 is done"), "the status message was edited"
    albums = fake.sent(alice, "sendMediaGroup")
    assert [len(c.result) for c in albums] == [2]
    assert preview["text"].startswith("Preview of job #1\n“a lighthouse at dawn”")
    labels = [b["text"] for row in preview["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == [
        "📢 Post 1",
        "📢 Post 2",
        "🔀 Vary 1",
        "🔀 Vary 2",
        "🎲 Reroll",
        "🎨 Remix",
        "🗑 Discard",
    ]
    assert await Post.all().count() == 0, "nothing is public before posting"

    [choose] = messages(await telegram.press(alice, preview, "📢 Post 1"))
    assert choose["text"] == "Who should see this post?"
    [posted] = messages(await telegram.press(alice, choose, "🌍 Everyone"))
    assert posted["caption"].startswith("#1 by @alice (public)\nPrompt: a lighthouse at dawn")
    assert "AI-generated (fake)" in posted["caption"]
    assert (
        await app.services.sent_messages.post_for(
            Platform.TELEGRAM, str(alice.id), str(posted["message_id"])
        )
        == 1
    )

    await telegram.say(bob, "/follow @alice")
    [in_feed, _] = messages(await telegram.say(bob, "/feed"))
    assert in_feed["caption"].startswith("#1 by @alice")
    [remix_ack] = messages(await telegram.say(bob, "/remix 1 the same lighthouse at night"))
    assert remix_ack["text"].startswith("🎨 Job #2 is queued")
    remix_preview = await preview_in(telegram, bob, 2)
    assert "photo" in remix_preview, "one image: a photo with its caption and keyboard"
    assert provider.calls[-1][:2] == ("edit", "the same lighthouse at night")
    [choose] = messages(await telegram.press(bob, remix_preview, "📢 Post"))
    [remixed] = messages(await telegram.press(bob, choose, "🌍 Everyone"))
    assert remixed["caption"].startswith("#2 by @bob (public)")
    assert "remix of #1 by @alice" in remixed["caption"]
    assert fake.rejections == []


async def test_the_remix_button_asks_for_a_prompt(
    telegram: Telegram, provider: FakeProvider
) -> None:
    fake = telegram.fake
    alice = fake.user(101, "Alice", "alice")
    await telegram.say(alice, "/imagine a red fox")
    preview = await preview_in(telegram, alice, 1)
    await telegram.press(alice, preview, "🎨 Remix")
    prompt = fake.last_bot_message(alice)
    assert prompt["text"] == "Alice, reply to this message with your text for “🎨 Remix”."
    [ack] = messages(await telegram.say(alice, "in deep snow", reply_to=prompt))
    assert ack["text"].startswith("🎨 Job #2 is queued")
    await preview_in(telegram, alice, 2)
    assert provider.calls[-1][:2] == ("edit", "in deep snow")
    assert fake.rejections == []


async def test_a_stranger_cannot_post_someone_elses_preview(telegram: Telegram) -> None:
    fake = telegram.fake
    alice, eve = fake.user(101, "Alice", "alice"), fake.user(666, "Eve", "eve")
    group = fake.group(-1004242, "Painters", members=[alice, eve])
    await telegram.say(alice, "/imagine a red fox", chat=group)
    preview = await preview_in(telegram, group, 1)  # Telegram has no ephemeral messages
    refused = await telegram.press(eve, preview, "📢 Post")
    assert telegram.answer(refused)["show_alert"] is True
    assert [c.method for c in refused] == ["answerCallbackQuery"]
    assert await Post.all().count() == 0
    assert fake.rejections == []
