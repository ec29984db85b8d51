"""The scheduler's housekeeping: old platform update ids are forgotten, and collage files of
digests that are done and older than the retention are deleted (never one still needed), and
the feed's posts-per-#tag counts after two weeks."""

from __future__ import annotations

from datetime import timedelta

from bot.bootstrap import App
from core.clock import FakeClock
from core.delivery import DeliveryTransient
from core.domain import OutboxState, Platform, RunState
from core.persistence.models import (
    DigestRun,
    GenerationJob,
    OutboxMessage,
    Post,
    ProcessedUpdate,
    TagDay,
)
from tests.digests.helpers import (
    RecordingMessenger,
    account,
    console_sender,
    deliver,
    dm_user,
    pictures,
)


async def age(key: str, by: timedelta, clock: FakeClock) -> None:
    await ProcessedUpdate.filter(key=key).update(created_at=clock.now() - by)


async def test_the_tick_forgets_old_update_ids_once_an_hour(app: App, clock: FakeClock) -> None:
    updates = app.services.updates
    for key in ("old", "fresh"):
        assert await updates.first_time(Platform.TELEGRAM, key)
    await age("old", timedelta(days=3), clock)
    await age("fresh", timedelta(hours=1), clock)

    await app.scheduler.tick()  # starting up: no chores yet
    assert await ProcessedUpdate.filter().count() == 2
    clock.advance(hours=1)
    await app.scheduler.tick()
    assert await ProcessedUpdate.filter().values_list("key", flat=True) == ["fresh"]

    assert await updates.first_time(Platform.TELEGRAM, "later")
    await age("later", timedelta(days=3), clock)
    clock.advance(minutes=30)
    await app.scheduler.tick()  # within the hour: no second sweep yet
    assert await ProcessedUpdate.filter(key="later").exists()
    clock.advance(minutes=31)
    await app.scheduler.tick()
    assert not await ProcessedUpdate.filter(key="later").exists()
    assert await updates.first_time(Platform.TELEGRAM, "old")  # forgotten: new again


async def test_collages_of_delivered_digests_go_after_the_retention(
    app: App, clock: FakeClock
) -> None:
    bob = await account(app, "bob")
    await pictures(app, bob, 8)
    alice = dm_user(app, "alice")
    await alice.say("/follow bob")
    await alice.say("/digest subscribe daily 08:30 Europe/Berlin 4")
    carol = dm_user(app, "carol")
    await carol.say("/follow bob")
    await carol.say("/digest subscribe daily 08:30 Europe/Berlin 4")

    def carol_unreachable(target: dict[str, str], reply: object) -> None:
        if target.get("user") == "carol":
            raise DeliveryTransient("timeout")  # retried with backoff: stays pending

    messenger = RecordingMessenger(script=carol_unreachable)
    sender = console_sender(app, messenger)
    clock.advance(hours=20)
    await deliver(app, sender)
    delivered = await DigestRun.get(state=RunState.DELIVERED)
    waiting = await DigestRun.get(state=RunState.QUEUED)
    assert delivered.collage and waiting.collage
    sent_collage = app.services.images.path(delivered.collage)
    waiting_collage = app.services.images.path(waiting.collage)
    assert (await OutboxMessage.get(run_id=waiting.id)).state is OutboxState.PENDING

    clock.advance(days=6, hours=23)  # within the week: everything stays
    await app.scheduler.tick()
    assert sent_collage.exists() and waiting_collage.exists()

    clock.advance(hours=2)
    await app.scheduler.tick()
    assert not sent_collage.exists()  # delivered and old: gone
    assert waiting_collage.exists()  # its message may still go out: kept
    assert (await DigestRun.get(id=delivered.id)).collage is None
    assert (await DigestRun.get(id=waiting.id)).collage == waiting.collage
    for post in await Post.all():  # the pictures in the digest are untouched
        assert post.image_id and app.services.images.path(post.image_id).exists()


async def test_the_tick_forgets_posts_per_tag_counts_after_two_weeks(
    app: App, clock: FakeClock
) -> None:
    today = clock.now().date()
    for days in (20, 15, 13, 0):
        await TagDay.create(tag="lake", day=today - timedelta(days=days), posts=3)
    await app.scheduler.tick()  # starting up: no chores yet
    clock.advance(hours=1)
    await app.scheduler.tick()
    kept = await TagDay.all().order_by("day").values_list("day", flat=True)
    assert kept == [today - timedelta(days=13), today]


async def test_the_tick_removes_status_tokens_once_they_expired(app: App, clock: FakeClock) -> None:
    """A Discord interaction's token kept with a job (a secret) is gone within a tick of its
    15 minutes, even when no edit ever used it (the process that would have died)."""
    person = await account(app, "ada")
    jobs = [
        await GenerationJob.create(
            requester=person, prompt=f"job {n}", origin_platform=Platform.DISCORD
        )
        for n in range(2)
    ]
    now = clock.now()
    for job, minutes in zip(jobs, (15, 14), strict=True):
        await app.services.generation.jobs.remember_status(
            job, "@original", token=(f"secret-{job.id}", now + timedelta(minutes=minutes))
        )
    clock.advance(minutes=14, seconds=30)
    await app.scheduler.tick()
    kept = await GenerationJob.filter(status_token__isnull=False).values_list("id", flat=True)
    assert kept == [jobs[0].id]
    clock.advance(minutes=1)
    await app.scheduler.tick()
    assert not await GenerationJob.filter(status_token__isnull=False).exists()
    assert not await GenerationJob.filter(status_token_until__isnull=False).exists()
