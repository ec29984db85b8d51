"""A group admin hides a post that a group digest and chats showed: every copy is deleted
on Telegram through the paced outbox, the author is told, and it appears nowhere after."""

from __future__ import annotations

import asyncio

from core.clock import FakeClock
from core.digests import parse_request
from core.domain import (
    ChatKind,
    ModerationState,
    OutboxOperation,
    OutboxState,
    Platform,
    RunState,
)
from core.persistence.models import DigestRun, OutboxMessage, Post, SentMessage
from core.social import Origin
from tests.adapters.telegram.conftest import Telegram, messages, texts
from tests.support.images import png_bytes

GROUP = -1001234


async def deliver(telegram: Telegram) -> None:
    """One scheduler tick, then until the Telegram outbox sender has nothing left due."""
    app = telegram.app
    await app.scheduler.tick()
    await asyncio.wait_for(app.scheduler.senders[Platform.TELEGRAM].drain(), 30)


async def test_hiding_a_post_deletes_every_copy_through_the_outbox(
    telegram: Telegram, clock: FakeClock
) -> None:
    app, fake = telegram.app, telegram.fake
    boss = fake.user(11, "Boss", "boss")
    bob = fake.user(22, "Bob", "bob")
    ana = fake.user(33, "Ana", "ana")
    group = fake.group(GROUP, "Painters", members=[bob, ana], admins=[boss])
    author = await app.services.accounts.resolve(Platform.TELEGRAM, "22", "Bob", handle_hint="bob")
    post = await app.services.posts.create(
        author,
        png_bytes((120, 5, 5)),
        caption="unicorn fields",
        origin=Origin(Platform.TELEGRAM, str(GROUP), str(GROUP)),
    )
    other = await app.services.posts.create(
        author, png_bytes((5, 120, 5)), caption="quiet harbour", origin=Origin(Platform.CONSOLE)
    )
    # the group gets a digest with both posts; people look at it in the group and privately
    destination = await app.services.destinations.get(
        Platform.TELEGRAM, str(GROUP), kind=ChatKind.GROUP, title="Painters"
    )
    target = {"chat_id": str(GROUP), "kind": ChatKind.GROUP.value}
    request = parse_request("daily 08:30 UTC 4", app.services.digests.calculator)
    owner = await app.services.accounts.resolve(Platform.TELEGRAM, "11", "Boss", handle_hint="boss")
    await app.services.digests.subscribe(owner, destination, target, request, personal=False)
    clock.advance(days=1)
    await deliver(telegram)
    digests = [c for c in fake.calls if c.ok and c.method == "sendPhoto" and c.chat_id == GROUP]
    assert len(digests) == 1
    digest_id = digests[0].result["message_id"]
    [in_group] = messages(await telegram.say(ana, f"/show {post.id}", chat=group))
    [in_private] = messages(await telegram.say(ana, f"/show {post.id}"))
    copies = {
        (GROUP, digest_id),
        (GROUP, in_group["message_id"]),
        (ana.id, in_private["message_id"]),
    }
    assert copies <= set(fake.messages)
    # the digest copy was delivered in the group: the group's admins may take it down
    assert await SentMessage.filter(server_id=str(GROUP)).count() == 2

    before = len(fake.calls)
    done = texts(await telegram.say(boss, f"/mod hide {post.id} spam", chat=group))
    assert done[-1] == f"Post #{post.id} is hidden everywhere; its author was told."
    retractions = await OutboxMessage.filter(operation=OutboxOperation.RETRACT)
    assert len(retractions) == 3
    await deliver(telegram)
    deletes = [c for c in telegram.calls_since(before) if c.method == "deleteMessage"]
    assert {(c.chat_id, int(c.params["message_id"])) for c in deletes} == copies
    assert len(deletes) == 3, "each copy is deleted once"
    assert not copies & set(fake.messages), "every copy is gone on Telegram"
    assert (
        await OutboxMessage.filter(
            operation=OutboxOperation.RETRACT, state=OutboxState.SENT
        ).count()
        == 3
    )
    assert not await SentMessage.filter(post_id=post.id).exists()
    notice = fake.last_bot_message(bob)
    assert "hid your post" in notice["text"] and "spam" in notice["text"]
    assert (await Post.get(id=post.id)).moderation is ModerationState.HIDDEN

    # nowhere afterwards: show, feed, search, trending, the next digest
    [gone] = texts(await telegram.say(ana, f"/show {post.id}"))
    assert "does not exist or is not visible" in gone
    for line in ("/feed", "/search unicorn", "/trending week"):
        shown = " ".join(texts(await telegram.say(ana, line)))
        assert f"#{post.id} " not in shown, line
    assert f"#{other.id} " in " ".join(texts(await telegram.say(ana, "/search harbour")))
    await app.services.posts.create(
        author, png_bytes((5, 5, 120)), caption="new dawn", origin=Origin(Platform.CONSOLE)
    )
    clock.advance(days=1)
    before = len(fake.calls)
    await deliver(telegram)
    [next_digest] = [c for c in telegram.calls_since(before) if c.ok and c.method == "sendPhoto"]
    keyboard = next_digest.params["reply_markup"]["inline_keyboard"]
    assert "unicorn" not in str(next_digest.params.get("caption", ""))
    assert len(keyboard) == 1  # only the new post (the hidden one never comes back)
    assert fake.rejections == []


