"""Mosaic channels on SQLite and PostgreSQL: an admin connects a chat, new public posts by
its members (or about its topic) are queued in the outbox once per (channel, post), the
paced sender delivers them with buttons, and whatever may not be shown is not sent."""

from __future__ import annotations

from dataclasses import replace

from bot.bootstrap import App
from core.delivery import DeliveryBlocked, DestinationMoved, OutboxItem
from core.domain import (
    Audience,
    ChatKind,
    ModerationState,
    OutboxState,
    Platform,
    SanctionKind,
)
from core.persistence.models import Account, Destination, MosaicChannel, OutboxMessage, Post
from core.social import Origin
from tests.digests.helpers import (
    RecordingMessenger,
    account,
    console_sender,
    deliver,
    group_admin,
    opted_in,
)
from tests.support.images import png_bytes

PLACE = "g1"
TARGET = {"chat_id": PLACE}


async def picture(
    app: App,
    author: Account,
    caption: str,
    *,
    chat: str | None = None,
    audience: Audience = Audience.PUBLIC,
    shade: int = 0,
) -> Post:
    return await app.services.posts.create(
        author,
        png_bytes((30 + shade % 200, 90, 140), size=(64, 48)),
        caption=caption,
        audience=audience,
        origin=Origin(Platform.CONSOLE, chat, chat),
    )


async def member(app: App, name: str) -> Account:
    """Someone who uses Mosaic in the place: they posted there once."""
    person = await account(app, name)
    await picture(app, person, f"{name} says hello", chat=PLACE, shade=len(name))
    return person


async def queued(post: Post | None = None) -> list[OutboxMessage]:
    rows = OutboxMessage.filter(channel_id__not_isnull=True)
    if post is not None:
        rows = rows.filter(post_id=post.id)
    return await rows.order_by("id")


async def test_an_admin_connects_a_channel_and_members_posts_arrive_with_buttons(
    app: App,
) -> None:
    carol = group_admin(app, "carol", PLACE)
    bob = await member(app, "bob")
    stranger = await account(app, "dora")
    assert await queued() == []  # the hello was made in the place itself, before it connected

    answer = await carol.text("/server crosspost on")
    assert "now a Mosaic channel" in answer
    assert "Mosaic channel: new public posts by members" in await carol.text("/server show")

    mine = await picture(app, bob, "a red fox in snow", shade=1)
    await picture(app, stranger, "a red fox too", shade=2)  # not a member: not here
    await picture(app, bob, "only for me", audience=Audience.PRIVATE, shade=3)
    await picture(app, bob, "for my followers", audience=Audience.FOLLOWERS, shade=4)
    made_here = await picture(app, bob, "made in the group", chat=PLACE, shade=5)
    rows = await queued()
    assert [row.post_id for row in rows] == [mine.id]  # one row: the public post from elsewhere
    assert rows[0].dedupe_key == f"crosspost:{rows[0].channel_id}:{mine.id}"
    assert not await queued(made_here)

    await app.services.crossposts.post_published(mine)  # deciding twice queues one message
    assert len(await queued(mine)) == 1

    messenger = RecordingMessenger()
    sender = console_sender(app, messenger)
    await deliver(app, sender)
    (shown,) = messenger.to(chat_id=PLACE)
    assert shown.post_id == mine.id and shown.title == f"#{mine.id} by @bob (public)"
    assert shown.images and shown.images[0].path.exists()
    commands = [button.command for row in shown.buttons for button in row]
    assert commands == ["show", "like", "comment", "remix", "follow"]
    assert all(button.token for row in shown.buttons for button in row)
    assert "shared from Console" in (shown.footer or "")
    assert (await queued(mine))[0].state is OutboxState.SENT

    dora = group_admin(app, "dora", PLACE, admin=False)
    liked = await dora.press(shown.buttons[0][1])  # a channel's buttons work for anyone
    assert f"You like post #{mine.id}" in liked[0].text


async def test_a_topic_channel_gets_matching_posts_from_anyone(app: App) -> None:
    carol = group_admin(app, "carol", PLACE)
    answer = await carol.text("/server crosspost on topic Misty Lakes #winter")
    assert "Mosaic channel for Misty Lakes #winter" in answer
    dora = await account(app, "dora")
    fox = await picture(app, dora, "a lake at dawn", shade=1)  # "Lakes" matches "lake"
    tagged = await picture(app, dora, "snowy hills #winter", shade=2)
    await picture(app, dora, "a lighthouse at dusk", shade=3)
    assert {row.post_id for row in await queued()} == {fox.id, tagged.id}
    assert "new public posts about Misty Lakes #winter" in await carol.text("/server show")


