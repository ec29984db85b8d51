"""Getting messages out under Telegram's limits and failures: 429s, blocked users, migrated
groups, albums, long texts, progress edits."""

from __future__ import annotations

import asyncio
import itertools
import logging
from pathlib import Path

import pytest

from bot.adapters.telegram import ChatUnavailable
from core.delivery import DestinationMoved, OutboxItem
from core.delivery.replies import Button, ImageRef, Reply
from core.delivery.reply_codec import encode_reply
from core.domain import Platform
from tests.adapters.telegram.conftest import Telegram
from tests.digests.helpers import FAST
from tests.support.images import png_bytes
from tests.support.telegram.entities import utf16_len

GROUP = -1007001


def images(tmp_path: Path, count: int) -> tuple[ImageRef, ...]:
    refs = []
    for n in range(count):
        path = tmp_path / f"img{n}.png"
        path.write_bytes(png_bytes((n * 20 % 256, 80, 160)))
        refs.append(ImageRef(path))
    return tuple(refs)


async def test_a_429_storm_loses_nothing(telegram: Telegram) -> None:
    fake = telegram.fake
    users = [fake.user(1000 + n, f"User{n}", f"user{n}") for n in range(12)]
    fake.throttle_next(7, retry_after=3)
    update_ids = [fake.say(user, "/profile") for user in users]
    await asyncio.gather(*(telegram.handle(u) for u in update_ids))

    assert [r.code for r in fake.rejections] == [429] * 7
    for user in users:
        tries = [c for c in fake.calls if c.method == "sendMessage" and c.chat_id == user.id]
        assert [c.ok for c in tries][-1] is True, "every reply arrives"
        assert sum(c.ok for c in tries) == 1, "exactly once"
        for refused, retried in itertools.pairwise(tries):
            waited = (retried.at - refused.at) / fake.time_scale
            assert waited >= 3, "the bot waited retry_after before trying again"


async def test_retries_are_bounded(telegram: Telegram, caplog: pytest.LogCaptureFixture) -> None:
    fake = telegram.fake
    ana = fake.user(202, "Ana", "ana")
    fake.throttle_next(1000, retry_after=1)
    calls = await telegram.say(ana, "/help")
    assert [c.ok for c in calls] == [False] * 8, "4 tries for the reply, 4 for the apology"
    assert any("failed (error id" in r.getMessage() for r in caplog.records)


async def test_a_user_who_blocked_the_bot_pauses_their_chat(telegram: Telegram) -> None:
    fake, app = telegram.fake, telegram.app
    bob = fake.user(202, "Bob", "bob")
    await telegram.say(bob, "/help")
    fake.block_bot(bob)
    target = {"chat_id": str(bob.id), "kind": "private"}
    with pytest.raises(ChatUnavailable):
        await telegram.adapter.messenger.send_to(target, Reply(text="your digest"))
    place = await app.services.destinations.find(Platform.TELEGRAM, str(bob.id))
    assert place is not None and place.paused_reason == "Forbidden: bot was blocked by the user"

    before = len(fake.calls)
    with pytest.raises(ChatUnavailable):
        await telegram.adapter.messenger.send_to(target, Reply(text="another one"))
    assert telegram.calls_since(before) == [], "nothing more is sent there"

    await telegram.handle(fake.unblock_bot(bob))
    assert (
        await app.services.destinations.find(Platform.TELEGRAM, str(bob.id))
    ).paused_reason is None
    await telegram.adapter.messenger.send_to(target, Reply(text="welcome back"))
    assert fake.last_bot_message(bob)["text"] == "welcome back"
    assert [r.code for r in fake.rejections] == [403]


async def test_being_blocked_is_also_learned_from_a_member_update(telegram: Telegram) -> None:
    fake, app = telegram.fake, telegram.app
    bob = fake.user(202, "Bob", "bob")
    update_id = fake.block_bot(bob, notify=True)
    assert update_id is not None
    await telegram.handle(update_id)
    place = await app.services.destinations.find(Platform.TELEGRAM, str(bob.id))
    assert place is not None and place.paused_reason == "bot kicked in this chat"
    with pytest.raises(ChatUnavailable):
        await telegram.adapter.messenger.send_to({"chat_id": str(bob.id)}, Reply(text="hi"))
    assert fake.rejections == [], "no request went out"


