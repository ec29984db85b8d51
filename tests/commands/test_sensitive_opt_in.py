"""Issue 16, finding 5: safe by default everywhere. Sensitive (adult, violent) prompts and
posts need the person's opt-in with an age confirmation, and in a server or group its
policy's NSFW switch too."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.bootstrap import App
from core.domain import ChatKind, Platform
from core.persistence.models import Account, Destination, GenerationJob, Post
from core.safety.policy import shows_sensitive
from tests.commands.test_generation_commands import imagine
from tests.commands.test_server_policy import discord_member
from tests.core.test_data_rights_settings import _exported
from tests.digests.helpers import account, opted_in, pictures
from tests.support.chat import ChatUser, find_button, opt_in_to_sensitive


def shown_ids(replies: list) -> set[int]:
    titles = " ".join(r.title or "" for r in replies)
    return {int(part[1:]) for part in titles.split() if part[:1] == "#" and part[1:].isdigit()}


@pytest.mark.parametrize(
    "prompt", ["a nude woman", "nackte Frau am Strand", "gore and blood", "Massenmord im Dorf"]
)
async def test_sensitive_prompts_are_refused_in_private_by_default(app: App, prompt: str) -> None:
    alice = ChatUser(app, "alice")
    text = await alice.text(f"/imagine {prompt}")
    assert "off by default" in text and "/settings sensitive on" in text
    assert await GenerationJob.all().count() == 0


async def test_opting_in_needs_the_age_button_and_off_works_any_time(app: App) -> None:
    alice = ChatUser(app, "alice")
    ask = await alice.say("/settings sensitive on")
    assert "18 or older" in ask[0].text
    assert (await Account.get(handle="alice")).sensitive_confirmed_at is None  # not yet
    mallory = ChatUser(app, "mallory")
    refused = await mallory.press(find_button(ask, "settings sensitive"))
    assert refused[0].is_error  # another person's button
    assert (await Account.get(handle="alice")).sensitive_confirmed_at is None
    [done] = await alice.press(find_button(ask, "settings sensitive"))
    assert "on for you" in done.text
    assert (await Account.get(handle="alice")).sensitive_confirmed_at is not None
    sent = await imagine(app, alice, "/imagine a nude woman, oil painting")
    assert sent[-1].images  # made
    await alice.say("/settings sensitive off")
    assert (await Account.get(handle="alice")).sensitive_confirmed_at is None
    assert "off by default" in await alice.text("/imagine a nude woman")


async def test_export_says_whether_sensitive_posts_are_on(app: App) -> None:
    alice = ChatUser(app, "alice")
    await opt_in_to_sensitive(alice)
    [reply] = await alice.say("/export")
    assert not reply.is_error
    document = await _exported(app, await Account.get(handle="alice"))
    assert document["settings"]["sensitive_posts"] is True
    assert document["settings"]["sensitive_confirmed_at"]


async def test_a_server_needs_both_its_switch_and_the_persons_opt_in(app: App) -> None:
    admin = discord_member(app, "1", admin=True)
    member = discord_member(app, "2")
    await admin.say("/server nsfw on")
    refusal = (await member.say("/imagine a nude figure"))[0].text
    assert "/settings sensitive on" in refusal
    await opt_in_to_sensitive(member)
    assert await member.say("/imagine a nude figure") == []
    await admin.say("/server nsfw off")
    assert "doesn't allow" in (await member.say("/imagine a nude figure"))[0].text


async def test_uploads_with_a_sensitive_caption_need_the_opt_in(app: App) -> None:
    bob = await account(app, "bob")
    with pytest.raises(Exception, match="sensitive_not_opted_in"):
        await pictures(app, bob, 1, prompt="nude study")
    assert await Post.all().count() == 0


async def _spicy_and_calm(app: App) -> tuple[list[Post], list[Post]]:
    bob = await account(app, "bob")
    calm = await pictures(app, bob, 2, prompt="a harbour #sea")
    await opted_in(app, bob)
    spicy = await pictures(app, bob, 2, prompt="a nude study #sea")
    assert all(p.sensitive for p in spicy)
    return spicy, calm


async def test_sensitive_posts_reach_no_one_who_did_not_opt_in(app: App) -> None:
    spicy, calm = await _spicy_and_calm(app)
    spicy_ids, calm_ids = {p.id for p in spicy}, {p.id for p in calm}
    carol = ChatUser(app, "carol")
    await carol.say("/follow bob")
    for line in ("/feed", "/trending", "/trending week", "/tag sea", "/search sea"):
        shown = shown_ids(await carol.say(line))
        assert calm_ids & shown and not spicy_ids & shown, line
    for line in (f"/show {spicy[0].id}", f"/remix {spicy[0].id} a cat", f"/share {spicy[0].id}"):
        assert "marked sensitive" in await carol.text(line), line
    assert await GenerationJob.all().count() == 0
    await opt_in_to_sensitive(carol)
    for line in ("/feed", "/tag sea", "/search sea"):
        assert spicy_ids & shown_ids(await carol.say(line)), line
    # in a server with NSFW off, even an opted-in person doesn't see them
    carol.actor = replace(
        carol.actor, chat_id="chan", server_id="guild", chat_kind=ChatKind.CHANNEL
    )
    for line in ("/feed", "/tag sea", "/search sea", "/trending"):
        assert not spicy_ids & shown_ids(await carol.say(line)), line
    assert "marked sensitive" in await carol.text(f"/show {spicy[0].id}")


@pytest.mark.parametrize(
    ("opted_in", "shared", "place_allows", "shown"),
    [
        (False, False, False, False),
        (True, False, False, True),
        (False, True, True, False),
        (True, True, False, False),
        (True, True, True, True),
    ],
)
def test_both_viewer_and_place_must_allow(
    opted_in: bool, shared: bool, place_allows: bool, shown: bool
) -> None:
    from datetime import UTC, datetime

    viewer = Account(handle="v", display_name="v")
    viewer.sensitive_confirmed_at = datetime.now(UTC) if opted_in else None
    place = Destination(platform=Platform.DISCORD, chat_id="g", nsfw_allowed=place_allows)
    assert shows_sensitive(viewer, place, shared=shared) is shown


async def test_a_remix_of_a_sensitive_post_is_sensitive_whatever_its_prompt(app: App) -> None:
    from core.errors import Forbidden
    from core.social import Origin, Provenance
    from tests.support.images import png_bytes

    spicy, _ = await _spicy_and_calm(app)
    carol = await account(app, "carol")

    async def remix_by(person: Account) -> Post:
        return await app.services.posts.create(
            person,
            png_bytes((10, 20, 30), size=(64, 48)),
            origin=Origin(Platform.CONSOLE),
            provenance=Provenance(prompt="a cat"),
            remix_of=spicy[0],
        )

    with pytest.raises(Forbidden):
        await remix_by(carol)
    remixed = await remix_by(await opted_in(app, carol))
    assert remixed.sensitive
