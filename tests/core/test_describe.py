"""/describe: prompt ideas from a vision model through the real SDK against the fake OpenAI
(success, refusal by moderation and by the model, an oversized image never sent), and without
a key (a Mosaic image from its prompt and style, an upload from its colours and composition);
the fake refuses what the API refuses."""

from __future__ import annotations

import base64
import io
import struct
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import openai
import pytest
from PIL import Image, ImageDraw

from bot.bootstrap import App
from core.errors import Forbidden, InvalidInput
from core.generation.description import (
    MAX_IMAGE_BYTES,
    Describer,
    OpenAIDescriber,
    ideas_from_prompt,
    subject_of,
)
from core.generation.picture_ideas import ideas_from_picture
from core.generation.styles import STYLES
from tests.core.test_feed import people, post
from tests.support.chat import ChatUser, find_button
from tests.support.fake_openai import CHAT, MODERATIONS, FakeOpenAI, flagged, refused
from tests.support.images import png_bytes


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as server:
        yield server


def detail_on_the_left(colour: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """A wide picture, mostly `colour`, with a white-and-black checkerboard on its left."""
    picture = Image.new("RGB", (320, 200), colour)
    draw = ImageDraw.Draw(picture)
    for x in range(10, 90, 10):
        for y in range(20, 180, 10):
            if (x + y) // 10 % 2:
                draw.rectangle((x, y, x + 9, y + 9), fill=(255, 255, 255))
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def oversized() -> bytes:
    """A valid PNG just over the API's limit for one image (padding after its end)."""
    return png_bytes((10, 120, 10)) + b"\0" * (MAX_IMAGE_BYTES + 1)


async def test_with_a_key_the_vision_model_writes_the_ideas_after_moderation(
    fake: FakeOpenAI,
) -> None:
    describer = Describer(OpenAIDescriber(fake.client(), "gpt-4.1-mini"))
    described = await describer.describe(png_bytes((200, 40, 90)), language="en")
    assert described.source == "vision"
    assert len(described.ideas) == 4
    assert all("#c8285a" in idea for idea in described.ideas), "the model saw the image"
    assert not described.ideas[0].startswith("1."), "list marks are stripped"
    assert [call.route for call in fake.calls] == [MODERATIONS, CHAT], "moderation first"
    [image] = fake.calls[0].body["input"]
    assert image["type"] == "image_url" and image["image_url"]["url"].startswith("data:image/png")
    assert fake.violations == []


async def test_a_flagged_image_is_refused_and_never_reaches_the_model(fake: FakeOpenAI) -> None:
    fake.script(MODERATIONS, flagged("violence/graphic"))
    describer = Describer(OpenAIDescriber(fake.client(), "gpt-4.1-mini"))
    with pytest.raises(Forbidden) as refusal:
        await describer.describe(png_bytes(), language="en")
    assert refusal.value.key == "error.describe_refused"
    assert fake.calls_to(CHAT) == []


async def test_a_refusal_of_the_model_is_refused_to_the_user(fake: FakeOpenAI) -> None:
    fake.script(CHAT, refused())
    describer = Describer(OpenAIDescriber(fake.client(), "gpt-4.1-mini"))
    with pytest.raises(Forbidden):
        await describer.describe(png_bytes(), language="en", prompt="a fox, watercolor")
    assert fake.violations == []


async def test_an_oversized_image_is_never_sent(fake: FakeOpenAI) -> None:
    describer = Describer(OpenAIDescriber(fake.client(), "gpt-4.1-mini"))
    described = await describer.describe(oversized(), language="en")
    assert fake.calls == [], "not even to moderation"
    assert described.source == "picture" and len(described.ideas) == 4


async def test_the_fake_refuses_what_the_api_refuses(fake: FakeOpenAI) -> None:
    client = fake.client()
    big = base64.b64encode(oversized()).decode()
    with pytest.raises(openai.BadRequestError):  # over 20 MB
        await client.chat.completions.create(
            model="gpt-4.1-mini",
            messages=[
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "ideas"},
                        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{big}"}},
                    ],
                }
            ],
        )
    small = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
    with pytest.raises(openai.BadRequestError):  # a model without image input
        await client.chat.completions.create(
            model="gpt-3.5-turbo",
            messages=[
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "image_url",
                            "image_url": {"url": f"data:image/png;base64,{small}"},
                        }
                    ],
                }
            ],
        )
    with pytest.raises(openai.BadRequestError):  # not an image
        await client.chat.completions.create(
            model="gpt-4.1-mini",
            messages=[
                {
                    "role": "user",
                    "content": [
                        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}
                    ],
                }
            ],
        )
    assert len(fake.violations) == 3


def test_without_a_key_a_mosaic_image_is_described_from_its_prompt_and_style() -> None:
    prompt = "a red fox in the snow, watercolor"
    assert subject_of(prompt) == "a red fox in the snow"
    ideas = ideas_from_prompt(prompt, "watercolor", "en")
    assert len(ideas) == 4 and all(idea.startswith("a red fox in the snow") for idea in ideas)
    others = [name for name in STYLES if name != "watercolor"]
    assert sum(any(STYLES[n].prompt_suffix in idea for n in others) for idea in ideas) == 3
    assert STYLES["watercolor"].prompt_suffix in ideas[-1], "its own style, somewhere else"
    assert ideas == ideas_from_prompt(prompt, "watercolor", "en"), "the same image, same ideas"


def test_without_a_key_an_upload_is_described_from_its_colours_and_composition() -> None:
    english = ideas_from_picture(detail_on_the_left(), "en")
    assert "red" in english[0] and "on the left" in english[0] and "wide" in english[0]
    german = ideas_from_picture(detail_on_the_left(), "de")
    assert "Rot" in german[0] and "links" in german[0]
    blue = ideas_from_picture(detail_on_the_left((40, 70, 210)), "en")
    assert "blue" in blue[0] and "red" not in blue[0], "the colours come from the picture"


async def test_describe_a_post_in_the_chat_offers_a_button_to_imagine_each(
    app: App, tmp_path: Path
) -> None:
    (alice,) = await people(app, "alice")
    made = await post(app, alice, "a lighthouse at dusk, pixel art")
    user = ChatUser(app, "alice")
    replies = await user.say(f"/describe {made.id}")
    [reply] = replies
    assert f"#{made.id}" in (reply.title or "") and "prompt the image was made with" in (
        reply.footer or ""
    )
    button = find_button(replies, "imagine")
    assert button.args["prompt"].startswith("a lighthouse at dusk")
    picture = tmp_path / "upload.png"
    picture.write_bytes(detail_on_the_left())
    [upload] = await user.say(f"/describe {picture}")
    assert "colours and composition" in (upload.footer or "") and "red" in upload.text
    not_image = tmp_path / "notes.png"
    not_image.write_bytes(b"hello")
    assert (await user.say(f"/describe {not_image}"))[0].is_error


def _png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims `width` × `height` pixels (and whose data is not there)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


async def test_a_picture_pillow_refuses_is_refused_not_an_internal_error() -> None:
    describer = Describer()
    with pytest.raises(InvalidInput) as bomb:  # 40,000² pixels: a decompression bomb
        await describer.describe(_png_header(40_000, 40_000), language="en")
    assert bomb.value.key == "error.describe_too_many_pixels"
    with pytest.raises(InvalidInput) as damaged:  # a PNG's first bytes, then nothing usable
        await describer.describe(_png_header(64, 64), language="en")
    assert damaged.value.key == "error.describe_not_image"
