"""The worker pool that runs generation jobs fairly, and survives crashes.

- Claiming is one conditional UPDATE (`state: queued → running WHERE state = queued`), so two
  workers, in one process or several sharing PostgreSQL, never run the same job.
- Fairness: among users with waiting jobs and fewer than `per_user` running, the one served
  longest ago goes next (round-robin), so one user's 40 jobs don't starve everyone else.
- A running job holds a lease that its worker renews; a job whose lease expired belonged to a
  worker that died. It is queued again once (attempt 2), and after that failed with a
  message to the requester — nothing is silently lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import Counter
from datetime import timedelta
from functools import lru_cache
from typing import Protocol

from pypika_tortoise import Order, Query, Table
from pypika_tortoise.terms import NullValue, Star

from core.clock import Clock
from core.domain import JobState
from core.errors import MosaicError, NotFound
from core.generation.jobs import GenerationJobs, JobKind
from core.generation.provider import ImageProvider
from core.images import ImageStore
from core.lifecycle import stop_tasks
from core.metrics import NO_METRICS, MetricsRecorder
from core.persistence.models import GenerationJob
from core.persistence.oldest_first import work_arrived
from core.persistence.statements import Slot, Written, db_value, literal, value, write

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 2


class JobObserver(Protocol):
    """Hears what happens to jobs; the bot layer turns it into messages."""

    async def job_started(self, job: GenerationJob) -> None: ...

    async def job_running(self, job: GenerationJob, elapsed_seconds: float) -> None: ...

    async def job_finished(self, job: GenerationJob) -> None:
        """`job` as it ended: the row its final change left (read back by that statement
        or after it), not as it was claimed; the requester's status message, remembered
        meanwhile, is in its reply target."""
        ...


class GenerationWorker:
    def __init__(
        self,
        provider: ImageProvider,
        images: ImageStore,
        jobs: GenerationJobs,
        clock: Clock,
        observer: JobObserver,
        *,
        concurrency: int,
        per_user: int = 1,
        lease: timedelta = timedelta(seconds=60),
        progress_every: float = 5.0,
        idle_poll: float = 2.0,
        metrics: MetricsRecorder = NO_METRICS,
    ) -> None:
        self._metrics = metrics
        self._provider = provider
        self._images = images
        self._jobs = jobs
        self._clock = clock
        self._observer = observer
        self._concurrency = concurrency
        self._per_user = per_user
        self._lease = lease
        self._progress_every = progress_every
        self._idle_poll = idle_poll
        self._wake = asyncio.Event()
        self._claimer: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()
        self._last_served: dict[int, float] = {}
        self._terminals: set[str] = set()
        # Whether the last look at the queue left jobs this process could run later (a
        # person's next job held back by `per_user`, or more jobs than free slots): only
        # then does a finished job's free slot send the claimer to look again.
        self._held_back = True
        self._next_recovery = 0.0  # monotonic; recovery runs at most once per idle poll
        self.idle = asyncio.Event()  # set while the claimer waits for a wake-up or its poll

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        await self.recover()
        self._claimer = asyncio.create_task(self._claim_loop(), name="generation-claimer")

    async def stop(self) -> None:
        """Cancel the claimer and the running jobs (bounded); their leases run out and
        whichever process runs next takes them back (`recover`)."""
        await stop_tasks([*self._running, self._claimer])
        self._running.clear()
        self._claimer = None

    def wake(self) -> None:
        self._wake.set()

    def serve_terminal(self, terminal: str) -> None:
        """This process is attached to `terminal` (a console session): the jobs asked for
        there run here, so their status and preview print in that terminal."""
        self._terminals.add(terminal)

    async def _claim_loop(self) -> None:
        """Fill free slots with the fairest next jobs; sleep until woken when none wait."""
        while True:
            self._wake.clear()  # before looking: a wake() from now on is not lost
            free = self._concurrency - len(self._running)
            jobs: list[GenerationJob] = []
            self._held_back = True  # until a look at the queue says otherwise
            try:
                if free > 0:
                    jobs = await self._claim(free)
                elif self._terminals:  # all slots busy: still hold this terminal's queued jobs
                    await self._fair_order(0)
            except Exception:
                self._held_back = True  # what was looked at may not have been taken
                log.exception("could not claim generation jobs; retrying")
            for job in jobs:
                task = asyncio.create_task(self._run(job), name=f"generation-job-{job.id}")
                self._running.add(task)
                task.add_done_callback(self._job_done)
            if len(jobs) < free or free == 0:
                await self._sleep_until_woken()
                # Not after every wake-up (a burst of jobs is a burst of them): when the poll
                # would have run it, at most once per `idle_poll`.
                if time.monotonic() >= self._next_recovery:
                    self._next_recovery = time.monotonic() + self._idle_poll
                    await self._recover_quietly()

    def _job_done(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if self._held_back:  # a slot is free for a job that waits; a new job wakes us itself
            self.wake()

    async def _sleep_until_woken(self) -> None:
        # asyncio.timeout, not wait_for: on 3.11, wait_for can swallow a cancellation that
        # arrives as the event fires, and stop() would wait forever.
        self.idle.set()
        try:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._idle_poll):
                    await self._wake.wait()
        finally:
            self.idle.clear()

    # ------------------------------------------------------------------ claiming
    async def _claim(self, slots: int) -> list[GenerationJob]:
        order = await self._fair_order(slots)
        if not order:
            return []
        now = self._clock.now()
        # One conditional UPDATE for all of them: the condition (still queued) makes it safe
        # against other workers and other processes, row by row; it returns the rows taken.
        db = GenerationJob._meta.db
        claiming = _claiming(db.query_class, len(order))  # type: ignore[arg-type]
        bound: dict[Slot, object] = {
            _NOW: db_value(GenerationJob, "started_at", now),
            _LEASE: db_value(GenerationJob, "lease_until", now + self._lease),
        }
        bound |= {Slot("job", i): job_id for i, (job_id, _) in enumerate(order)}
        rows = await db.execute_query_dict(claiming.sql, claiming.bind(bound))
        taken = {row["id"]: GenerationJob._init_from_db(**row) for row in rows}
        claimed = []
        for job_id, requester in order:  # in the fair order
            if job_id in taken:
                self._last_served[requester] = time.monotonic()
                claimed.append(taken[job_id])
        return claimed

    async def _fair_order(self, slots: int) -> list[tuple[int, int]]:
        """Up to `slots` (job id, requester id) pairs, round-robin over the waiting users,
        least recently served first, each user within their running limit."""
        queued, running = await _queue_and_running()
        if not queued:
            self._held_back = False
            return []
        queued = await self._claimable(queued)
        waiting: dict[int, list[int]] = {}
        for job_id, requester in queued:
            if len(waiting.get(requester, ())) < self._per_user - running[requester]:
                waiting.setdefault(requester, []).append(job_id)
        users = sorted(
            waiting, key=lambda r: (self._last_served.get(r, float("-inf")), waiting[r][0])
        )
        order: list[tuple[int, int]] = []
        for turn in range(self._per_user):
            order += [(waiting[r][turn], r) for r in users if turn < len(waiting[r])]
        self._held_back = len(order[:slots]) < len(queued)
        return order[:slots]

    async def _claimable(self, queued: list[tuple]) -> list[tuple[int, int]]:
        """The queued jobs this process may run. A job asked for in a terminal (a console
        session; `terminal` in its reply target) belongs to the process attached to it, which
        keeps a lease on it while it waits; once that lease has run out (the terminal's process
        died) any process runs it, and the result waits in the outbox for the person."""
        now = self._clock.now()
        mine: list[int] = []
        unseen: list[int] = []  # not leased yet: its process may not have looked yet
        claimable: list[tuple[int, int]] = []
        for job_id, requester, target, lease_until in queued:
            terminal = (target or {}).get("terminal")
            if terminal in self._terminals:
                mine.append(job_id)
            elif terminal is not None and lease_until is None:
                unseen.append(job_id)
                continue
            elif terminal is not None and lease_until > now:
                continue  # its own terminal's process is alive and will run it
            claimable.append((job_id, requester))
        if mine:
            await GenerationJob.filter(id__in=mine, state=JobState.QUEUED).update(
                lease_until=now + self._lease
            )
        if unseen:  # the lease starts now; it runs out unless that process renews it
            await GenerationJob.filter(
                id__in=unseen, state=JobState.QUEUED, lease_until=None
            ).update(lease_until=now + self._lease)
        return claimable

    # ------------------------------------------------------------------ running
    async def _run(self, job: GenerationJob) -> None:
        waited = (self._clock.now() - job.created_at).total_seconds()
        # The job's statements (its result's above all: a burst's answers come back together)
        # take database connections by the job's age, not by when each asks: the oldest
        # job's result goes through first instead of queueing behind the younger ones' at
        # every statement (`core.persistence.oldest_first`).
        with work_arrived(time.monotonic() - max(0.0, waited)):
            await self._running_job(job, waited)

    async def _running_job(self, job: GenerationJob, waited: float) -> None:
        await self._notify("job_started", job)
        ticker = asyncio.create_task(self._keep_alive(job))
        started = time.monotonic()
        try:
            ended = await self._produce(job)
        finally:
            await stop_tasks([ticker])
        self._metrics.job_generated(max(0.0, waited), time.monotonic() - started)
        if ended is not None:  # else it was cancelled meanwhile, and whoever cancelled said so
            await self._notify("job_finished", ended)

    async def _produce(self, job: GenerationJob) -> GenerationJob | None:
        """Make and store the images; the job as it ended when this call moved it to its
        final state (None: it had been cancelled)."""
        try:
            images = await self._make_images(job)
            stored = [await self._images.put(data, trusted=True) for data in images]
        except MosaicError as error:
            return await self._failed(job, error.key, error.params)
        except Exception:
            error_id = secrets.token_hex(4)
            log.exception("generation job %s crashed (error id %s)", job.id, error_id)
            return await self._failed(job, "error.job_crashed", {"id": error_id})
        # The row as it ends, in the same statement (was an UPDATE, then a SELECT of it all).
        db = GenerationJob._meta.db
        finishing = _finishing(db.query_class)  # type: ignore[arg-type]
        bound = {
            _JOB: job.id,
            _IMAGES: db_value(GenerationJob, "result_images", [i.sha256 for i in stored]),
            _PROVIDER: self._provider.name,
            _MODEL: self._provider.model,
            _NOW: db_value(GenerationJob, "finished_at", self._clock.now()),
        }
        rows = await db.execute_query_dict(finishing.sql, finishing.bind(bound))
        if not rows:
            log.info("job %s finished after it was cancelled; result dropped", job.id)
            return None
        return GenerationJob._init_from_db(**rows[0])

    async def _failed(self, job: GenerationJob, key: str, params: dict) -> GenerationJob | None:
        if not await self._jobs.fail(job, key, params):
            return None
        await job.refresh_from_db()
        return job

    async def _make_images(self, job: GenerationJob) -> list[bytes]:
        options = self._jobs.image_options(job)
        if job.kind in (JobKind.VARY, JobKind.REMIX) and job.parent_image:
            try:
                source = await self._images.local_copy(job.parent_image)
                parent = await asyncio.to_thread(source.read_bytes)
            except FileNotFoundError:  # deleted while the job waited (/discard, /deleteme…)
                raise NotFound("error.job_source_gone", job=job.id) from None
            return await self._provider.edit(parent, job.prompt, options)
        return await self._provider.generate(job.prompt, options)

    async def _keep_alive(self, job: GenerationJob) -> None:
        started = time.monotonic()
        while True:
            await asyncio.sleep(self._progress_every)
            await GenerationJob.filter(id=job.id, state=JobState.RUNNING).update(
                lease_until=self._clock.now() + self._lease
            )
            await self._notify("job_running", job, time.monotonic() - started)

    async def _notify(self, event: str, job: GenerationJob, *args: float) -> None:
        try:
            await getattr(self._observer, event)(job, *args)
        except Exception:
            log.exception("telling the requester about job %s (%s) failed", job.id, event)

    # ------------------------------------------------------------------ recovery
    async def recover(self) -> None:
        """Requeue (once) or fail the jobs whose worker died."""
        now = self._clock.now()
        orphans = await GenerationJob.filter(state=JobState.RUNNING, lease_until__lt=now)
        for job in orphans:
            if job.attempts < MAX_ATTEMPTS:
                await GenerationJob.filter(id=job.id, state=JobState.RUNNING).update(
                    state=JobState.QUEUED, lease_until=None
                )
                log.warning("job %s was interrupted; queued again", job.id)
                self.wake()
            elif await self._jobs.fail(job, "error.job_lost", {"job": job.id}):
                await job.refresh_from_db()
                await self._notify("job_finished", job)

    async def _recover_quietly(self) -> None:
        try:
            await self.recover()
        except Exception:
            log.exception("recovering interrupted jobs failed")


_JOBS = Table("generation_job")
_NOW, _LEASE, _JOB = Slot("now"), Slot("lease"), Slot("job")
_IMAGES, _PROVIDER, _MODEL = Slot("images"), Slot("provider"), Slot("model")


@lru_cache(maxsize=4)
def _active(query_class: type[Query]) -> Written:
    """SELECT id, requester_id, state, reply_target, lease_until FROM generation_job WHERE
    state IN ('queued', 'running') ORDER BY created_at, id: the queue in its order and who
    is running, in one round trip (were two statements, each built anew by the ORM)."""
    statement = (
        query_class.from_(_JOBS)
        .select(_JOBS.id, _JOBS.requester_id, _JOBS.state, _JOBS.reply_target, _JOBS.lease_until)
        .where(_JOBS.state.isin([value(JobState.QUEUED.value), value(JobState.RUNNING.value)]))
        .orderby(_JOBS.created_at, order=Order.asc)
        .orderby(_JOBS.id, order=Order.asc)
    )
    return write(query_class, statement)


async def _queue_and_running() -> tuple[list[tuple], Counter[int]]:
    """The queued jobs in the order they are taken, as (id, requester id, reply target,
    lease until), and how many jobs each requester has running (in any process)."""
    db = GenerationJob._meta.db
    listing = _active(db.query_class)  # type: ignore[arg-type]
    _, rows = await db.execute_query(listing.sql, listing.bind({}))
    fields = GenerationJob._meta.fields_map
    target, lease = fields["reply_target"], fields["lease_until"]
    queued, running = [], Counter[int]()
    for job_id, requester, state, reply_target, lease_until in rows:
        if state == JobState.RUNNING.value:
            running[requester] += 1
        else:
            queued.append(
                (
                    job_id,
                    requester,
                    target.to_python_value(reply_target),
                    lease.to_python_value(lease_until),
                )
            )
    return queued, running


@lru_cache(maxsize=4)
def _finishing(query_class: type[Query]) -> Written:
    """UPDATE generation_job SET state = 'succeeded', result_images = <images>, provider,
    model, finished_at = <now>, lease_until = NULL WHERE id = <job> AND state = 'running'
    RETURNING *"""
    statement = (
        query_class.update(_JOBS)
        .set(_JOBS.state, value(JobState.SUCCEEDED.value))
        .set(_JOBS.result_images, value(_IMAGES))
        .set(_JOBS.provider, value(_PROVIDER))
        .set(_JOBS.model, value(_MODEL))
        .set(_JOBS.finished_at, value(_NOW))
        .set(_JOBS.lease_until, NullValue())
        .where(_JOBS.id == value(_JOB))
        .where(_JOBS.state == value(JobState.RUNNING.value))
        .returning(Star())  # type: ignore[operator]  # SQLite's and PostgreSQL's have it
    )
    return write(query_class, statement)


@lru_cache(maxsize=64)
def _claiming(query_class: type[Query], jobs: int) -> Written:
    """UPDATE generation_job SET state = 'running', started_at = <now>, lease_until =
    <lease>, attempts = attempts + 1 WHERE id IN (<job>, …) AND state = 'queued' RETURNING *
    (was an UPDATE per job, then a SELECT of the jobs taken)."""
    statement = (
        query_class.update(_JOBS)
        .set(_JOBS.state, value(JobState.RUNNING.value))
        .set(_JOBS.started_at, value(_NOW))
        .set(_JOBS.lease_until, value(_LEASE))
        .set(_JOBS.attempts, _JOBS.attempts + literal(1))
        .where(_JOBS.id.isin([value(Slot("job", i)) for i in range(jobs)]))
        .where(_JOBS.state == value(JobState.QUEUED.value))
        .returning(Star())  # type: ignore[operator]  # SQLite's and PostgreSQL's have it
    )
    return write(query_class, statement)
