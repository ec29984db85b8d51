"""The fake Bot API rejects what Telegram rejects (so "no rejections" in other tests means
something). Driven with python-telegram-bot's own Bot, no adapter."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter

from bot.adapters.telegram._sender import retry_seconds
from tests.support.images import png_bytes
from tests.support.telegram import FakeBotApi

USER = 501
GROUP = -600


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    api = FakeBotApi(chat_interval=0, group_messages=3)
    await api.start()
    api.user(USER, "Una", "una")
    api.group(GROUP, "Painters")
    yield api
    await api.stop()


@pytest.fixture
async def bot(fake: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(fake.token, base_url=fake.base_url) as client:
        yield client


async def test_get_me_and_a_clean_send(fake: FakeBotApi, bot: Bot) -> None:
    assert bot.username == "mosaic_test_bot"
    sent = await bot.send_message(USER, "<b>hi</b> &amp; bye", parse_mode="HTML")
    assert sent.text == "hi & bye" and sent.entities[0].type == "bold"
    assert fake.rejections == []


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("x" * 4097, "message is too long"),
        ("🎨" * 2049, "message is too long"),  # 4,098 UTF-16 units
        ("a < b", "can't parse entities"),
        ("<blink>x</blink>", "can't parse entities"),
        ("<b>x</i>", "can't parse entities"),
        ("<b></b>", "message text is empty"),
    ],
)
async def test_text_limits_and_html(fake: FakeBotApi, bot: Bot, text: str, error: str) -> None:
    with pytest.raises(BadRequest, match=rf"(?i){error}"):
        await bot.send_message(USER, text, parse_mode="HTML")
    [rejection] = fake.rejections
    assert error in rejection.description


async def test_captions_over_1024_are_rejected(fake: FakeBotApi, bot: Bot) -> None:
    await bot.send_photo(USER, png_bytes(), caption="x" * 1024)
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_photo(USER, png_bytes(), caption="x" * 1025)
    assert len(fake.rejections) == 1


async def test_callback_data_is_1_to_64_bytes(fake: FakeBotApi, bot: Bot) -> None:
    def markup(data: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data=data)]])

    await bot.send_message(USER, "ok", reply_markup=markup("é" * 32))  # 64 bytes
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "no", reply_markup=markup("a" * 65))
    assert len(fake.rejections) == 1


@pytest.mark.parametrize("count", [1, 11])
async def test_media_groups_hold_2_to_10(fake: FakeBotApi, bot: Bot, count: int) -> None:
    media = [InputMediaPhoto(png_bytes(), filename=f"{i}.png") for i in range(count)]
    with pytest.raises(BadRequest, match=r"(?i)2-10"):
        await bot.send_media_group(USER, media)
    assert len(fake.rejections) == 1


async def test_photos_over_10_mb_are_rejected(fake: FakeBotApi, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)10 MB"):
        await bot.send_photo(USER, b"\x89PNG" + b"0" * (10 * 1024 * 1024))
    with pytest.raises(BadRequest, match=r"(?i)PHOTO_INVALID_DIMENSIONS"):
        await bot.send_photo(USER, png_bytes(size=(5001, 5000)))


async def test_one_message_per_second_per_chat() -> None:
    api = FakeBotApi(time_scale=1.0)
    await api.start()
    try:
        api.user(USER, "Una")
        async with Bot(api.token, base_url=api.base_url) as client:
            await client.send_message(USER, "one")
            with pytest.raises(RetryAfter) as flood:
                await client.send_message(USER, "two")
        assert retry_seconds(flood.value) == 1
        assert [r.code for r in api.rejections] == [429]
    finally:
        await api.stop()


async def test_twenty_messages_per_minute_per_group(fake: FakeBotApi, bot: Bot) -> None:
    for n in range(3):  # this fake allows 3 per window
        await bot.send_message(GROUP, f"m{n}")
    with pytest.raises(RetryAfter) as flood:
        await bot.send_message(GROUP, "one too many")
    assert 1 <= retry_seconds(flood.value) <= 60
    await bot.send_message(USER, "private chats are not limited per minute")
    assert [r.code for r in fake.rejections] == [429]


async def test_blocked_kicked_migrated_and_unknown_chats(fake: FakeBotApi, bot: Bot) -> None:
    fake.block_bot(fake.users[USER])
    with pytest.raises(Forbidden, match=r"(?i)blocked by the user"):
        await bot.send_message(USER, "hello?")
    fake.chats[GROUP].kicked = True
    with pytest.raises(Forbidden, match=r"(?i)kicked from the group"):
        await bot.send_message(GROUP, "hello?")
    fake.group(-700, "Old")
    fake.migrate(fake.chats[-700], -100700, notify=False)
    with pytest.raises(ChatMigrated) as moved:
        await bot.send_message(-700, "hello?")
    assert moved.value.new_chat_id == -100700
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(424242, "hello?")
    assert [r.code for r in fake.rejections] == [403, 403, 400, 400]


async def test_callback_answers_once_and_short(fake: FakeBotApi, bot: Bot) -> None:
    message = await bot.send_message(
        USER,
        "x",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data="d")]]),
    )
    fake.press(fake.users[USER], message.to_dict(), "b")
    fake.press(fake.users[USER], message.to_dict(), "b")
    with pytest.raises(BadRequest, match=r"(?i)MESSAGE_TOO_LONG"):
        await bot.answer_callback_query("1", text="x" * 201)
    assert await bot.answer_callback_query("1", text="ok")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query("1")
    assert fake.answers["1"] == {"text": "ok", "show_alert": False}


async def test_edits_that_change_nothing_are_refused(fake: FakeBotApi, bot: Bot) -> None:
    sent = await bot.send_message(USER, "same")
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_text("same", USER, sent.message_id)
    edited = await bot.edit_message_text("new", USER, sent.message_id)
    assert edited.text == "new"
