"""Digests end to end on SQLite and PostgreSQL, with a fake clock for the schedule:
subscribe → tick → one run per period → outbox → paced sender → the Messenger."""

from __future__ import annotations

import asyncio

import pytest

from bot.bootstrap import App
from core.clock import FakeClock
from core.delivery import DeliveryBlocked, DeliveryRetryAfter, DeliveryTransient, DestinationMoved
from core.delivery.sender import MAX_ATTEMPTS
from core.digests import DigestRuns
from core.domain import DigestState, OutboxState, RunState
from core.persistence.models import (
    DeliveredItem,
    Destination,
    DigestRun,
    DigestSubscription,
    OutboxMessage,
)
from scheduler.cron import CronNextRun
from tests.digests.helpers import (
    RecordingMessenger,
    account,
    console_sender,
    deliver,
    dm_user,
    group_admin,
    pictures,
)

# The fake clock starts on Monday 2026-01-05 12:00 UTC; 08:30 in Berlin is 07:30 UTC.


async def alice_follows_bob(app: App, posts: int = 6) -> None:
    bob = await account(app, "bob")
    await pictures(app, bob, posts)
    alice = dm_user(app, "alice")
    await alice.say("/follow bob")


async def test_a_daily_digest_arrives_once_per_period_and_never_repeats_an_item(
    app: App, clock: FakeClock
) -> None:
    await alice_follows_bob(app, posts=6)
    alice = dm_user(app, "alice")
    answer = await alice.text("/digest subscribe daily 08:30 Europe/Berlin 4")
    assert "Digest #1 is set up" in answer and "2026-01-06 08:30" in answer
    messenger = RecordingMessenger()
    sender = console_sender(app, messenger)

    await deliver(app, sender)
    assert messenger.sent == []  # not due yet

    clock.advance(hours=20)  # Tuesday 08:00 UTC
    await deliver(app, sender)
    await deliver(app, sender)  # a second tick in the same period changes nothing
    digests = messenger.to(user="alice")
    assert len(digests) == 1
    first = digests[0]
    assert first.title == "📰 Digest for alice — 2026-01-06"
    assert len(first.images) == 1 and first.images[0].path.exists()
    assert len(first.buttons) == 4 and all(len(row) == 3 for row in first.buttons)
    assert all(button.token for row in first.buttons for button in row)
    assert first.text.splitlines()[0].startswith("1. “a lighthouse")

    clock.advance(days=1)
    await deliver(app, sender)
    second = messenger.to(user="alice")[1]
    assert len(second.buttons) == 2  # the two pictures not sent yet, nothing repeated
    shown = {
        b.args["post"] for r in (*first.buttons, *second.buttons) for b in r if b.command == "show"
    }
    assert len(shown) == 6

    clock.advance(days=1)
    await deliver(app, sender)
    assert len(messenger.to(user="alice")) == 2
    status = await alice.text("/digest status")
    assert "skipped: there was nothing new" in status
    assert "delivered, 4 pictures" in status and "delivered, 2 pictures" in status
    assert await OutboxMessage.filter(state=OutboxState.SENT).count() == 2


async def test_after_downtime_one_catch_up_digest_not_one_per_missed_day(
    app: App, clock: FakeClock
) -> None:
    await alice_follows_bob(app)
    await dm_user(app, "alice").say("/digest subscribe daily 08:30 Europe/Berlin")
    messenger = RecordingMessenger()
    sender = console_sender(app, messenger)
    clock.advance(days=5)  # down from Monday to Saturday noon
    await deliver(app, sender)
    assert len(messenger.sent) == 1
    run = await DigestRun.get()
    assert run.period == "2026-01-10T07:30Z"  # the latest missed morning
    assert run.state is RunState.DELIVERED
    subscription = await DigestSubscription.get()
    assert subscription.next_run_at.isoformat().startswith("2026-01-11T07:30")


async def test_quiet_hours_hold_a_digest_until_they_end(app: App, clock: FakeClock) -> None:
    await alice_follows_bob(app)
    alice = dm_user(app, "alice")
    await alice.say("/digest subscribe daily 23:00 Europe/Berlin")
    answer = await alice.text("/digest quiet 1 22:00-07:00")
    assert "keeps quiet 22:00-07:00" in answer
    messenger = RecordingMessenger()
    sender = console_sender(app, messenger)
    clock.advance(hours=10, minutes=30)  # 23:30 Berlin: the digest's time, but quiet
    await deliver(app, sender)
    assert messenger.sent == []
    clock.advance(hours=7)  # 06:30 Berlin
    await deliver(app, sender)
    assert messenger.sent == []
    clock.advance(minutes=31)  # 07:01 Berlin
    await deliver(app, sender)
    assert len(messenger.sent) == 1