async def test_wrong_topics_and_members_only_commands_are_refused(app: App) -> None:
    carol = group_admin(app, "carol", PLACE)
    assert "Say which topic" in await carol.text("/server crosspost on topic")
    assert "no words I can match" in await carol.text("/server crosspost on topic the of")
    assert "looks like a topic" in await carol.text("/server crosspost on members cats")
    member_only = group_admin(app, "dave", PLACE, admin=False)
    refused = await member_only.text("/server crosspost on")
    assert "admin" in refused.lower()
    assert await MosaicChannel.all().count() == 0
    assert "nothing to switch off" in await carol.text("/server crosspost off")


async def test_hidden_deleted_and_sanctioned_posts_are_not_sent(app: App) -> None:
    carol = group_admin(app, "carol", PLACE)
    bob = await member(app, "bob")
    eve = await member(app, "eve")
    await carol.text("/server crosspost on")
    hidden = await picture(app, bob, "to be hidden", shade=1)
    deleted = await picture(app, bob, "to be deleted", shade=2)
    later_banned = await picture(app, eve, "before the ban", shade=3)
    fine = await picture(app, bob, "stays", shade=4)
    assert len(await queued()) == 4

    # After queueing, before sending: moderation hides one, its author deletes another,
    # and eve is banned in the place.
    await Post.filter(id=hidden.id).update(moderation=ModerationState.HIDDEN)
    await app.services.posts.delete(bob, deleted.id)
    carol_account = await account(app, "carol")
    sanctions = app.services.safety.sanctions
    await sanctions.impose(
        eve,
        SanctionKind.BAN,
        platform=Platform.CONSOLE,
        server_id=PLACE,
        until=None,
        reason="spam",
        by=carol_account,
    )
    assert not await queued(await picture(app, eve, "after the ban", shade=5))

    messenger = RecordingMessenger()
    sender = console_sender(app, messenger)
    await deliver(app, sender)
    assert [reply.post_id for reply in messenger.to(chat_id=PLACE)] == [fine.id]
    # taken down meanwhile: withdrawn (like any message showing them); sanctioned: withheld
    assert (sender.stats.withdrawn, sender.stats.withheld) == (2, 1)
    states = {row.post_id: (row.state, row.last_error) for row in await queued()}
    assert states[fine.id] == (OutboxState.SENT, None)
    for post in (hidden, deleted):
        assert states[post.id][0] is OutboxState.WITHDRAWN
    state, reason = states[later_banned.id]
    assert state is OutboxState.FAILED and reason is not None and "withheld" in reason


async def test_a_blocked_channel_pauses_with_its_reason_and_reconnecting_resumes(
    app: App,
) -> None:
    carol = group_admin(app, "carol", PLACE)
    bob = await member(app, "bob")
    await carol.text("/server crosspost on")
    first = await picture(app, bob, "one", shade=1)
    second = await picture(app, bob, "two", shade=2)

    def refuse(target: dict[str, str], reply: object) -> None:
        raise DeliveryBlocked("403: the bot was removed from the group")

    messenger = RecordingMessenger(script=refuse)
    sender = console_sender(app, messenger)
    await deliver(app, sender)
    assert messenger.calls == 1  # the second is dropped with the chat, not tried
    rows = {row.post_id: row for row in await queued()}
    assert {rows[first.id].state, rows[second.id].state} == {OutboxState.FAILED}
    place = await Destination.get(platform=Platform.CONSOLE, chat_id=PLACE)
    assert place.paused_reason == "403: the bot was removed from the group"
    shown = await carol.text("/server show")
    assert "paused: 403: the bot was removed from the group" in shown

    third = await picture(app, bob, "three", shade=3)
    assert not await queued(third)  # nothing is queued for a paused channel

    assert "now a Mosaic channel" in await carol.text("/server crosspost on")
    messenger.script = None
    fourth = await picture(app, bob, "four", shade=4)
    await deliver(app, sender)
    assert [reply.post_id for reply in messenger.to(chat_id=PLACE)] == [fourth.id]


