"""Digests through python-telegram-bot and the fake Bot API, which enforces Telegram's limits
(30 messages/s in all, 1/s per chat, 20/min per group; time scaled): a digest is a collage
photo with an inline keyboard; a fan-out to more chats than the overall limit lets through in
two seconds keeps every limit and reaches each chat once; a blocked user and a migrated group
do not stop the others."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest

from bot.bootstrap import App, build_telegram
from core.clock import FakeClock, MonotonicTimer
from core.delivery.pacing import TELEGRAM_LIMITS
from core.digests import parse_request
from core.domain import ChatKind, DigestState, OutboxState, Platform
from core.persistence.models import Destination, DigestSubscription, OutboxMessage
from core.social import Origin
from tests.support.images import png_bytes
from tests.support.telegram import FakeBotApi

SCALE = 1.0  # real Telegram seconds: the overall limit (30/s) must bind, not our speed
# the fan-out: 2.5 seconds' worth of the overall limit (it was 180 chats, 6 seconds' worth:
# ~50 ms of CPU a chat, and a window crossed twice checks the pacing as well as six times)
FAN_OUT_USERS, FAN_OUT_GROUPS = 60, 15


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    fake = FakeBotApi(time_scale=SCALE)
    await fake.start()
    yield fake
    await fake.stop()


async def bob_posts(app: App, count: int) -> None:
    bob = await app.services.accounts.resolve(Platform.CONSOLE, "bob", "bob", handle_hint="bob")
    for n in range(count):
        await app.services.posts.create(
            bob,
            png_bytes((30 + 20 * n, 90, 150)),
            caption=f"foxes {n}",
            origin=Origin(Platform.CONSOLE),
        )


async def subscribe(app: App, chat_id: int, kind: ChatKind, title: str = "") -> None:
    owner = await app.services.accounts.resolve(
        Platform.TELEGRAM, "1", "Owner", handle_hint="owner"
    )
    destination = await app.services.destinations.get(
        Platform.TELEGRAM, str(chat_id), kind=kind, title=title
    )
    target = {"platform": "telegram", "chat_id": str(chat_id), "kind": kind.value}
    request = parse_request("daily 08:30 Europe/Berlin 4", app.services.digests.calculator)
    await app.services.digests.subscribe(owner, destination, target, request, personal=False)


async def test_a_fan_out_keeps_telegrams_limits_and_reaches_each_chat_once(
    app: App, fake_api: FakeBotApi, clock: FakeClock
) -> None:
    fake = fake_api
    adapter = build_telegram(app, timer=MonotonicTimer(SCALE))
    await adapter.start()
    try:
        sender = app.add_messenger(
            Platform.TELEGRAM,
            adapter.messenger,
            limits=TELEGRAM_LIMITS,
            timer=MonotonicTimer(SCALE),
        )
        await bob_posts(app, 4)
        users = [fake.user(5000 + n, f"User{n}") for n in range(FAN_OUT_USERS)]
        groups = [fake.group(-4000 - n, f"Group {n}") for n in range(FAN_OUT_GROUPS)]
        assert len(users) + len(groups) > 2 * TELEGRAM_LIMITS.overall_per_second
        for user in users:
            await subscribe(app, user.id, ChatKind.PRIVATE)
        for group in groups:
            await subscribe(app, group.id, ChatKind.GROUP, group.title or "")
        fake.block_bot(users[3])
        fake.migrate(groups[5], -1009999, notify=False)

        clock.advance(hours=20)
        await app.scheduler.tick()
        await asyncio.wait_for(sender.drain(), 60)

        photos = [c for c in fake.calls if c.ok and c.method == "sendPhoto"]
        per_chat = Counter(c.chat_id for c in photos)
        reached = {u.id for u in users if u is not users[3]} | {g.id for g in groups}
        reached = (reached - {groups[5].id}) | {-1009999}
        assert set(per_chat) == reached and set(per_chat.values()) == {1}
        assert sorted(r.code for r in fake.rejections) == [400, 403]  # migrated, blocked
        assert not [r for r in fake.rejections if r.code == 429]
        blocked = await Destination.get(platform=Platform.TELEGRAM, chat_id=str(users[3].id))
        assert blocked.paused_reason == "Forbidden: bot was blocked by the user"
        assert (await DigestSubscription.get(destination_id=blocked.id)).state is DigestState.PAUSED
        assert await OutboxMessage.filter(state=OutboxState.SENT).count() == len(reached)

        first = photos[0]
        keyboard = first.params["reply_markup"]["inline_keyboard"]
        assert len(keyboard) == 4 and all(len(row) == 3 for row in keyboard)
        assert "AI-generated" in first.params["caption"]
    finally:
        await adapter.stop()


async def test_a_group_that_became_a_supergroup_takes_its_digests_along(
    app: App, fake_api: FakeBotApi, clock: FakeClock
) -> None:
    """PTB's ChatMigrated (400 with `migrate_to_chat_id`) reaches the outbox as
    DestinationMoved: the destination, the subscription and the message follow the new id."""
    fake = fake_api
    adapter = build_telegram(app, timer=MonotonicTimer(SCALE))
    await adapter.start()
    try:
        sender = app.add_messenger(
            Platform.TELEGRAM,
            adapter.messenger,
            limits=TELEGRAM_LIMITS,
            timer=MonotonicTimer(SCALE),
        )
        await bob_posts(app, 8)
        group = fake.group(-4100, "Foxes")
        await subscribe(app, group.id, ChatKind.GROUP, "Foxes")
        fake.migrate(group, -1004100, notify=False)

        clock.advance(hours=20)
        await app.scheduler.tick()
        await asyncio.wait_for(sender.drain(), 30)
        refused = [c for c in fake.calls if not c.ok]
        assert [(c.chat_id, c.error.code, c.error.parameters) for c in refused if c.error] == [
            (-4100, 400, {"migrate_to_chat_id": -1004100})
        ]
        assert [c.chat_id for c in fake.sent(None, "sendPhoto")] == [-1004100]
        assert sender.stats.moved == 1
        subscription = await DigestSubscription.get().select_related("destination")
        assert subscription.destination.chat_id == "-1004100"
        assert subscription.target["chat_id"] == "-1004100"
        message = await OutboxMessage.get()
        assert (message.chat_key, message.state) == ("-1004100", OutboxState.SENT)

        clock.advance(days=1)  # the next digest goes to the new id straight away
        await app.scheduler.tick()
        await asyncio.wait_for(sender.drain(), 30)
        assert [c.chat_id for c in fake.sent(None, "sendPhoto")] == [-1004100, -1004100]
        assert len([c for c in fake.calls if not c.ok]) == 1
    finally:
        await adapter.stop()
