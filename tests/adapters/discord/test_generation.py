"""/imagine on Discord: deferred at once, status edited in place, a private preview with
buttons only its owner may press, posting, and remixing by button and by message menu."""

from __future__ import annotations

import asyncio

from core.clock import FakeClock
from core.persistence.models import Post
from tests.adapters.discord.conftest import DiscordWorld, Person
from tests.support.fake_discord import FakeInteraction, StoredMessage
from tests.support.fake_discord.interactions import AUTOCOMPLETE_RESULT, DEFERRED_MESSAGE, MODAL
from tests.support.fakes import FakeProvider


async def preview_of(world: DiscordWorld, started: FakeInteraction) -> StoredMessage:
    """Once the job is done: its preview (the status message says so first)."""

    def previews() -> list[StoredMessage]:
        return [m for m in world.fake.conversation(started) if "Preview" in m.text]

    await world.fake.wait_until(lambda: bool(previews()))
    (preview,) = previews()
    return preview


async def post_publicly(
    world: DiscordWorld, person: Person, preview: StoredMessage
) -> StoredMessage:
    (choose,) = await person.press(preview, "Post")
    assert choose.ephemeral and choose.text == "Who should see this post?"
    (post,) = await person.press(choose, "Everyone")
    return post


async def test_imagine_preview_post_and_remix(world: DiscordWorld, provider: FakeProvider) -> None:
    await world.start()
    place = world.fake.guild_channel()
    alice, bob, carol = (world.person(n, place) for n in ("alice", "bob", "carol"))

    started = await alice.start_slash("imagine", prompt="a red fox", style="watercolor")
    await world.settle(started)
    assert started.response_type == DEFERRED_MESSAGE
    assert started.latency < 0.5
    preview = await preview_of(world, started)
    (status, _) = world.fake.conversation(started)
    assert status.ephemeral and status.text.startswith("✅ Job #")  # edited in place
    assert preview.ephemeral  # only alice sees her preview
    (attachment,) = preview.payload["attachments"]
    assert preview.embed["image"]["url"] == f"attachment://{attachment['filename']}"
    assert provider.calls[0][2].style == "watercolor"

    (refused,) = await bob.press(preview, "Post")  # a preview's buttons are alice's
    assert refused.ephemeral and "someone else's" in refused.text

    post = await post_publicly(world, alice, preview)
    assert not post.ephemeral
    assert post.embed["title"].endswith("by @alice (public)")
    original = await Post.get(author__handle="alice")

    # bob remixes it with the post's button: a modal asks for his prompt
    opened = await bob.start_press(post, "Remix")
    remixing = await bob.answer_modal(opened, "as a stained-glass window")
    assert opened.response_type == MODAL
    assert remixing[0].ephemeral
    submitted = world.fake.interactions[max(world.fake.interactions)]
    remix_post = await post_publicly(world, bob, await preview_of(world, submitted))
    assert f"remix of #{original.id} by @alice" in remix_post.embed["footer"]["text"]

    # carol remixes through the message menu
    menu = await world.fake.message_menu(carol.user, place, "Remix with Mosaic", post)
    await carol.answer_modal(menu, "at night")
    assert menu.response_data["title"] == f"Remix post #{original.id}"
    carols = world.fake.interactions[max(world.fake.interactions)]
    await preview_of(world, carols)
    assert [call[1] for call in provider.calls] == [
        "a red fox",
        "as a stained-glass window",
        "at night",
    ]
    assert world.fake.all_violations() == []


async def test_the_remix_menu_on_a_message_without_a_post(world: DiscordWorld) -> None:
    await world.start()
    place = world.fake.guild_channel()
    alice = world.person("alice", place)
    (profile,) = await alice.slash("profile")
    menu = await world.fake.message_menu(alice.user, place, "Remix with Mosaic", profile)
    (answer,) = await world.settle(menu)
    assert answer.ephemeral and "doesn't show a Mosaic post" in answer.text
    assert world.fake.all_violations() == []


async def test_style_autocomplete_in_the_users_language(world: DiscordWorld) -> None:
    await world.start()
    for locale, typed, expected in (("en-US", "wat", "Watercolour"), ("de", "aqua", "Aquarell")):
        person = world.person(f"painter-{locale}", locale=locale)
        asked = await world.fake.autocomplete(
            person.user,
            person.place,
            "imagine",
            {"style": typed},
            focused="style",
            locale=locale,
        )
        await world.settle(asked)
        assert asked.response_type == AUTOCOMPLETE_RESULT
        assert asked.response_data["choices"][0] == {"name": expected, "value": "watercolor"}
        assert asked.latency < 0.5
    assert world.fake.all_violations() == []


async def test_a_job_that_outlives_the_interaction_token_arrives_by_dm(
    world: DiscordWorld, provider: FakeProvider, clock: FakeClock
) -> None:
    await world.start()
    place = world.fake.guild_channel()
    alice = world.person("alice", place)
    provider.gate = asyncio.Event()

    started = await alice.start_slash("imagine", prompt="a very slow fox")
    await world.settle(started)
    await provider.started.wait()
    clock.advance(minutes=16)  # the provider took longer than the token lives
    provider.gate.set()

    def delivered() -> list[StoredMessage]:
        dm = world.fake.dm_channels.get(alice.user.id)
        return world.fake.channel_messages(dm) if dm else []

    await world.fake.wait_until(lambda: any("Preview" in m.text for m in delivered()))
    done, preview = delivered()
    assert done.text.startswith("✅ Job #")
    assert world.fake.channel_messages(place.channel_id) == []  # nothing private in public
    post = await post_publicly(world, alice, preview)  # its buttons work there too
    assert post.embed["title"].endswith("by @alice (public)")
    assert world.fake.all_violations() == []
