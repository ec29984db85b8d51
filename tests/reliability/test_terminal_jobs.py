"""A job asked for in a terminal runs in that terminal's process; if that process died, any
process runs it and the result waits in the outbox for the person, printed only by their
own terminal (issue #16, finding 2). On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

from bot.bootstrap import App
from core.clock import FakeClock
from core.domain import JobState, OutboxState, Platform
from core.generation import ImageOptions
from core.generation.jobs import JobRequest
from core.persistence.models import GenerationJob, OutboxMessage


async def submit(app: App, user: str, terminal: str) -> GenerationJob:
    account = await app.services.accounts.resolve(Platform.CONSOLE, user, user)
    target = {"user": user, "terminal": terminal, "language": "en"}
    return await app.services.generation.jobs.submit(
        JobRequest(account, f"{user}'s fox", ImageOptions(), Platform.CONSOLE, reply_target=target)
    )


async def test_another_live_terminals_job_is_left_to_it(app: App, clock: FakeClock) -> None:
    app.worker.serve_terminal("mine")
    theirs = await submit(app, "sam", "theirs")
    mine = await submit(app, "sam", "mine")
    claimed = await app.worker._claim(5)
    assert [job.id for job in claimed] == [mine.id]
    assert (await GenerationJob.get(id=theirs.id)).state is JobState.QUEUED


async def test_a_waiting_job_keeps_its_terminal_lease(app: App, clock: FakeClock) -> None:
    app.worker.serve_terminal("mine")
    mine = await submit(app, "sam", "mine")
    await app.worker._fair_order(0)  # all slots busy: the claimer still holds its jobs
    job = await GenerationJob.get(id=mine.id)
    assert job.state is JobState.QUEUED and job.lease_until is not None
    assert job.lease_until > clock.now()


async def test_a_dead_terminals_job_runs_elsewhere_and_waits_for_its_person(
    app: App, clock: FakeClock
) -> None:
    orphan = await submit(app, "sam", "gone")
    assert await app.worker._claim(5) == []  # its terminal may still be alive: leased now
    assert (await GenerationJob.get(id=orphan.id)).lease_until is not None
    clock.advance(minutes=5)  # nobody renewed that lease: its process is gone
    await app.worker.start()
    for _ in range(200):
        job = await GenerationJob.get(id=orphan.id)
        if (
            job.state is JobState.SUCCEEDED
            and await OutboxMessage.filter(chat_key="sam").count() >= 2
        ):
            break
        await asyncio.sleep(0.05)
    assert job.state is JobState.SUCCEEDED
    waiting = await OutboxMessage.filter(platform=Platform.CONSOLE, state=OutboxState.PENDING)
    assert {row.chat_key for row in waiting} == {"sam"}
    assert any("Preview of job" in str(row.reply) for row in waiting)
    assert await app.outbox.claim(Platform.CONSOLE, 10, chats=frozenset({"bob"})) == []
    claimed = await app.outbox.claim(Platform.CONSOLE, 10, chats=frozenset({"sam"}))
    assert {row.id for row in claimed} == {row.id for row in waiting}
