"""Use cases that write more than once are one unit of work, on SQLite and PostgreSQL.

A process killed (SIGKILL) between the writes of publish or a moderator's delete leaves both
or neither; the kill comes before the commit, so it is neither, and the use case then runs
again to the end. An error between the writes of other use cases rolls back the first."""

from __future__ import annotations

from typing import NoReturn

import pytest
from tortoise.exceptions import IntegrityError

from bot.bootstrap import App
from core.domain import (
    Audience,
    JobState,
    ModerationState,
    OutboxOperation,
    Platform,
    ReportState,
    ReportTarget,
)
from core.generation import ImageOptions
from core.generation import jobs as jobs_module
from core.generation.jobs import JobRequest
from core.generation.quota import account_scope
from core.persistence.models import (
    Account,
    GenerationJob,
    ModerationAction,
    OutboxMessage,
    Post,
    Report,
    StoredImage,
)
from core.safety import Jurisdiction, Standing
from core.settings import Settings
from core.social import Origin
from tests.support.images import png_bytes
from tests.support.interrupted_writes import SERVER, kill_between_writes


@pytest.mark.slow  # the use case runs in a process of its own
async def test_publish_killed_before_the_job_records_its_post_leaves_neither(
    app: App, settings: Settings, database_url: str
) -> None:
    seen = await kill_between_writes("publish", database_url, settings.data_dir)

    job = await GenerationJob.get(id=seen["job"])
    post_saved = await Post.exists(id=seen["post"])
    assert (post_saved, job.posted) == (False, {})  # not (True, {}): a post the preview forgot
    [sha] = job.result_images
    assert not await StoredImage.exists(sha256=sha)
    await app.services.images.describe(sha)  # the preview's file is still there

    # the preview is still offered, and posting it again posts it once
    alice = await Account.get(handle="alice")
    previews = app.services.generation.previews
    post = await previews.publish(
        alice, job.id, 0, audience=Audience.PUBLIC, origin=Origin(Platform.CONSOLE)
    )
    await job.refresh_from_db()
    assert job.posted == {"0": post.id}
    assert await Post.filter(author=alice).count() == 1


@pytest.mark.slow
async def test_moderation_delete_killed_before_the_reports_are_resolved_leaves_neither(
    app: App, settings: Settings, database_url: str
) -> None:
    seen = await kill_between_writes("moderation-delete", database_url, settings.data_dir)

    post = await Post.get(id=seen["post"])
    assert (post.deleted_at, post.moderation) == (None, ModerationState.VISIBLE)
    assert post.image_id is not None and await StoredImage.exists(sha256=post.image_id)
    await app.services.images.describe(post.image_id)  # its file is kept while it shows
    assert await Report.filter(post_id=post.id, state=ReportState.OPEN).count() == 1
    assert await ModerationAction.all().count() == 0
    assert not await OutboxMessage.exists(operation=OutboxOperation.RETRACT)

    # the moderator deletes it again: all of it happens
    sha = post.image_id
    admin = await Account.get(handle="ada")
    moderation = app.services.safety.moderation
    standing = Standing(admin, Platform.DISCORD, SERVER, is_server_admin=True)
    target = await moderation.target(standing, ReportTarget.POST, str(post.id))
    await moderation.delete(standing, target, "illegal")
    await post.refresh_from_db()
    assert post.deleted_at is not None and post.moderation is ModerationState.REMOVED
    assert not await StoredImage.exists(sha256=sha)
    assert not await Report.exists(post_id=post.id, state=ReportState.OPEN)
    assert await ModerationAction.filter(action="delete").count() == 1
    assert await OutboxMessage.filter(operation=OutboxOperation.RETRACT).count() == 1


# An error between the writes (not a kill): the unit rolls the first ones back.


class Broken(Exception):
    pass


async def _broken(*args: object, **kwargs: object) -> NoReturn:
    raise Broken


async def test_a_job_that_cannot_be_saved_charges_no_quota(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = await app.services.accounts.resolve(Platform.CONSOLE, "alice", "alice")
    jobs = app.services.generation.jobs
    jobs._save = _broken  # type: ignore[method-assign]  # the unit of work's path (SQLite)
    # PostgreSQL saves a job charged to one account in one statement with its quota: an
    # INSERT that cannot be written (no requester: NOT NULL) fails the whole statement.
    columns = tuple(c for c in jobs_module._insert_columns() if c != "requester_id")
    monkeypatch.setattr(jobs_module, "_insert_columns", lambda: columns)
    with pytest.raises((Broken, IntegrityError)):
        await jobs.submit(JobRequest(alice, "a fox", ImageOptions(count=2), Platform.CONSOLE))
    quotas = app.services.generation.quotas
    assert (await quotas.status(account_scope(alice.id), quotas.per_account)).used == 0
    assert await GenerationJob.all().count() == 0


async def test_a_cancel_whose_refund_fails_leaves_the_job_queued(app: App) -> None:
    alice = await app.services.accounts.resolve(Platform.CONSOLE, "alice", "alice")
    jobs = app.services.generation.jobs
    job = await jobs.submit(JobRequest(alice, "a fox", ImageOptions(), Platform.CONSOLE))
    jobs.refund = _broken  # type: ignore[method-assign]
    with pytest.raises(Broken):
        await jobs.cancel(alice, job.id)
    await job.refresh_from_db()
    assert job.state is JobState.QUEUED  # still waiting, and still paid for: consistent


async def test_an_account_whose_images_cannot_be_released_is_not_deleted(app: App) -> None:
    bob = await app.services.accounts.resolve(Platform.CONSOLE, "bob", "bob")
    post = await app.services.posts.create(bob, png_bytes(), origin=Origin(Platform.CONSOLE))
    app.services.posts.release_image = _broken  # type: ignore[method-assign]
    with pytest.raises(Broken):
        await app.services.account_data.delete(bob)
    assert await Account.exists(id=bob.id) and await Post.exists(id=post.id)


async def test_a_report_that_hides_a_post_whose_takedown_fails_leaves_it_visible(
    app: App,
) -> None:
    owner = await app.services.accounts.resolve(Platform.CONSOLE, "owner", "owner")
    witness = await app.services.accounts.resolve(Platform.CONSOLE, "witness", "witness")
    post = await app.services.posts.create(owner, png_bytes(), origin=Origin(Platform.CONSOLE))
    reports = app.services.safety.reports
    reports.threshold = 1  # this report hides it
    reports._takedown.take_down = _broken  # type: ignore[method-assign]
    here = Jurisdiction(Platform.CONSOLE, None)
    target = await reports.resolve(witness, ReportTarget.POST, str(post.id), here)
    with pytest.raises(Broken):
        await reports.file(witness, target, "spam")
    await post.refresh_from_db()
    assert post.moderation is ModerationState.VISIBLE  # so the next report hides it again