async def test_the_daily_cap_per_destination_skips_the_extra_digest(
    app: App, clock: FakeClock
) -> None:
    app.scheduler._runner._daily_cap = 1
    await alice_follows_bob(app, posts=10)
    alice = dm_user(app, "alice")
    await alice.say("/digest subscribe daily 08:30 Europe/Berlin 4")
    await alice.say("/digest subscribe daily 09:30 Europe/Berlin 4")
    messenger = RecordingMessenger()
    sender = console_sender(app, messenger)
    clock.advance(hours=21)  # 10:00 Berlin on Tuesday: both are due
    await deliver(app, sender)
    assert len(messenger.sent) == 1
    states = sorted((r.state.value, r.reason or "") for r in await DigestRun.all())
    assert states == [("delivered", ""), ("skipped", "digest.reason.cap")]


async def test_a_blocked_group_is_paused_with_its_reason_and_the_others_still_get_theirs(
    app: App, clock: FakeClock
) -> None:
    await alice_follows_bob(app)
    alice = dm_user(app, "alice")
    await alice.say("/digest subscribe daily 08:30 Europe/Berlin")
    carol_dm, carol = dm_user(app, "carol"), group_admin(app, "carol", "g1")
    await carol_dm.say("/help")  # carol has a private chat with us
    answer = await carol.text("/digest subscribe daily 08:30 Europe/Berlin cats")
    assert "Digest #2" in answer

    def refuse_group(target: dict[str, str], reply: object) -> None:
        if target.get("chat_id") == "g1":
            raise DeliveryBlocked("Forbidden: bot was kicked from the group chat")

    messenger = RecordingMessenger(script=refuse_group)
    sender = console_sender(app, messenger)
    clock.advance(hours=20)
    await deliver(app, sender)
    await deliver(app, sender)  # the notice to carol was queued by the first round
    assert len(messenger.to(user="alice")) == 1  # alice's digest went out regardless
    notice = messenger.to(user="carol")
    assert len(notice) == 1 and "digest #2 for the chat g1" in notice[0].text
    assert "kicked" in notice[0].text
    group = await Destination.get(chat_id="g1")
    assert group.paused_reason == "Forbidden: bot was kicked from the group chat"
    subscription = await DigestSubscription.get(id=2)
    assert subscription.state is DigestState.PAUSED
    status = await carol.text("/digest status")
    assert "paused: Forbidden: bot was kicked" in status
    assert "not delivered: Forbidden: bot was kicked" in status

    clock.advance(days=1)
    messenger.script = None
    await deliver(app, sender)
    assert messenger.to(chat_id="g1") == []  # paused: nothing more tried there
    assert "running again" in await carol.text("/digest resume 2")
    clock.advance(days=1)
    await deliver(app, sender)
    assert len(messenger.to(chat_id="g1")) == 1


async def test_a_group_that_moved_gets_its_digest_at_the_new_id(app: App, clock: FakeClock) -> None:
    await pictures(app, await account(app, "bob"), 5)
    carol = group_admin(app, "carol", "-100")
    await carol.say("/digest subscribe daily 08:30 Europe/Berlin")

    def migrated(target: dict[str, str], reply: object) -> None:
        if target.get("chat_id") == "-100":
            raise DestinationMoved("-100200")

    messenger = RecordingMessenger(script=migrated)
    sender = console_sender(app, messenger)
    clock.advance(hours=20)
    await deliver(app, sender)
    assert len(messenger.to(chat_id="-100200")) == 1 and messenger.to(chat_id="-100") == []
    assert await Destination.filter(chat_id="-100200").exists()
    assert (await DigestSubscription.get()).target == {"chat_id": "-100200"}
    assert (await DigestRun.get()).state is RunState.DELIVERED


async def test_retry_after_is_obeyed_and_the_digest_still_arrives_once(
    app: App, clock: FakeClock
) -> None:
    await alice_follows_bob(app)
    await dm_user(app, "alice").say("/digest subscribe daily 08:30 Europe/Berlin")
    answers = [DeliveryRetryAfter(0.05)]

    def flood(target: dict[str, str], reply: object) -> None:
        if answers:
            raise answers.pop()

    messenger = RecordingMessenger(script=flood)
    sender = console_sender(app, messenger)
    clock.advance(hours=20)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await deliver(app, sender)
    assert len(messenger.sent) == 1 and messenger.calls == 2
    assert loop.time() - started >= 0.05
    assert sender.stats.retry_after == 1
    assert (await OutboxMessage.get()).attempts == 1