async def test_a_migrated_group_keeps_its_settings_and_gets_the_message(telegram: Telegram) -> None:
    """The messenger reports the migration (`DestinationMoved`, sending nothing); the outbox
    moves the destination with its settings and sends there."""
    fake, app = telegram.fake, telegram.app
    boss = fake.user(11, "Boss", "boss")
    group = fake.group(GROUP, "Painters", admins=[boss])
    await telegram.say(boss, "/server language de", chat=group)
    fake.migrate(group, -100777, notify=False)

    target = {"chat_id": str(GROUP), "kind": "group"}
    with pytest.raises(DestinationMoved) as moved_to:
        await telegram.adapter.messenger.send_to(target, Reply(text="Tagesauswahl"))
    assert moved_to.value.new_chat_id == "-100777"
    assert [(r.code, r.chat_id) for r in fake.rejections] == [(400, GROUP)]
    assert fake.bot_messages(-100777) == []

    sender = app.add_messenger(Platform.TELEGRAM, telegram.adapter.messenger, limits=FAST)
    await app.outbox.add([outbox_item(target, Reply(text="Tagesauswahl"), "daily")])
    await app.scheduler.tick()
    await asyncio.wait_for(sender.drain(), 10)
    assert fake.last_bot_message(-100777)["text"] == "Tagesauswahl"
    moved = await app.services.destinations.find(Platform.TELEGRAM, "-100777")
    assert moved is not None and moved.language == "de"
    assert await app.services.destinations.find(Platform.TELEGRAM, str(GROUP)) is None

    with pytest.raises(DestinationMoved):  # a later message for the old id: known to have moved
        await telegram.adapter.messenger.send_to(target, Reply(text="noch eine"))
    assert len(fake.rejections) == 1, "Telegram is not asked again"
    await telegram.say(boss, "/help", chat=group)  # replies in the group follow it at once
    assert len(fake.rejections) == 1 and len(fake.bot_messages(-100777)) == 2


def outbox_item(target: dict[str, str], reply: Reply, key: str) -> OutboxItem:
    return OutboxItem(
        platform=Platform.TELEGRAM,
        chat_key=target["chat_id"],
        group_chat=True,
        target=target,
        reply=encode_reply(reply),
        dedupe_key=key,
    )


async def test_a_migration_update_moves_the_group(telegram: Telegram) -> None:
    fake, app = telegram.fake, telegram.app
    boss = fake.user(11, "Boss", "boss")
    group = fake.group(GROUP, "Painters", admins=[boss])
    await telegram.say(boss, "/server language de", chat=group)
    fake.migrate(group, -100888)
    await telegram.handle(max(u["update_id"] for u in fake._queue))
    moved = await app.services.destinations.find(Platform.TELEGRAM, "-100888")
    assert moved is not None and moved.language == "de"
    sender = app.add_messenger(Platform.TELEGRAM, telegram.adapter.messenger, limits=FAST)
    target = {"chat_id": str(GROUP), "kind": "group"}
    await app.outbox.add([outbox_item(target, Reply(text="hallo"), "greeting")])
    await app.scheduler.tick()
    await asyncio.wait_for(sender.drain(), 10)
    assert fake.last_bot_message(-100888)["text"] == "hallo"
    assert fake.rejections == []


async def test_a_busy_group_is_paced_to_twenty_a_minute(telegram: Telegram) -> None:
    fake = telegram.fake
    group = fake.group(GROUP, "Painters")
    target = {"chat_id": str(GROUP), "kind": "group"}
    for n in range(23):
        await telegram.adapter.messenger.send_to(target, Reply(text=f"message {n}"))
    sends = fake.sent(group)
    assert len(sends) == 23 and fake.rejections == []
    window = (sends[20].at - sends[0].at) / fake.time_scale
    assert window >= fake.group_window, "the 21st waited for the first to leave the window"


