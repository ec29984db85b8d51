"""/describe of an image attached to the slash command (an ATTACHMENT option), through the
real discord.py client against the fake Discord: the bytes come from the fake's CDN behind
a signed link, with the fake OpenAI's vision model (a key) or from the picture's colours (no
key); an oversized file and a non-image are refused with what to do, before any download."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import aiohttp
import pytest

from core.generation.description import Describer, OpenAIDescriber
from core.i18n import CATALOGS
from tests.adapters.discord.conftest import DiscordWorld
from tests.core.test_describe import detail_on_the_left
from tests.support.fake_discord.server import NITRO_UPLOAD_CAP
from tests.support.fake_openai import CHAT, MODERATIONS, FakeOpenAI
from tests.support.images import png_bytes

MB = 1024 * 1024


@pytest.fixture
async def openai_fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as server:
        yield server


def option(command: dict, name: str) -> dict:
    return next(o for o in command["options"] if o["name"] == name)


async def test_an_attached_image_is_described_from_its_colours_without_a_key(
    world: DiscordWorld,
) -> None:
    await world.start()
    describe = next(c for c in world.fake.commands["global"] if c["name"] == "describe")
    image = option(describe, "image")
    assert (image["type"], image.get("required", False)) == (11, False)  # ATTACHMENT
    assert image["name_localizations"] == {"de": "bild"}
    assert image["description_localizations"] == {"de": CATALOGS["de"]["param.describe.image"]}

    ada = world.person("ada")
    picture = world.fake.attach(detail_on_the_left(), "holiday.png")
    [reply] = await ada.slash("describe", image=picture)
    assert reply.ephemeral
    assert "Prompt ideas for your image" in reply.text
    assert "colours and composition" in reply.text and "red" in reply.text
    assert "on the left" in reply.text and "wide" in reply.text
    assert len([b for b in reply.custom_ids]) == 4, "a button to imagine each idea"
    assert world.fake.cdn_fetches == [picture.id], "downloaded once, from the signed link"
    assert world.fake.all_violations() == []


async def test_with_a_key_the_vision_model_sees_the_attached_bytes_after_moderation(
    world: DiscordWorld, openai_fake: FakeOpenAI
) -> None:
    world.app.services.describer = Describer(OpenAIDescriber(openai_fake.client(), "gpt-4.1-mini"))
    await world.start()
    data = png_bytes((200, 40, 90), size=(300, 200))
    picture = world.fake.attach(data, "fox.png")
    [reply] = await world.person("ada").slash("describe", image=picture)
    assert "looked at the image" in reply.text
    assert "#c8285a" in reply.text, "the fake model's ideas name the colour it saw"
    assert [call.route for call in openai_fake.calls] == [MODERATIONS, CHAT]
    [sent] = openai_fake.calls[0].body["input"]
    assert sent["image_url"]["url"] == "data:image/png;base64," + base64.b64encode(data).decode()
    assert openai_fake.violations == [] and world.fake.all_violations() == []


async def test_an_oversized_attachment_is_refused_before_it_is_downloaded(
    world: DiscordWorld, openai_fake: FakeOpenAI
) -> None:
    world.app.services.describer = Describer(OpenAIDescriber(openai_fake.client(), "gpt-4.1-mini"))
    await world.start()
    big = png_bytes() + b"\0" * (21 * MB)  # a Nitro member may attach up to 500 MiB
    picture = world.fake.attach(big, "huge.png", uploader_cap=NITRO_UPLOAD_CAP)
    [reply] = await world.person("ada").slash("describe", image=picture)
    assert reply.ephemeral
    assert "huge.png is 21.0 MB" in reply.text and "up to 20 MB" in reply.text
    assert "Send a smaller copy" in reply.text
    assert world.fake.cdn_fetches == [], "nothing downloaded"
    assert openai_fake.calls == []
    assert world.fake.all_violations() == []


async def test_a_file_that_is_not_an_image_is_refused_with_what_to_send(
    world: DiscordWorld,
) -> None:
    await world.start()
    ada = world.person("ada", locale="de")
    notes = world.fake.attach(b"shopping: eggs, milk\n", "notes.txt")
    [reply] = await ada.slash("describe", image=notes)
    assert "notes.txt ist kein Bild (text/plain)" in reply.text
    assert "PNG, JPEG, WEBP oder GIF" in reply.text
    assert world.fake.cdn_fetches == []

    # called an image by its name, but its bytes are not one: fetched, then refused
    disguised = world.fake.attach(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "logo.png")
    [reply] = await ada.slash("describe", image=disguised)
    assert "kein Bild, das Mosaic lesen kann" in reply.text
    assert world.fake.cdn_fetches == [disguised.id]

    [reply] = await ada.slash("describe")
    assert "Was soll beschrieben werden?" in reply.text and "Option bild" in reply.text
    both = world.fake.attach(png_bytes(), "a.png")
    [reply] = await ada.slash("describe", target="12", image=both)
    assert "nicht beides" in reply.text
    assert world.fake.all_violations() == []


async def test_the_fake_cdn_serves_only_signed_unexpired_links(world: DiscordWorld) -> None:
    await world.start()
    picture = world.fake.attach(png_bytes(), "a.png")
    payload = world.fake._attachment_payload(picture)
    signed = payload["url"]
    unsigned = signed.split("?")[0]
    tampered = signed.replace("a.png", "b.png")
    async with aiohttp.ClientSession() as session:
        for url in (unsigned, tampered):
            async with session.get(url) as answer:
                assert answer.status == 404
        async with session.get(signed) as answer:
            assert answer.status == 200 and await answer.read() == picture.data
        world.fake.clock.advance(hours=25)  # type: ignore[attr-defined]
        async with session.get(signed) as answer:
            assert answer.status == 404
            assert await answer.text() == "This content is no longer available."
