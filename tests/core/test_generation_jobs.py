"""Jobs, quotas, fairness and crash recovery, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest

from bot.bootstrap import App, build
from core.button_tokens import token_expression, token_for
from core.clock import SystemClock
from core.delivery import DestinationMoved
from core.delivery.replies import Reply
from core.domain import JobState, Platform
from core.generation import ImageOptions, QuotaExceeded
from core.generation.jobs import _CANCEL_CANONICAL, JobKind, JobRequest
from core.generation.quota import Quotas
from core.persistence.models import ActionToken, GenerationJob, Post
from core.settings import Settings
from tests.support.chat import ChatUser, find_button
from tests.support.crash_worker import kill_mid_job
from tests.support.fakes import FakeModerator, FakeProvider
from tests.support.queries import count_queries


@dataclass
class RecordingMessenger:
    sent: list[tuple[dict, Reply]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def send_to(self, target: dict, reply: Reply) -> int:
        self.sent.append((target, reply))
        self.arrived.set()
        return len(self.sent)


async def test_quota_race_accepts_exactly_the_quota(app: App) -> None:
    account = await app.services.accounts.resolve(Platform.CONSOLE, "alice", "alice")
    quotas = Quotas(SystemClock(), per_account=5, per_server=100)
    results = await asyncio.gather(
        *(quotas.reserve(account.id, None, 1) for _ in range(20)), return_exceptions=True
    )
    assert sum(1 for r in results if not isinstance(r, Exception)) == 5
    assert all(isinstance(r, QuotaExceeded) for r in results if isinstance(r, Exception))


async def test_server_quota_failure_leaves_the_account_quota_untouched(app: App) -> None:
    account = await app.services.accounts.resolve(Platform.CONSOLE, "alice", "alice")
    quotas = Quotas(SystemClock(), per_account=5, per_server=2)
    server = "server:discord:1"
    await quotas.reserve(account.id, server, 2)
    with pytest.raises(QuotaExceeded) as error:
        await quotas.reserve(account.id, server, 1)
    assert error.value.key == "error.server_quota_exceeded"
    mine = await quotas.status(f"account:{account.id}", 5)
    assert mine.used == 2


async def test_twenty_concurrent_imagines_against_a_quota_of_five(
    settings: Settings, provider: FakeProvider
) -> None:
    async with _with_quota(settings, provider, 5) as app:
        account = await app.services.accounts.resolve(Platform.CONSOLE, "alice", "alice")
        request = JobRequest(account, "a cat", ImageOptions(), Platform.CONSOLE)
        results = await asyncio.gather(
            *(app.services.generation.jobs.submit(request) for _ in range(20)),
            return_exceptions=True,
        )
        assert sum(1 for r in results if isinstance(r, GenerationJob)) == 5
        assert await GenerationJob.all().count() == 5


@asynccontextmanager
async def _with_quota(settings: Settings, provider: FakeProvider, quota: int) -> AsyncIterator[App]:
    """An app whose accounts have `quota` images a day; its jobs wait (`provider.gate`)."""
    provider.gate = asyncio.Event()
    limited = settings.model_copy(update={"daily_image_quota": quota})
    app = build(limited, provider=provider, moderator=FakeModerator())
    await app.start(migrate=False)
    try:
        yield app
    finally:
        provider.gate.set()
        await app.stop()


async def test_round_robin_between_users(settings: Settings) -> None:
    provider = FakeProvider(gate=asyncio.Event())
    one_worker = settings.model_copy(update={"generation_concurrency": 1})
    app = build(one_worker, provider=provider, moderator=FakeModerator())
    await app.database.open(migrate_first=False)
    try:
        jobs = app.services.generation.jobs
        heavy = await app.services.accounts.resolve(Platform.CONSOLE, "heavy", "heavy")
        light = await app.services.accounts.resolve(Platform.CONSOLE, "light", "light")
        for n in range(4):
            await jobs.submit(JobRequest(heavy, f"heavy {n}", ImageOptions(), Platform.CONSOLE))
        light_job = await jobs.submit(JobRequest(light, "light", ImageOptions(), Platform.CONSOLE))
        assert await jobs.position(light_job) == 2  # PostgreSQL: as its INSERT saw the queue
        assert await jobs.position(light_job) == 2  # as the queue is now
        last = await jobs.submit(JobRequest(heavy, "heavy 4", ImageOptions(), Platform.CONSOLE))
        assert await jobs.position(last) == 6  # heavy's fifth turn, after light's only job
        assert await jobs.position(last) == 6
        provider.gate.set()
        await app.worker.start()
        await asyncio.wait_for(provider.wait_calls(5), 10)
        order = [prompt for _, prompt, _ in provider.calls]
        assert order[:2] == ["heavy 0", "light"]
        assert sorted(order[:5]) == sorted(["heavy 0", "heavy 1", "heavy 2", "heavy 3", "light"])
    finally:
        await app.stop()


async def test_a_persons_next_job_starts_when_their_running_one_ends(settings: Settings) -> None:
    """One running job per person: the second waits, and starts as the first ends (its free
    slot wakes the claimer, which saw it held back), long before the claimer's 120 s poll."""
    provider = FakeProvider(gate=asyncio.Event())
    app = build(settings, provider=provider, moderator=FakeModerator(), worker_poll=120.0)
    await app.database.open(migrate_first=False)
    try:
        jobs = app.services.generation.jobs
        alice = await app.services.accounts.resolve(Platform.CONSOLE, "alice", "alice")
        for n in range(2):
            await jobs.submit(JobRequest(alice, f"cat {n}", ImageOptions(), Platform.CONSOLE))
        await app.worker.start()
        await asyncio.wait_for(provider.wait_calls(1), 10)
        await asyncio.sleep(0.2)
        assert [prompt for _, prompt, _ in provider.calls] == ["cat 0"]  # held back
        provider.gate.set()
        await asyncio.wait_for(provider.wait_calls(2), 10)
        assert [prompt for _, prompt, _ in provider.calls] == ["cat 0", "cat 1"]
    finally:
        await app.stop()


