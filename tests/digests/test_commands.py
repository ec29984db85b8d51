"""/digest and /settings notifications as people use them; notifications batched."""

from __future__ import annotations

from bot.bootstrap import App
from core.clock import FakeClock
from core.digests import DigestRuns
from core.domain import RunState
from core.persistence.models import DigestRun, DigestSubscription, Notification
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


async def test_subscribe_list_pause_resume_unsubscribe(app: App) -> None:
    alice = dm_user(app, "alice")
    answer = await alice.text("/digest subscribe weekly mon 09:00 Europe/Vienna 8 foxes owls")
    assert answer.startswith("Digest #1 is set up: weekly mon 09:00 Europe/Vienna, 8 pictures")
    assert "2026-01-12 09:00" in answer  # next Monday, local time
    listing = await alice.text("/digest list")
    assert "#1 weekly mon 09:00 Europe/Vienna · 8 pictures · topics: foxes owls" in listing
    assert "Digest #1 is paused" in await alice.text("/digest pause 1")
    assert "already paused" in await alice.text("/digest pause 1")
    assert "paused" in await alice.text("/digest list")
    assert "running again" in await alice.text("/digest resume 1")
    assert "has no digest #7" in await alice.text("/digest pause 7")
    assert "Digest #1 is gone" in await alice.text("/digest unsubscribe 1")
    assert "no digests in this chat yet" in await alice.text("/digest list")


async def test_someone_elses_digest_cannot_be_touched_from_another_chat(app: App) -> None:
    await dm_user(app, "alice").say("/digest subscribe daily 08:30 Europe/Berlin")
    bob = dm_user(app, "bob")
    assert "has no digest #1" in await bob.text("/digest unsubscribe 1")
    assert await DigestSubscription.all().count() == 1


async def test_in_a_group_only_admins_manage_digests(app: App) -> None:
    member = group_admin(app, "dave", "g7", admin=False)
    refused = await member.text("/digest subscribe daily 08:30 Europe/Berlin")
    assert "Only the admins" in refused
    admin = group_admin(app, "carol", "g7")
    assert "Digest #1 is set up" in await admin.text("/digest subscribe daily 08:30 UTC cats")
    assert "Only the admins" in await member.text("/digest pause 1")
    assert "#1 daily 08:30 UTC" in await member.text("/digest list")  # anyone may look
    subscription = await DigestSubscription.get()
    assert subscription.personal is False and subscription.target == {"chat_id": "g7"}


async def test_bad_input_gets_a_clear_message_in_the_persons_language(app: App) -> None:
    alice = dm_user(app, "alice")
    assert "not a time zone I know" in await alice.text("/digest subscribe daily 08:30 Mars/Base")
    await alice.say("/settings language de")
    german = await alice.text("/digest subscribe daily 26:00 Europe/Berlin")
    assert german.startswith("„26:00“ ist keine Uhrzeit")
    assert "Feld 5 (weekday), „99“, außerhalb des Bereichs" in await alice.text(
        "/digest subscribe 1 2 3 4 99 UTC"
    )
    assert "ist eingerichtet" in await alice.text("/digest subscribe daily 08:30 UTC")
    assert "kein Ruhezeitraum" in await alice.text("/digest quiet 1 nachts")


async def test_preview_shows_the_digest_to_me_only_and_records_nothing(
    app: App, clock: FakeClock
) -> None:
    await pictures(app, await account(app, "bob"), 5)
    alice = dm_user(app, "alice")
    assert "nothing new" not in await alice.text("/follow bob")
    (preview,) = await alice.say("/digest preview")
    assert preview.private and preview.images and len(preview.buttons) == 5
    assert preview.footer.startswith("Preview: only you see this")
    await alice.say("/digest subscribe daily 08:30 Europe/Berlin 5")
    messenger = RecordingMessenger()
    sender = console_sender(app, messenger)
    clock.advance(hours=20)
    await deliver(app, sender)
    assert len(messenger.sent[0][1].buttons) == 5  # the preview took nothing away


async def test_a_new_leader_finishes_runs_a_dead_one_had_claimed(
    app: App, clock: FakeClock
) -> None:
    await pictures(app, await account(app, "bob"), 4)
    alice = dm_user(app, "alice")
    await alice.say("/follow bob")
    await alice.say("/digest subscribe daily 08:30 Europe/Berlin 4")
    clock.advance(hours=20)
    dead = DigestRuns(clock, CronNextRun(), postgres=app.database.dialect == "postgres")
    (claimed,) = await dead.claim_due()  # …and the process dies before composing it
    messenger = RecordingMessenger()
    sender = console_sender(app, messenger)
    await deliver(app, sender)
    assert len(messenger.sent) == 1
    run = await DigestRun.get()
    assert run.id == claimed.id and run.state is RunState.DELIVERED


async def test_notifications_are_batched_and_can_be_switched_off(
    app: App, clock: FakeClock
) -> None:
    alice, bob = dm_user(app, "alice"), dm_user(app, "bob")
    await alice.say("/help")  # alice has a private chat with us
    (post,) = await pictures(app, await account(app, "alice"), 1)
    await bob.say("/follow alice")
    await bob.say(f"/like {post.id}")
    await bob.say(f"/comment {post.id} lovely")
    messenger = RecordingMessenger()
    sender = console_sender(app, messenger)
    await deliver(app, sender)
    (batch,) = messenger.to(user="alice")
    assert batch.title == "🔔 3 new"
    assert batch.text.splitlines() == [
        "@bob follows you now",
        f"@bob likes your post #{post.id}",
        f"@bob commented on your post #{post.id}",
    ]

    await bob.say(f"/unlike {post.id}")
    await bob.say(f"/like {post.id}")
    await deliver(app, sender)
    assert len(messenger.to(user="alice")) == 1  # at most one message per interval
    clock.advance(minutes=15)
    await deliver(app, sender)
    assert len(messenger.to(user="alice")) == 2

    answer = await alice.text("/settings notifications like off")
    assert "likes: off" in answer and "follows: on" in answer
    await bob.say(f"/unlike {post.id}")
    await bob.say(f"/like {post.id}")
    assert await Notification.filter(batch_id=None).count() == 0
    await bob.say(f"/comment {post.id} again")
    clock.advance(minutes=15)
    await deliver(app, sender)
    latest = messenger.to(user="alice")[-1]
    assert latest.text == f"@bob commented on your post #{post.id}"
    assert messenger.to(user="bob") == []  # bob did everything himself: nothing for him