async def test_switching_off_drops_what_still_waits(app: App) -> None:
    carol = group_admin(app, "carol", PLACE)
    bob = await member(app, "bob")
    await carol.text("/server crosspost on")
    await picture(app, bob, "waiting", shade=1)
    assert len(await queued()) == 1
    assert "no longer a Mosaic channel" in await carol.text("/server crosspost off")
    assert await queued() == []
    assert "Mosaic channel: no" in await carol.text("/server show")
    await picture(app, bob, "after", shade=2)
    assert await queued() == []


async def test_a_digest_subscriber_counts_as_a_member(app: App) -> None:
    carol = group_admin(app, "carol", PLACE)
    await carol.text("/digest subscribe daily 08:30 Europe/Berlin")
    await carol.text("/server crosspost on")
    carols = await picture(app, await account(app, "carol"), "from my DM", shade=1)
    assert [row.post_id for row in await queued()] == [carols.id]


async def test_a_migrated_group_takes_its_mosaic_channel_along(app: App) -> None:
    carol = group_admin(app, "carol", "-100")
    bob = await account(app, "bob")
    await picture(app, bob, "hello", chat="-100", shade=1)
    await carol.text("/server crosspost on")
    first = await picture(app, bob, "first", shade=2)

    def migrated(target: dict[str, str], reply: object) -> None:
        if target.get("chat_id") == "-100":
            raise DestinationMoved("-100200")

    messenger = RecordingMessenger(script=migrated)
    sender = console_sender(app, messenger)
    await deliver(app, sender)
    assert [reply.post_id for reply in messenger.to(chat_id="-100200")] == [first.id]
    channel = await MosaicChannel.get()
    assert (channel.target, channel.server_id) == ({"chat_id": "-100200"}, "-100200")
    second = await picture(app, bob, "second", shade=3)
    await deliver(app, sender)
    assert [reply.post_id for reply in messenger.to(chat_id="-100200")] == [first.id, second.id]


async def test_a_channel_speaks_its_servers_language(app: App) -> None:
    admin = group_admin(app, "carol", "channel-7")
    admin.actor = replace(admin.actor, chat_kind=ChatKind.CHANNEL, server_id="guild-1")
    await admin.say("/server language de")  # set for the whole server (a Discord guild)
    assert "Mosaic-Kanal" in await admin.text("/server crosspost on topic drachen")
    dora = await account(app, "dora")
    kite = await picture(app, dora, "ein roter Drachen", shade=1)
    messenger = RecordingMessenger()
    await deliver(app, console_sender(app, messenger))
    (shown,) = messenger.to(chat_id="channel-7")
    assert shown.post_id == kite.id
    assert "geteilt aus Console" in (shown.footer or "")
    assert [button.label for button in shown.buttons[0]][:2] == ["🔎 Öffnen", "❤ Gefällt mir"]


async def test_cross_posts_are_queued_with_the_post_and_a_failing_one_never_loses_it(
    app: App,
) -> None:
    carol = group_admin(app, "carol", PLACE)
    bob = await member(app, "bob")
    await carol.text("/server crosspost on")

    class HalfwayFailure:
        """A listener that queues a message and then fails."""

        async def post_published(self, post: Post) -> None:
            item = OutboxItem(
                platform=Platform.CONSOLE,
                chat_key=PLACE,
                target=TARGET,
                reply={"text": "half"},
                dedupe_key=f"halfway:{post.id}",
            )
            await app.outbox.add([item])
            raise RuntimeError("the renderer broke halfway")

    app.services.posts.on_published(HalfwayFailure())
    post = await picture(app, bob, "a heron at dawn", shade=7)
    assert await Post.exists(id=post.id)  # the post stands
    assert len(await queued(post)) == 1  # the cross-post, queued in the post's transaction
    # the failing listener's half-done work went with its savepoint
    assert not await OutboxMessage.exists(dedupe_key=f"halfway:{post.id}")


async def test_sensitive_posts_reach_only_channels_whose_server_allows_nsfw(app: App) -> None:
    carol = group_admin(app, "carol", PLACE)
    bob = await opted_in(app, await member(app, "bob"))
    await carol.text("/server crosspost on")
    gory = await picture(app, bob, "a gory battlefield", shade=1)
    assert gory.sensitive and not await queued(gory)  # NSFW is off by default

    await carol.text("/server nsfw on")
    allowed = await picture(app, bob, "another gory battlefield", shade=2)
    assert len(await queued(allowed)) == 1