@pytest.mark.slow
async def test_killed_worker_job_is_resumed_after_restart(
    settings: Settings, database_url: str, tmp_path: Path
) -> None:
    job_id = await kill_mid_job(database_url, tmp_path / "d", startup_seconds=60)

    provider, messenger = FakeProvider(), RecordingMessenger()
    app = build(
        settings, provider=provider, moderator=FakeModerator(), job_lease=timedelta(seconds=1)
    )
    app.notices.add_messenger(Platform.CONSOLE, messenger)
    await app.database.open(migrate_first=False)
    try:
        job = await GenerationJob.get(id=job_id)
        assert job.state is JobState.RUNNING  # the dead process still holds it
        wait = (job.lease_until - SystemClock().now()).total_seconds()
        await asyncio.sleep(max(0.0, wait) + 0.05)  # until its lease runs out
        await app.worker.start()
        await asyncio.wait_for(messenger.arrived.wait(), 20)
        job = await GenerationJob.get(id=job_id)
        assert job.state is JobState.SUCCEEDED and job.attempts == 2
        texts = [reply.text for _, reply in messenger.sent]
        assert texts[0].startswith(f"✅ Job #{job_id} is done")
        assert messenger.sent[0][0] == {"user": "alice", "language": "en"}
        assert [reply.title for _, reply in messenger.sent][1] == f"Preview of job #{job_id}"
    finally:
        await app.stop()


async def test_a_job_interrupted_twice_fails_with_a_message(app: App) -> None:
    messenger = RecordingMessenger()
    app.notices.add_messenger(Platform.CONSOLE, messenger)
    account = await app.services.accounts.resolve(Platform.CONSOLE, "alice", "alice")
    job = await app.services.generation.jobs.submit(
        JobRequest(
            account,
            "x",
            ImageOptions(count=2),
            Platform.CONSOLE,
            reply_target={"user": "alice", "language": "de"},
        )
    )
    past = app.services.clock.now() - timedelta(minutes=5)
    await GenerationJob.filter(id=job.id).update(
        state=JobState.RUNNING, attempts=2, lease_until=past
    )
    await app.worker.recover()
    job = await GenerationJob.get(id=job.id)
    assert job.state is JobState.FAILED and job.error_key == "error.job_lost"
    assert "zweimal durch einen Neustart unterbrochen" in messenger.sent[0][1].text
    status = await app.services.generation.quotas.status(f"account:{account.id}", 25)
    assert status.used == 0, "the quota came back"


@dataclass
class MovingMessenger(RecordingMessenger):
    """A Telegram group that became a supergroup: its old id is reported moved."""

    async def send_to(self, target: dict, reply: Reply) -> int:
        if target.get("chat_id") == "-100":
            raise DestinationMoved("-100200")
        return await super().send_to(target, reply)


async def test_a_job_notice_follows_a_group_that_moved(app: App) -> None:
    messenger = MovingMessenger()
    app.notices.add_messenger(Platform.CONSOLE, messenger)
    account = await app.services.accounts.resolve(Platform.CONSOLE, "alice", "alice")
    job = await app.services.generation.jobs.submit(
        JobRequest(
            account,
            "x",
            ImageOptions(count=1),
            Platform.CONSOLE,
            reply_target={"chat_id": "-100", "kind": "group"},
        )
    )
    past = app.services.clock.now() - timedelta(minutes=5)
    await GenerationJob.filter(id=job.id).update(
        state=JobState.RUNNING, attempts=2, lease_until=past
    )
    await app.worker.recover()
    assert [target for target, _ in messenger.sent] == [{"chat_id": "-100200", "kind": "group"}]
    assert "interrupted twice" in messenger.sent[0][1].text


