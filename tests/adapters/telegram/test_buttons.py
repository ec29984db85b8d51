"""Who may press what: owner-only buttons, expired ones, prompts answered by someone else."""

from __future__ import annotations

from typing import Any

from core.delivery.replies import Button, Reply, TextInput
from core.domain import Platform
from core.persistence.models import Comment, Post
from tests.adapters.telegram.conftest import Telegram
from tests.adapters.telegram.test_social_flow import post_by
from tests.support.telegram import FakeChat, FakeUser

GROUP = -1009001


async def owned_button_message(
    telegram: Telegram, owner: FakeUser, chat: FakeChat, button: Button
) -> dict[str, Any]:
    """A message in `chat` with an owner-only button of `owner` (as a preview would have)."""
    account = await telegram.app.services.accounts.resolve(
        Platform.TELEGRAM, str(owner.id), owner.first_name, handle_hint=owner.username or ""
    )
    token = await telegram.app.services.tokens.issue(button.command, button.args, account.id)
    reply = Reply(text="Your post", buttons=((Button(**_fields(button), token=token),),))
    await telegram.adapter.messenger.send_to({"chat_id": str(chat.id), "kind": "group"}, reply)
    return telegram.fake.last_bot_message(chat)


def _fields(button: Button) -> dict[str, Any]:
    return {
        "label": button.label,
        "command": button.command,
        "args": button.args,
        "owner_only": True,
        "text_input": button.text_input,
    }


async def test_a_stranger_pressing_an_owner_only_button_gets_an_alert(telegram: Telegram) -> None:
    fake = telegram.fake
    alice, eve = fake.user(101, "Alice", "alice"), fake.user(666, "Eve", "eve")
    group = fake.group(GROUP, "Painters", members=[alice, eve])
    post = await post_by(telegram.app, alice, "mine")
    message = await owned_button_message(
        telegram, alice, group, Button("🗑 Delete", "delete", {"post": post.id})
    )

    refused = await telegram.press(eve, message, "🗑 Delete")
    assert telegram.answer(refused) == {
        "text": "This button belongs to someone else's message. Run the command yourself to "
        "get your own.",
        "show_alert": True,
    }
    assert [c.method for c in refused] == ["answerCallbackQuery"], "nothing else happens"
    assert (await Post.get(id=post.id)).deleted_at is None

    done = await telegram.press(alice, message, "🗑 Delete")
    assert telegram.answer(done) == {"text": f"Post #{post.id} is deleted.", "show_alert": False}
    assert (await Post.get(id=post.id)).deleted_at is not None
    assert fake.rejections == []


async def test_a_stranger_is_not_even_asked_for_text(telegram: Telegram) -> None:
    fake = telegram.fake
    alice, eve = fake.user(101, "Alice", "alice"), fake.user(666, "Eve", "eve")
    group = fake.group(GROUP, "Painters", members=[alice, eve])
    post = await post_by(telegram.app, alice, "mine")
    ask = TextInput("text", "Your comment", 2000)
    message = await owned_button_message(
        telegram, alice, group, Button("✏️ Note", "comment", {"post": post.id}, text_input=ask)
    )
    refused = await telegram.press(eve, message, "✏️ Note")
    assert telegram.answer(refused)["show_alert"] is True
    assert [c.method for c in refused] == ["answerCallbackQuery"]


async def test_a_prompt_answered_by_someone_else_does_nothing(telegram: Telegram) -> None:
    fake = telegram.fake
    alice, eve = fake.user(101, "Alice", "alice"), fake.user(666, "Eve", "eve")
    group = fake.group(GROUP, "Painters", members=[alice, eve])
    await post_by(telegram.app, alice, "look")
    [shown] = [c.result for c in await telegram.say(alice, "/show 1", chat=group) if c.ok]
    await telegram.press(alice, shown, "💬 Comment")
    prompt = fake.last_bot_message(group)
    assert prompt["entities"][0]["user"]["id"] == alice.id, "the prompt mentions the presser"

    assert await telegram.say(eve, "I answer instead", chat=group, reply_to=prompt) == []
    assert await Comment.all().count() == 0
    answered = await telegram.say(alice, "lovely", chat=group, reply_to=prompt)
    assert [c.result["text"] for c in answered] == ["Your comment on post #1 is up."]
    assert answered[0].params["reply_parameters"]["message_id"] > prompt["message_id"]
    assert fake.rejections == []


async def test_an_unknown_button_answers_that_it_expired(telegram: Telegram) -> None:
    fake = telegram.fake
    alice = fake.user(101, "Alice", "alice", language="de")
    await telegram.say(alice, "/help")
    message = fake.last_bot_message(alice)
    before = len(fake.calls)
    await telegram.handle(fake.press_data(alice, message, "zzzzzzzzzzzzzzzz"))
    assert telegram.answer(telegram.calls_since(before)) == {
        "text": "Dieser Knopf funktioniert nicht mehr. Bitte führ den Befehl noch einmal aus.",
        "show_alert": True,
    }


async def test_a_prompt_link_opened_in_a_private_chat_asks_there(telegram: Telegram) -> None:
    fake = telegram.fake
    alice = fake.user(101, "Alice", "alice")
    await post_by(telegram.app, alice, "look")
    [shown] = [c.result for c in await telegram.say(alice, "/show 1") if c.ok]
    token = next(
        b["callback_data"].removeprefix("ask:")
        for row in shown["reply_markup"]["inline_keyboard"]
        for b in row
        if b["callback_data"].startswith("ask:")
    )
    [prompt] = [c.result for c in await telegram.say(alice, f"/start ask_{token}") if c.ok]
    assert prompt["text"] == "Alice, reply to this message with your text for “your answer”."
    answered = await telegram.say(alice, "from the link", reply_to=prompt)
    assert [c.result["text"] for c in answered] == ["Your comment on post #1 is up."]
