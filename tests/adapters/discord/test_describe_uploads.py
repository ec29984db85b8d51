"""/describe of an image attached to the slash command (an ATTACHMENT option), through the
real discord.py client against the fake Discord: the bytes come from the fake's CDN behind
a signed link, with the fake OpenAI's vision model (a key; an image moderation flags is
refused) or from the picture's colours (no key); an oversized file and a non-image are
refused with what to do, before any download; the "Describe with Mosaic" message menu."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import aiohttp
import pytest

from core.domain import Audience, Platform
from core.generation.description import Describer, OpenAIDescriber
from core.i18n import CATALOGS
from core.social import Origin
from core.social.posts import Provenance
from tests.adapters.discord.conftest import DiscordWorld
from tests.adapters.discord.helpers import account_of
from tests.core.test_describe import detail_on_the_left
from tests.support.fake_discord.server import NITRO_UPLOAD_CAP
from tests.support.fake_openai import CHAT, MODERATIONS, FakeOpenAI, flagged
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

    # An image moderation flags is refused, and the vision model never sees it.
    openai_fake.script(MODERATIONS, flagged("violence/graphic"))
    flagged_picture = world.fake.attach(png_bytes((90, 10, 10)), "gore.png")
    [reply] = await world.person("bob").slash("describe", image=flagged_picture)
    assert reply.ephemeral and "does not pass moderation" in reply.text
    assert [call.route for call in openai_fake.calls] == [MODERATIONS, CHAT, MODERATIONS]
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


async def test_the_describe_menu_on_a_message_describes_its_picture_or_its_post(
    world: DiscordWorld,
) -> None:
    await world.start()
    menus = [c["name"] for c in world.fake.commands["global"] if c.get("type") == 3]
    assert "Describe with Mosaic" in menus
    place = world.fake.guild_channel()
    ada, bob = world.person("ada", place), world.person("bob", place)

    # Bob posts a holiday picture in the channel; Ada asks for ideas from it.
    picture = world.fake.attach(detail_on_the_left(), "beach.png")
    posted = world.fake.user_message(bob.user, place, "look!", attachments=(picture,))
    menu = await world.fake.message_menu(ada.user, place, "Describe with Mosaic", posted)
    [reply] = await world.settle(menu)
    assert reply.ephemeral and "Prompt ideas for your image" in reply.text
    assert "red" in reply.text and "on the left" in reply.text
    assert world.fake.cdn_fetches == [picture.id]

    # A message without a picture says so.
    plain = world.fake.user_message(bob.user, place, "no picture here")
    menu = await world.fake.message_menu(ada.user, place, "Describe with Mosaic", plain)
    [reply] = await world.settle(menu)
    assert reply.ephemeral and "has no picture to describe" in reply.text

    # One of Mosaic's post messages: the post, described from its prompt.
    made = await world.app.services.posts.create(
        await account_of(world.app, bob.user),
        png_bytes((20, 120, 200)),
        audience=Audience.PUBLIC,
        origin=Origin(Platform.DISCORD, str(place.channel_id)),
        provenance=Provenance("local", "procedural-v1", "a lighthouse at dusk, pixel art"),
    )
    [shown] = await bob.slash("show", post=made.id)
    menu = await world.fake.message_menu(ada.user, place, "Describe with Mosaic", shown)
    [reply] = await world.settle(menu)
    assert f"Prompt ideas for post #{made.id}" in reply.text
    assert "From the prompt the image was made with" in reply.text
    assert world.fake.cdn_fetches == [picture.id], "the post's own image, not a download"
    assert world.fake.all_violations() == []
