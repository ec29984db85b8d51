"""Translation both ways, from recorded Telegram update shapes and neutral replies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import InlineKeyboardMarkup, Update

from bot.adapters.telegram._format import CAPTION_LIMIT, TEXT_LIMIT, compose, cut, utf16_len
from bot.adapters.telegram._translate import (
    ChatRef,
    OpenedPrompt,
    Photo,
    Pressed,
    PromptAnswer,
    TypedCommand,
    actor_for,
    album_chunks,
    callback_data,
    parse_callback_data,
    parse_command,
    parse_prompt_answer,
    pressed_label,
    prompt_kwargs,
    reply_calls,
)
from bot.invocation import Actor
from core.delivery.replies import Button, ImageRef, Reply, TextInput
from core.domain import ChatKind, Platform
from tests.support.telegram.entities import parse_html

UPDATES = Path(__file__).parent / "updates"
BOT = "mosaic_test_bot"
BOT_ID = 123456789


def update(name: str, **changes: Any) -> Update:
    data = json.loads((UPDATES / f"{name}.json").read_text(encoding="utf-8"))
    for path, value in changes.items():
        target = data
        *parents, leaf = path.split("__")
        for key in parents:
            target = target[key]
        target[leaf] = value
    return Update.de_json(data, None)


# ---------------------------------------------------------------- inbound


def test_a_private_message_makes_an_actor_with_name_handle_and_locale() -> None:
    message = update("private_command").message
    assert actor_for(message.from_user, message.chat) == Actor(
        platform=Platform.TELEGRAM,
        user_id="111222333",
        display_name="Jürgen Weiß",
        handle_hint="juergen_w",
        locale="de",
        chat_id="111222333",
        chat_kind=ChatKind.PRIVATE,
        server_id=None,
    )
    assert parse_command(message, BOT) == TypedCommand("/follow @alice")


def test_a_group_command_addressed_to_us_keeps_its_arguments() -> None:
    message = update("group_command_addressed").message
    actor = actor_for(message.from_user, message.chat)
    assert (actor.chat_kind, actor.server_id, actor.locale) == (
        ChatKind.GROUP,
        "-1001234567890",
        "pt-br",
    )
    assert actor.handle_hint == "Ana", "no username: the first name suggests a handle"
    assert parse_command(message, BOT) == TypedCommand("/comment 12 so good 🎨")
    assert parse_command(message, "Mosaic_Test_Bot") == TypedCommand("/comment 12 so good 🎨")


def test_a_command_for_another_bot_is_not_ours() -> None:
    assert parse_command(update("group_command_other_bot").message, BOT) is None


def test_plain_text_is_not_a_command() -> None:
    assert parse_command(update("plain_text_private").message, BOT) is None


def test_a_slash_without_a_command_entity_is_not_a_command() -> None:
    message = update("private_command", message__entities=[]).message
    assert parse_command(message, BOT) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/start post_42", TypedCommand("/show 42")),
        ("/start", TypedCommand("/help")),
        ("/start something_else", TypedCommand("/help")),
        ("/start post_x", TypedCommand("/help")),
        ("/start ask_p5xg7wq2ve3kaa4m", OpenedPrompt("p5xg7wq2ve3kaa4m")),
        ("/START post_7", TypedCommand("/show 7")),
    ],
)
def test_deep_links(text: str, expected: object) -> None:
    command = text.split()[0]
    message = update(
        "deep_link_start",
        message__text=text,
        message__entities=[{"type": "bot_command", "offset": 0, "length": len(command)}],
    ).message
    assert parse_command(message, BOT) == expected


def test_a_button_that_asks_for_text_and_its_label() -> None:
    query = update("callback_query").callback_query
    assert parse_callback_data(query.data) == Pressed("p5xg7wq2ve3kaa4m", asks_text=True)
    assert parse_callback_data("k3v2m6q7ra4tzbnd") == Pressed("k3v2m6q7ra4tzbnd", asks_text=False)
    assert pressed_label(query.message, query.data) == "💬 Comment"
    assert parse_callback_data(None) is None


def test_a_reply_to_our_prompt_by_the_person_asked_is_an_answer() -> None:
    message = update("prompt_reply").message
    assert parse_prompt_answer(message, BOT_ID) == PromptAnswer("p5xg7wq2ve3kaa4m", "what a sky ☁️")


def test_a_reply_to_our_prompt_by_someone_else_is_not() -> None:
    stranger = {"id": 999, "is_bot": False, "first_name": "Eve"}
    message = update("prompt_reply", message__from=stranger).message
    assert parse_prompt_answer(message, BOT_ID) is None


def test_a_reply_to_someone_elses_message_is_not_an_answer() -> None:
    message = update("prompt_reply").message
    assert parse_prompt_answer(message, bot_id=42) is None


def test_migration_and_membership_shapes() -> None:
    assert update("group_migrated").message.migrate_to_chat_id == -1001234567890
    change = update("my_chat_member_blocked").my_chat_member
    assert change.new_chat_member.status == "kicked"
    assert update("edited_message").message is None


# ---------------------------------------------------------------- outbound


def button(label: str, token: str | None = "tok0123456789abc", **kwargs: Any) -> Button:
    return Button(label, "like", {"post": 1}, token=token, **kwargs)


def photos(count: int) -> list[Photo]:
    return [Photo(b"x" * 10, f"{i}.png") for i in range(count)]


def visible_text(html: str) -> str:
    return parse_html(html)[0]


def test_a_text_reply_is_one_message_with_escaped_html_and_a_keyboard() -> None:
    reply = Reply(
        title="#1 by @a<b>",
        text="1 < 2 & 3 > 2",
        footer="❤ 1",
        buttons=(
            (
                button("❤ Like"),
                button("💬 Comment", text_input=TextInput("text", "Your comment", 2000)),
            ),
        ),
    )
    [call] = reply_calls(reply, [])
    assert call.method == "send_message" and call.main
    assert call.kwargs["text"] == "<b>#1 by @a&lt;b&gt;</b>\n1 &lt; 2 &amp; 3 &gt; 2\n<i>❤ 1</i>"
    markup: InlineKeyboardMarkup = call.kwargs["reply_markup"]
    assert [b.callback_data for b in markup.inline_keyboard[0]] == [
        "tok0123456789abc",
        "ask:tok0123456789abc",
    ]


def test_one_image_is_a_photo_with_a_caption_cut_on_a_word() -> None:
    words = "word " * 400  # 2,000 characters
    reply = Reply(title="#1", text=words, buttons=((button("Like"),),))
    [call] = reply_calls(reply, photos(1))
    assert call.method == "send_photo" and call.main
    caption = visible_text(call.kwargs["caption"])
    assert utf16_len(caption) <= CAPTION_LIMIT
    assert caption.endswith("word…")
    assert call.kwargs["reply_markup"] is not None


def test_albums_then_a_message_with_the_text_and_buttons() -> None:
    reply = Reply(text="three", buttons=((button("Post"),),))
    calls = reply_calls(reply, photos(3))
    assert [c.method for c in calls] == ["send_media_group", "send_message"]
    assert [c.main for c in calls] == [False, True]
    assert len(calls[0].kwargs["media"]) == 3


@pytest.mark.parametrize(
    ("count", "sizes"), [(2, [2]), (10, [10]), (11, [6, 5]), (12, [6, 6]), (25, [9, 9, 7])]
)
def test_albums_hold_two_to_ten_photos(count: int, sizes: list[int]) -> None:
    assert [len(c) for c in album_chunks(photos(count))] == sizes


def test_an_album_without_text_stands_for_itself() -> None:
    calls = reply_calls(Reply(), photos(2))
    assert [(c.method, c.main) for c in calls] == [("send_media_group", True)]


def test_files_are_documents_with_the_caption_on_the_first() -> None:
    calls = reply_calls(Reply(text="original"), [], photos(1))
    assert [(c.method, c.main) for c in calls] == [("send_document", True)]
    assert calls[0].kwargs["caption"] == "original"
    assert calls[0].kwargs["filename"] == "0.png"


def test_a_photo_over_ten_megabytes_goes_as_a_document() -> None:
    huge = Photo(b"x" * (10 * 1024 * 1024 + 1), "big.png")
    calls = reply_calls(Reply(text="big"), [huge])
    assert [c.method for c in calls] == ["send_document"]


def test_the_first_message_quotes_the_command() -> None:
    calls = reply_calls(Reply(text="hi"), photos(2), reply_to=77)
    assert calls[0].kwargs["reply_parameters"].message_id == 77
    assert "reply_parameters" not in calls[1].kwargs


def test_buttons_need_a_short_token() -> None:
    with pytest.raises(ValueError, match="no token"):
        callback_data(button("x", token=None))
    with pytest.raises(ValueError, match="64 bytes"):
        callback_data(button("x", token="é" * 33))
    assert callback_data(button("x", token="a" * 64)) == "a" * 64


def test_a_prompt_mentions_the_presser_and_links_the_token() -> None:
    kwargs = prompt_kwargs(
        language="en",
        user_id=5,
        name="<Eve>",
        label="💬 Comment",
        link="https://t.me/mosaic_test_bot?start=ask_abc",
    )
    text, entities = parse_html(kwargs["text"], lambda uid: {"id": uid, "first_name": "E"})
    assert text == "<Eve>, reply to this message with your text for “💬 Comment”."
    assert [e["type"] for e in entities] == ["text_mention", "text_link"]
    assert entities[1]["url"] == "https://t.me/mosaic_test_bot?start=ask_abc"
    assert kwargs["reply_markup"].selective is True


def test_empty_replies_send_nothing() -> None:
    assert reply_calls(Reply(), []) == []


def test_chat_refs_know_groups() -> None:
    assert ChatRef(-5, ChatKind.GROUP).is_group and not ChatRef(5).is_group


# ---------------------------------------------------------------- cutting text

_PIECES = st.sampled_from([*"ab cd\n<&>é", "🎨", "👍🏽", "e\u0301", "\u200d", "👩‍👩‍👧"])
_TEXT = st.lists(_PIECES, max_size=200).map("".join)


@given(text=_TEXT, limit=st.integers(min_value=1, max_value=120))
def test_cut_fits_and_keeps_a_clean_prefix(text: str, limit: int) -> None:
    result = cut(text, limit)
    assert utf16_len(result) <= limit
    if utf16_len(text) <= limit:
        assert result == text
    else:
        assert result.endswith("…")
        kept = result.removesuffix("…")
        assert text.startswith(kept)
        assert not kept.endswith("\u200d")
        rest = text[len(kept) :]
        assert not rest or not ("\u0300" <= rest[0] <= "\u036f"), "no mark cut from its letter"


@given(
    title=_TEXT,
    body=_TEXT,
    footer=_TEXT,
    limit=st.sampled_from([40, 200, CAPTION_LIMIT, TEXT_LIMIT]),
)
def test_composed_html_parses_and_fits(title: str, body: str, footer: str, limit: int) -> None:
    html = compose(title=title, body=body, footer=footer, limit=limit)
    text, _ = parse_html(html)
    assert utf16_len(text) <= limit


def test_a_long_word_is_cut_inside_it() -> None:
    assert cut("x" * 50, 10) == "x" * 9 + "…"


def test_image_refs_name_their_file(tmp_path: Path) -> None:
    assert ImageRef(tmp_path / "abc.webp").filename == "abc.webp"