async def test_transient_errors_back_off_then_give_up_with_the_reason(
    app: App, clock: FakeClock
) -> None:
    await alice_follows_bob(app)
    alice = dm_user(app, "alice")
    await alice.say("/digest subscribe daily 08:30 Europe/Berlin")

    def down(target: dict[str, str], reply: object) -> None:
        raise DeliveryTransient("502 Bad Gateway")

    messenger = RecordingMessenger(script=down)
    sender = console_sender(app, messenger)
    clock.advance(hours=20)
    await deliver(app, sender)
    message = await OutboxMessage.get()
    assert message.state is OutboxState.PENDING and message.attempts == 1
    assert message.next_attempt_at > clock.now()  # backing off
    for _ in range(MAX_ATTEMPTS):
        clock.advance(hours=1)
        await deliver(app, sender)
    message = await OutboxMessage.get()
    assert message.state is OutboxState.FAILED and message.attempts == MAX_ATTEMPTS
    assert messenger.calls == MAX_ATTEMPTS
    assert "not delivered: 502 Bad Gateway" in await alice.text("/digest status")


async def test_two_schedulers_racing_claim_each_period_once(app: App, clock: FakeClock) -> None:
    await alice_follows_bob(app)
    for n in range(12):
        user = dm_user(app, f"user{n}")
        await user.say("/digest subscribe daily 08:30 Europe/Berlin")
    clock.advance(hours=20)
    postgres = app.database.dialect == "postgres"
    schedulers = [DigestRuns(clock, CronNextRun(), postgres=postgres) for _ in range(4)]
    claimed = await asyncio.gather(*(s.claim_due(limit=5) for s in schedulers))
    again = await asyncio.gather(*(s.claim_due() for s in schedulers))
    runs = [run for batch in (*claimed, *again) for run in batch]
    assert len(runs) == 12
    assert len({(r.subscription_id, r.period) for r in runs}) == 12
    assert await DigestRun.all().count() == 12


async def test_items_sent_to_a_destination_are_recorded_with_the_message(
    app: App, clock: FakeClock
) -> None:
    await alice_follows_bob(app, posts=5)
    await dm_user(app, "alice").say("/digest subscribe daily 08:30 Europe/Berlin 5")
    messenger = RecordingMessenger()
    sender = console_sender(app, messenger)
    clock.advance(hours=20)
    await deliver(app, sender)
    run = await DigestRun.get()
    assert sorted(run.items) == sorted(await DeliveredItem.all().values_list("post_id", flat=True))
    assert len(run.items) == 5


@pytest.mark.parametrize("language", ["de"])
async def test_a_german_chat_gets_a_german_digest(
    app: App, clock: FakeClock, language: str
) -> None:
    await alice_follows_bob(app)
    alice = dm_user(app, "alice")
    await alice.say(f"/settings language {language}")
    answer = await alice.text("/digest subscribe daily 08:30 Europe/Berlin")
    assert "ist eingerichtet" in answer
    messenger = RecordingMessenger()
    sender = console_sender(app, messenger)
    clock.advance(hours=20)
    await deliver(app, sender)
    digest = messenger.sent[0][1]
    assert digest.title == "📰 Digest für alice vom 06.01.2026"
    assert digest.footer.startswith("KI-generierte Bilder")
    assert digest.buttons[0][1].label == "❤ Nr. 1"


async def test_the_overall_limit_is_waited_for_once_not_per_waiting_chat(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hundreds of chats held by the overall limit: each send looks at a few chats' turns,
    not at every chat waiting behind it (that was O(chats) per message and never yielded)."""
    from core.clock import MonotonicTimer
    from core.delivery import OutboxItem, PaceLimits, Pacer
    from core.domain import Platform

    chats = 300
    looked_at = 0
    chat_ready_at = Pacer.chat_ready_at

    def counting(self: Pacer, chat: str, group: bool, now: float) -> float:
        nonlocal looked_at
        looked_at += 1
        return chat_ready_at(self, chat, group, now)

    monkeypatch.setattr(Pacer, "chat_ready_at", counting)
    messenger = RecordingMessenger()
    limits = PaceLimits(
        overall_per_second=3_000, chat_interval=1.0, window_messages=20, window_seconds=60.0
    )
    sender = app.add_messenger(Platform.CONSOLE, messenger, limits=limits, timer=MonotonicTimer())
    await app.outbox.add(
        [
            OutboxItem(
                platform=Platform.CONSOLE,
                chat_key=f"c{n}",
                target={"chat_id": f"c{n}"},
                reply={"text": f"hello {n}"},
                dedupe_key=f"fan:{n}",
            )
            for n in range(chats)
        ]
    )
    await deliver(app, sender)
    assert messenger.calls == chats
    assert looked_at < 10 * chats, f"{looked_at} looks at chats' turns for {chats} messages"
