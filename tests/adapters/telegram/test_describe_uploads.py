"""/describe of a photo sent on Telegram, through the real python-telegram-bot against the
fake Bot API: a photo captioned `/describe`, `/describe` sent as a reply to a photo, an image
sent as a file; the largest photo size is fetched with getFile and a download from the file
server; with the fake OpenAI's vision model (a key) and without; an oversized file and a
non-image are refused with what to do, and nothing over the limit is downloaded."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.error import BadRequest, InvalidToken

from core.domain import Audience, Platform
from core.generation.description import Describer, OpenAIDescriber
from core.social import Origin
from core.social.posts import Provenance
from tests.adapters.telegram.conftest import Telegram, texts
from tests.core.test_describe import detail_on_the_left
from tests.support.fake_openai import CHAT, MODERATIONS, FakeOpenAI
from tests.support.images import png_bytes

MB = 1024 * 1024
GROUP = -1007001


@pytest.fixture
async def openai_fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as server:
        yield server


def last_update(telegram: Telegram) -> int:
    return max(u["update_id"] for u in telegram.fake._queue)


async def test_a_photo_captioned_describe_is_described_from_its_largest_size(
    telegram: Telegram,
) -> None:
    fake = telegram.fake
    ana = fake.user(202, "Ana", "ana")
    before = len(fake.calls)
    update = fake.send_photo(ana, png_bytes((200, 40, 40), size=(1000, 600)), caption="/describe")
    await telegram.handle(update)
    calls = telegram.calls_since(before)
    photo = fake.messages[(ana.id, 1)]["photo"]
    assert [(s["width"], s["height"]) for s in photo] == [
        (90, 54),
        (320, 192),
        (800, 480),
        (1000, 600),
    ]
    [get_file] = [c for c in calls if c.method == "getFile"]
    assert get_file.params["file_id"] == photo[-1]["file_id"], "the largest size"
    assert fake.downloads == [photo[-1]["file_id"]]
    [answer] = texts(calls)
    assert "Prompt ideas for your image" in answer and "colours and composition" in answer
    assert "red" in answer
    keyboard = fake.last_bot_message(ana)["reply_markup"]["inline_keyboard"]
    assert [b["text"] for b in keyboard[0]] == [f"🎨 Try {n}" for n in range(1, 5)]
    assert fake.rejections == []


async def test_describe_answering_a_photo_in_a_group_describes_that_photo(
    telegram: Telegram,
) -> None:
    fake = telegram.fake
    ana = fake.user(202, "Ana", "ana")
    ben = fake.user(203, "Ben", "ben")
    # a picture alone, in a private chat: the bot says what it can do with it
    await telegram.handle(fake.send_photo(ana, png_bytes()))
    assert "answer it with /describe" in fake.last_bot_message(ana)["text"]
    group = fake.group(GROUP, "Painters", members=[ana, ben])
    shared = fake.user_photo(ben, detail_on_the_left(), chat=group)  # Ben shares a picture
    before = len(fake.calls)
    await telegram.handle(fake.say(ana, "/describe@mosaic_test_bot", chat=group, reply_to=shared))
    calls = telegram.calls_since(before)
    assert [c.method for c in calls if c.method == "getFile"] == ["getFile"]
    assert fake.downloads == [shared["photo"][-1]["file_id"]]
    answer = "\n".join(texts(calls))
    assert "on the left" in answer and "wide" in answer
    assert fake.rejections == []


async def test_describe_answering_one_of_our_posts_describes_that_post(
    telegram: Telegram,
) -> None:
    fake = telegram.fake
    ana = fake.user(202, "Ana", "ana")
    author = await telegram.app.services.accounts.resolve(Platform.TELEGRAM, "202", "Ana")
    made = await telegram.app.services.posts.create(
        author,
        png_bytes((20, 120, 200)),
        audience=Audience.PUBLIC,
        origin=Origin(Platform.TELEGRAM, "202"),
        provenance=Provenance("local", "procedural-v1", "a lighthouse at dusk, pixel art"),
    )
    await telegram.say(ana, f"/show {made.id}")
    shown = fake.last_bot_message(ana)
    assert "photo" in shown
    calls = await telegram.say(ana, "/describe", reply_to=shown)
    [answer] = texts(calls)
    assert f"Prompt ideas for post #{made.id}" in answer
    assert "From the prompt the image was made with" in answer
    assert "a lighthouse at dusk" in answer
    assert [c for c in calls if c.method == "getFile"] == [], "the post, not its picture"
    assert fake.rejections == []


async def test_with_a_key_an_image_sent_as_a_file_reaches_the_vision_model_as_sent(
    telegram: Telegram, openai_fake: FakeOpenAI
) -> None:
    telegram.app.services.describer = Describer(
        OpenAIDescriber(openai_fake.client(), "gpt-4.1-mini")
    )
    fake = telegram.fake
    ana = fake.user(202, "Ana", "ana")
    data = png_bytes((200, 40, 90), size=(300, 200))
    before = len(fake.calls)
    await telegram.handle(
        fake.send_file(ana, data, "fox.png", mime_type="image/png", caption="/describe")
    )
    [answer] = texts(telegram.calls_since(before))
    assert "looked at the image" in answer and "#c8285a" in answer
    assert [call.route for call in openai_fake.calls] == [MODERATIONS, CHAT]
    [sent] = openai_fake.calls[0].body["input"]
    assert sent["image_url"]["url"] == "data:image/png;base64," + base64.b64encode(data).decode()
    assert openai_fake.violations == [] and fake.rejections == []


async def test_an_oversized_file_is_refused_before_getfile_or_by_it(
    telegram: Telegram, openai_fake: FakeOpenAI
) -> None:
    telegram.app.services.describer = Describer(
        OpenAIDescriber(openai_fake.client(), "gpt-4.1-mini")
    )
    fake = telegram.fake
    ana = fake.user(202, "Ana", "ana")
    big = png_bytes() + b"\0" * (25 * MB)
    before = len(fake.calls)
    await telegram.handle(
        fake.send_file(ana, big, "huge.png", mime_type="image/png", caption="/describe")
    )
    calls = telegram.calls_since(before)
    [answer] = texts(calls)
    assert "huge.png is 25.0 MB" in answer and "up to 20 MB" in answer
    assert "Send a smaller copy" in answer
    assert [c for c in calls if c.method == "getFile"] == [], "its size was known: not asked"

    # the message did not say its size: getFile does, and refuses ("file is too big")
    before = len(fake.calls)
    await telegram.handle(
        fake.send_file(
            ana, big, "huge.png", mime_type="image/png", caption="/describe", weighed=False
        )
    )
    calls = telegram.calls_since(before)
    [refused] = [c for c in calls if c.method == "getFile"]
    assert refused.error is not None and refused.error.description == (
        "Bad Request: file is too big"
    )
    [answer] = texts(calls)
    assert "huge.png is over 20 MB" in answer
    assert fake.downloads == [] and openai_fake.calls == []


async def test_a_file_that_is_not_an_image_is_refused_with_what_to_send(
    telegram: Telegram,
) -> None:
    fake = telegram.fake
    ana = fake.user(202, "Ana", "ana", language="de")
    before = len(fake.calls)
    await telegram.handle(
        fake.send_file(
            ana, b"eggs, milk\n", "notes.txt", mime_type="text/plain", caption="/describe"
        )
    )
    calls = telegram.calls_since(before)
    [answer] = texts(calls)
    assert "notes.txt ist kein Bild (text/plain)" in answer and "PNG, JPEG, WEBP oder GIF" in answer
    assert [c for c in calls if c.method == "getFile"] == []

    before = len(fake.calls)
    await telegram.handle(fake.say(ana, "/describe"))
    [answer] = texts(telegram.calls_since(before))
    assert "Was soll beschrieben werden?" in answer and "Bildunterschrift /describe" in answer
    assert fake.downloads == []


async def test_the_fake_file_server_is_as_strict_as_telegram(telegram: Telegram) -> None:
    fake = telegram.fake
    files = fake.base_url.removesuffix("/bot") + "/file/bot"
    bot = Bot(fake.token, base_url=fake.base_url, base_file_url=files)
    async with bot:
        with pytest.raises(BadRequest, match="Invalid file_id"):
            await bot.get_file("nope")
        ana = fake.user(202, "Ana", "ana")
        await telegram.handle(fake.send_file(ana, b"x" * (21 * MB), "big.bin"))
        [big_id] = [k for k in fake.files if fake.files[k] == b"x" * (21 * MB)]
        with pytest.raises(BadRequest, match="File is too big"):
            await bot.get_file(big_id)
        await telegram.handle(fake.send_file(ana, b"small", "small.bin"))
        small = await bot.get_file(next(k for k, v in fake.files.items() if v == b"small"))
        assert bytes(await small.download_as_bytearray()) == b"small"
        assert small.file_path is not None
        with pytest.raises(InvalidToken):  # 404 for a path getFile never gave (PTB's name)
            await bot.request.retrieve(small.file_path.replace("file_doc", "file_xdoc"))