async def test_albums_and_their_keyboard(telegram: Telegram, tmp_path: Path) -> None:
    fake = telegram.fake
    ana = fake.user(202, "Ana", "ana")
    token = await telegram.app.services.tokens.issue("help", {}, None)
    reply = Reply(
        text="four variations",
        images=images(tmp_path, 4),
        buttons=((Button("Help", "help", token=token),),),
    )
    handle = await telegram.adapter.messenger.send_to({"chat_id": str(ana.id)}, reply)
    group_call, keyboard_call = fake.sent(ana)
    assert group_call.method == "sendMediaGroup" and len(group_call.result) == 4
    assert keyboard_call.result["text"] == "four variations"
    assert keyboard_call.result["reply_markup"]["inline_keyboard"][0][0]["text"] == "Help"
    assert handle is not None and handle.message_id == keyboard_call.result["message_id"]

    await telegram.adapter.messenger.send_to(
        {"chat_id": str(ana.id)}, Reply(images=images(tmp_path, 12))
    )
    albums = fake.sent(ana)[2:]
    assert [len(c.result) for c in albums] == [6, 6]
    assert fake.rejections == []


async def test_long_texts_and_captions_are_cut_to_fit(telegram: Telegram, tmp_path: Path) -> None:
    fake = telegram.fake
    ana = fake.user(202, "Ana", "ana")
    target = {"chat_id": str(ana.id)}
    long = "Mosaic " * 1000
    await telegram.adapter.messenger.send_to(target, Reply(title="Long", text=long))
    await telegram.adapter.messenger.send_to(
        target, Reply(title="Long", text=long, images=images(tmp_path, 1), footer="❤ 1")
    )
    text_message, photo_message = fake.bot_messages(ana)
    assert 4000 < utf16_len(text_message["text"]) <= 4096
    assert text_message["text"].endswith("Mosaic…")
    assert 1000 < utf16_len(photo_message["caption"]) <= 1024
    assert photo_message["caption"].endswith("Mosaic…\n❤ 1")
    assert fake.rejections == []


async def test_progress_is_one_message_edited(telegram: Telegram, tmp_path: Path) -> None:
    fake = telegram.fake
    ana = fake.user(202, "Ana", "ana")
    conversation = telegram.adapter.conversation({"chat_id": str(ana.id), "kind": "private"})
    handle = await conversation.send(Reply(text="Generating…"))
    await conversation.edit(handle, Reply(text="Generating… 50%"))
    await conversation.edit(handle, Reply(text="Generating… 50%"))  # nothing new: no error
    assert [m["text"] for m in fake.bot_messages(ana)] == ["Generating… 50%"]

    first, second = images(tmp_path, 2)
    await conversation.edit(handle, Reply(text="Your image", images=(first,)))
    [photo] = fake.bot_messages(ana)
    assert photo["caption"] == "Your image", "text became a photo: replaced, old one deleted"
    await conversation.edit(handle, Reply(text="Rerolled", images=(second,)))
    await conversation.edit(handle, Reply(text="Posted as #1"))
    [final] = fake.bot_messages(ana)
    assert final["caption"] == "Posted as #1" and final["message_id"] == photo["message_id"]
    assert fake.files[final["photo"][0]["file_id"]] == second.path.read_bytes()
    edits = [c.method for c in fake.calls if c.method.startswith(("edit", "deleteMessage"))]
    assert edits == [
        "editMessageText",
        "editMessageText",
        "deleteMessage",
        "editMessageMedia",
        "editMessageCaption",
    ]
    assert [r.description.split(":")[1].strip() for r in fake.rejections] == [
        "message is not modified"
    ]


async def test_nothing_in_the_logs_shows_the_token(
    telegram: Telegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake = telegram.fake
    ana = fake.user(202, "Ana", "ana")
    await telegram.say(ana, "/help")
    logging.getLogger("telegram.ext.Updater").error("oops at %s", fake.base_url + fake.token)
    fake.throttle_next(1000)
    await telegram.say(ana, "/help")  # fails: logged with a traceback
    assert any("oops at" in r.getMessage() for r in caplog.records)
    for record in caplog.records:
        assert fake.token not in record.getMessage()
        assert fake.token not in (caplog.handler.format(record))
    assert fake.token not in repr(telegram.adapter) + repr(telegram.app.settings)