async def test_a_waiting_digest_that_shows_a_taken_down_post_never_goes_out(
    telegram: Telegram, clock: FakeClock
) -> None:
    app, fake = telegram.app, telegram.fake
    boss = fake.user(11, "Boss", "boss")
    group = fake.group(GROUP, "Painters", admins=[boss])
    author = await app.services.accounts.resolve(Platform.TELEGRAM, "22", "Bob", handle_hint="bob")
    post = await app.services.posts.create(
        author,
        png_bytes((120, 5, 5)),
        caption="unicorn fields",
        origin=Origin(Platform.TELEGRAM, str(GROUP), str(GROUP)),
    )
    await app.services.posts.create(
        author, png_bytes((5, 120, 5)), caption="quiet harbour", origin=Origin(Platform.CONSOLE)
    )
    destination = await app.services.destinations.get(
        Platform.TELEGRAM, str(GROUP), kind=ChatKind.GROUP, title="Painters"
    )
    target = {"chat_id": str(GROUP), "kind": ChatKind.GROUP.value}
    request = parse_request("daily 08:30 UTC 4", app.services.digests.calculator)
    owner = await app.services.accounts.resolve(Platform.TELEGRAM, "11", "Boss", handle_hint="boss")
    await app.services.digests.subscribe(owner, destination, target, request, personal=False)
    clock.advance(days=1)
    await app.scheduler._runner.tick()  # composed and queued, not sent yet
    [waiting] = await OutboxMessage.filter(state=OutboxState.PENDING)
    assert post.id in waiting.reply["shows"]
    texts(await telegram.say(boss, f"/mod hide {post.id} spam", chat=group))
    await deliver(telegram)
    await waiting.refresh_from_db()
    assert waiting.state is OutboxState.WITHDRAWN
    assert not [c for c in fake.calls if c.method == "sendPhoto" and c.chat_id == GROUP]
    # the run was not delivered: its other picture comes in the next digest
    run = await DigestRun.get(id=waiting.run_id)
    assert (run.state, run.reason) == (RunState.FAILED, "digest.reason.withdrawn")
    clock.advance(days=1)
    await deliver(telegram)
    [later] = [c for c in fake.calls if c.ok and c.method == "sendPhoto" and c.chat_id == GROUP]
    buttons = str(later.params["reply_markup"])
    assert len(later.params["reply_markup"]["inline_keyboard"]) == 1, buttons
    assert "harbour" in later.params["caption"] and "unicorn" not in later.params["caption"]
