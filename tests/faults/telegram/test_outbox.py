"""Faults of the Telegram platform, through the real python-telegram-bot against the fake
Bot API, for messages that go through the outbox (digests, notices): a dropped connection,
a group that removed the bot, a chat that is gone. SQLite and PostgreSQL.

The 429 storm, a blocked user and a migrated group are in tests/adapters/telegram
(test_delivery.py, test_digests.py); these add what the outbox must do beyond them.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from core.clock import FakeClock
from core.delivery import OutboxItem
from core.delivery.replies import Reply
from core.delivery.reply_codec import encode_reply
from core.delivery.sender import MAX_ATTEMPTS, OutboxSender
from core.domain import ChatKind, DigestState, OutboxState, Platform
from core.persistence.models import DigestSubscription, OutboxMessage
from tests.adapters.telegram.conftest import Telegram
from tests.adapters.telegram.test_digests import bob_posts, subscribe
from tests.digests.helpers import FAST


def sender_for(telegram: Telegram) -> OutboxSender:
    return telegram.app.add_messenger(Platform.TELEGRAM, telegram.adapter.messenger, limits=FAST)


async def queue_notes(telegram: Telegram, chats: list[int]) -> None:
    await telegram.app.outbox.add(
        [
            OutboxItem(
                platform=Platform.TELEGRAM,
                chat_key=str(chat),
                target={"chat_id": str(chat), "kind": "private"},
                reply=encode_reply(Reply(text=f"note for {chat}")),
                dedupe_key=f"note:{chat}",
            )
            for chat in chats
        ]
    )


async def deliver(telegram: Telegram, sender: OutboxSender, clock: FakeClock) -> None:
    """Send what is due, then again after each backoff, until nothing waits."""
    for _ in range(MAX_ATTEMPTS + 1):
        await telegram.app.scheduler.tick()
        await asyncio.wait_for(sender.drain(), 20)
        waiting = OutboxMessage.filter(state__in=[OutboxState.PENDING, OutboxState.SENDING])
        if not await waiting.exists():
            return
        clock.advance(hours=1)  # past any backoff


def received(telegram: Telegram) -> Counter[int]:
    return Counter(m["chat"]["id"] for m in telegram.fake.messages.values() if "text" in m)


async def test_telegram_out_of_reach_loses_nothing(telegram: Telegram, clock: FakeClock) -> None:
    """No connection could be opened: nothing can have arrived, so it is sent again later."""
    fake = telegram.fake
    users = [fake.user(3000 + n, f"User{n}") for n in range(6)]
    sender = sender_for(telegram)
    await queue_notes(telegram, [u.id for u in users])
    await fake.go_offline()
    await telegram.app.scheduler.tick()
    await asyncio.wait_for(sender.drain(), 20)
    assert sender.stats.transient == 6 and received(telegram) == Counter()
    await fake.come_back()
    clock.advance(hours=1)
    await deliver(telegram, sender, clock)
    assert received(telegram) == Counter({u.id: 1 for u in users}), "each once, none lost"
    assert await OutboxMessage.filter(state=OutboxState.SENT).count() == 6


async def test_a_connection_dropped_after_telegram_took_the_message_sends_no_second_copy(
    telegram: Telegram, clock: FakeClock
) -> None:
    """Telegram has the message but the answer was lost. The Bot API has no idempotency key
    and no way to look the message up, so a resend would be a second copy."""
    fake = telegram.fake
    users = [fake.user(3100 + n, f"User{n}") for n in range(4)]
    sender = sender_for(telegram)
    await queue_notes(telegram, [u.id for u in users])
    fake.drop_next(2)
    await deliver(telegram, sender, clock)
    assert fake.dropped == 2
    assert received(telegram) == Counter({u.id: 1 for u in users}), "each once"
    assert await OutboxMessage.filter(state=OutboxState.SENT).count() == 4


async def test_a_group_that_removed_the_bot_pauses_its_digest_and_the_owner_is_told(
    telegram: Telegram, clock: FakeClock
) -> None:
    fake, app = telegram.fake, telegram.app
    owner = fake.user(1, "Owner", "owner")
    await telegram.say(owner, "/help")  # the owner's private chat is known
    group = fake.group(-5200, "Foxes", admins=[owner])
    await bob_posts(app, 4)
    await subscribe(app, group.id, ChatKind.GROUP, "Foxes")
    group.kicked = True
    sender = sender_for(telegram)
    clock.advance(hours=20)
    await deliver(telegram, sender, clock)

    assert [(r.code, r.chat_id) for r in fake.rejections] == [(403, group.id)]
    subscription = await DigestSubscription.get()
    assert subscription.state is DigestState.PAUSED
    told = [m["text"] for m in fake.bot_messages(owner)][1:]  # after the /help answer
    assert len(told) == 1 and "Foxes" in told[0], told
    assert "kicked" in told[0]

    clock.advance(days=1)  # nothing more is tried there
    await deliver(telegram, sender, clock)
    assert len(fake.rejections) == 1


async def test_a_chat_that_is_gone_pauses_its_digest_and_the_owner_is_told(
    telegram: Telegram, clock: FakeClock
) -> None:
    fake, app = telegram.fake, telegram.app
    owner = fake.user(1, "Owner", "owner")
    await telegram.say(owner, "/help")
    await bob_posts(app, 4)
    await subscribe(app, -5300, ChatKind.GROUP, "Vanished")  # a chat Telegram doesn't know
    sender = sender_for(telegram)
    clock.advance(hours=20)
    await deliver(telegram, sender, clock)

    assert [(r.code, r.description) for r in fake.rejections] == [
        (400, "Bad Request: chat not found")
    ]
    assert (await DigestSubscription.get()).state is DigestState.PAUSED
    told = [m["text"] for m in fake.bot_messages(owner)][1:]
    assert len(told) == 1 and "Vanished" in told[0], told
    assert await OutboxMessage.filter(state=OutboxState.PENDING).count() == 0