async def test_a_first_job_of_the_day_larger_than_the_quota_is_refused(
    settings: Settings, provider: FakeProvider
) -> None:
    """The day's quota row is made by the statement that charges it (PostgreSQL), so a first
    job that does not fit must neither be saved nor leave the row charged."""
    async with _with_quota(settings, provider, 3) as app:
        account = await app.services.accounts.resolve(Platform.CONSOLE, "alice", "alice")
        jobs = app.services.generation.jobs

        def asking(count: int) -> JobRequest:
            return JobRequest(account, "a cat", ImageOptions(count=count), Platform.CONSOLE)

        with pytest.raises(QuotaExceeded):
            await jobs.submit(asking(4))
        assert await GenerationJob.all().count() == 0
        assert (await app.services.generation.quotas.status(f"account:{account.id}", 3)).used == 0
        await jobs.submit(asking(3))
        with pytest.raises(QuotaExceeded):
            await jobs.submit(asking(1))
        assert (await app.services.generation.quotas.status(f"account:{account.id}", 3)).used == 3
        assert await GenerationJob.all().count() == 1


async def test_a_job_saved_with_its_charge_has_the_row_the_orm_saves(
    settings: Settings, provider: FakeProvider
) -> None:
    """On PostgreSQL `submit` writes the job's cells itself in the charging statement; its
    row must be the one tortoise saves for the same request, column for column (but its id
    and time), defaults included."""
    async with _with_quota(settings, provider, 100) as app:
        account = await app.services.accounts.resolve(Platform.CONSOLE, "alice", "alice")
        post = await Post.create(author=account, origin_platform=Platform.CONSOLE, prompt="a")
        request = JobRequest(
            account,
            "a cat",
            ImageOptions(count=2, style="anime", seed=7),
            Platform.CONSOLE,
            origin_chat_id="chat",
            reply_target={"chat_id": "chat", "language": "de"},
            kind=JobKind.REMIX,
            parent_post=post,
            parent_image="f" * 64,
        )
        jobs = app.services.generation.jobs
        submitted = await jobs.submit(request)
        by_orm = await jobs._save(request, "a cat", submitted.created_at.date(), False)
        rows = await GenerationJob.filter(id__in=[submitted.id, by_orm.id]).order_by("id").values()
        assert len(rows) == 2
        for row in rows:
            assert abs(row.pop("created_at") - submitted.created_at) < timedelta(minutes=1)
            row.pop("id")
        assert rows[0] == rows[1]
        assert rows[0]["parent_post_id"] == post.id and rows[0]["requester_id"] == account.id
        assert rows[0]["state"] == JobState.QUEUED and rows[0]["posted"] == {}


async def test_an_imagines_cancel_button_is_stored_by_its_job_insert(
    settings: Settings, provider: FakeProvider
) -> None:
    """On PostgreSQL the charging statement also stores the status message's cancel button
    (its token, a hash of the new job's id, made in SQL), so the `/imagine` sends no INSERT
    of its own for it; the row is the one `ActionTokens` would store, and pressing the
    button cancels the job, on both databases."""
    async with _with_quota(settings, provider, 100) as app:
        alice = ChatUser(app, "alice")
        await alice.say("/help")  # the account exists: what follows is the /imagine alone
        with count_queries() as sent:
            assert await alice.say("/imagine a cat") == []
        (status,) = alice.conversation.sent
        button = find_button([status], "cancel")
        job = await GenerationJob.get(id=button.args["job"])
        token = await ActionToken.get(token=button.token)
        assert (token.command, token.args, token.owner_id) == (
            "cancel",
            {"job": job.id},
            job.requester_id,
        )
        stores = [q for q in sent if q.startswith('INSERT INTO "action_token"')]
        if settings.database_url.startswith("postgres"):
            assert stores == [], sent
        else:
            assert len(stores) == 1
        answer = await alice.press(button)
        assert "cancelled" in answer[0].text
        assert (await GenerationJob.get(id=job.id)).state is JobState.CANCELLED


async def test_the_cancel_token_made_in_sql_is_the_one_python_makes(
    settings: Settings, provider: FakeProvider
) -> None:
    """`token_expression` (PostgreSQL) against `token_for`, for ids of every length."""
    if not settings.database_url.startswith("postgres"):
        pytest.skip("SQLite stores the status message's token with a statement of its own")
    ids = [1, 9, 10, 99, 12_345, 2**31 - 1, 2**40 + 7, *range(100, 400, 7)]
    owners = [1, 2**31 - 1, 5, 77, *range(3, 9_000, 211)][: len(ids)]
    owners += [1] * (len(ids) - len(owners))
    async with _with_quota(settings, provider, 100):
        db = GenerationJob._meta.db
        made = await db.execute_query_dict(
            f"SELECT job.id, job.requester_id, {token_expression(_CANCEL_CANONICAL)} AS token"
            " FROM (SELECT unnest($1::bigint[]) AS id, unnest($2::bigint[]) AS requester_id)"
            " AS job",
            [ids, owners],
        )
    assert len(made) == len(ids)
    for row in made:
        assert row["token"] == token_for("cancel", {"job": row["id"]}, row["requester_id"])
