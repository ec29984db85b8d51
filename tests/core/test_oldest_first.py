"""Database connections go to the oldest work first (`core.persistence.oldest_first`)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable

import pytest

from bot.bootstrap import App, build
from core.delivery.replies import Reply
from core.domain import Platform
from core.generation import ImageOptions
from core.generation.jobs import JobRequest
from core.persistence.models import GenerationJob
from core.persistence.oldest_first import OldestFirstLock, OldestFirstPool, Places, work_arrived
from core.settings import Settings
from tests.support.chat import ChatUser
from tests.support.fakes import FakeModerator, FakeProvider


class StrictPool:
    """asyncpg's pool as far as the wrapper uses it; fails when asked for a connection it
    does not have free (the wrapper must never let more requests through than its size)."""

    def __init__(self, size: int) -> None:
        self.free = [f"connection {n}" for n in range(size)]
        self.failing = False

    async def acquire(self) -> str:
        await asyncio.sleep(0)
        if self.failing:
            raise OSError("server closed the connection")
        assert self.free, "more connections asked for than the pool has"
        return self.free.pop()

    async def release(self, connection: str) -> None:
        await asyncio.sleep(0)
        self.free.append(connection)

    def get_max_size(self) -> int:
        return 2


async def _asking(places: Places, arrived: float | None, served: list[str], name: str) -> None:
    if arrived is None:
        await places.take()
    else:
        with work_arrived(arrived):
            await places.take()
    served.append(name)


async def test_waiting_requests_are_served_by_when_their_work_arrived() -> None:
    places = Places(1)
    await places.take()  # held
    served: list[str] = []
    waiting = [
        asyncio.create_task(_asking(places, arrived, served, name))
        for name, arrived in (("third", 3.0), ("first", 1.0), ("second", 2.0))
    ]
    await asyncio.sleep(0)  # all three wait, in the order they asked: third, first, second
    for _ in waiting:
        places.give_back()
        await asyncio.sleep(0)
    await asyncio.gather(*waiting)
    assert served == ["first", "second", "third"]
    places.give_back()
    assert not places.locked()


async def test_work_without_an_arrival_waits_from_when_it_asked() -> None:
    places = Places(1)
    await places.take()
    served: list[str] = []
    plain = asyncio.create_task(_asking(places, None, served, "asked first, no arrival"))
    await asyncio.sleep(0)
    # a command that came in before that request (its arrival is earlier) goes first; one that
    # came in after it waits its turn
    earlier = asyncio.create_task(_asking(places, 0.0, served, "arrived long ago"))
    later = asyncio.create_task(_asking(places, float("inf"), served, "arrived later"))
    await asyncio.sleep(0)
    for _ in range(3):
        places.give_back()
        await asyncio.sleep(0)
    await asyncio.gather(plain, earlier, later)
    assert served == ["arrived long ago", "asked first, no arrival", "arrived later"]


async def test_a_request_cancelled_while_waiting_takes_no_place() -> None:
    places = Places(1)
    await places.take()
    cancelled = asyncio.create_task(places.take())
    await asyncio.sleep(0)
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    places.give_back()
    await asyncio.wait_for(places.take(), 5)  # the place was not handed to the cancelled one
    places.give_back()
    assert not places.locked() and not places._waiting


async def test_the_pool_never_lends_more_than_its_size_and_gets_every_place_back() -> None:
    strict = StrictPool(2)
    pool = OldestFirstPool(strict, strict.get_max_size())
    busiest = 0

    async def statement(arrived: float) -> None:
        nonlocal busiest
        with work_arrived(arrived):
            connection = await pool.acquire()
            busiest = max(busiest, 2 - len(strict.free))
            await asyncio.sleep(0)
            await pool.release(connection)

    await asyncio.gather(*(statement(float(n % 3)) for n in range(20)))
    assert busiest == 2
    assert len(strict.free) == 2 and not pool._places.locked()
    assert pool.get_max_size() == 2  # anything else is the pool's own

    strict.failing = True  # a failed acquire gives its place back
    for _ in range(3):
        with pytest.raises(OSError):
            await pool.acquire()
    strict.failing = False
    first, second = await pool.acquire(), await pool.acquire()
    await pool.release(first)
    await pool.release(second)


async def test_the_sqlite_lock_is_held_by_one_at_a_time() -> None:
    lock = OldestFirstLock()
    assert await lock.acquire() and lock.locked()
    waiting = asyncio.create_task(lock.acquire())
    await asyncio.sleep(0)
    assert not waiting.done()
    lock.release()
    assert await waiting and lock.locked()
    lock.release()
    with pytest.raises(RuntimeError):
        lock.release()


class WatchingConversation:
    """Notes in `log` when the status message of this person's job is shown."""

    def __init__(self, log: list[tuple[str, str]], name: str) -> None:
        self._log, self._name = log, name

    async def send(self, reply: Reply) -> int:
        self._log.append(("shown", self._name))
        return 0

    async def edit(self, handle: int, reply: Reply) -> None:
        pass

    def reply_target(self) -> dict[str, str]:
        return {"recording": "1"}


async def test_a_burst_of_imagines_answers_the_first_before_the_last_is_saved(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Served in the order asked, the burst moves in lock-step: every job is saved before
    any status is shown, so every job starts (and ends) with the last one's."""
    users = [ChatUser(app, f"user{n}") for n in range(40)]
    for user in users:
        await user.say("/help")  # accounts exist beforehand
    log: list[tuple[str, str]] = []
    jobs = app.services.generation.jobs
    submit = jobs.submit

    async def noted(request: JobRequest) -> GenerationJob:
        job = await submit(request)
        log.append(("saved", request.requester.handle))
        return job

    monkeypatch.setattr(jobs, "submit", noted)
    for user in users:
        user.conversation = WatchingConversation(log, user.actor.user_id)  # type: ignore[assignment]
    await asyncio.gather(*(user.say("/imagine a lighthouse at dawn") for user in users))
    assert log.index(("shown", "user0")) < log.index(("saved", "user39")), log
    assert len([what for what, _ in log if what == "saved"]) == len(users)


class AnsweredWhenTold(FakeProvider):
    """Each prompt's answer waits for its event in `answers`."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: defaultdict[str, asyncio.Event] = defaultdict(asyncio.Event)

    async def generate(self, prompt: str, options: ImageOptions) -> list[bytes]:
        await self.answers[prompt].wait()
        return await super().generate(prompt, options)


async def _until(condition: Callable[[], bool]) -> None:
    while not condition():  # noqa: ASYNC110 (states of the app's own, no event to wait on)
        await asyncio.sleep(0.01)


def _connection_places() -> Places:
    """The places the app's database statements take (the pool's, or SQLite's lock)."""
    client = GenerationJob._meta.db
    pool = getattr(client, "_pool", None)
    return pool._places if isinstance(pool, OldestFirstPool) else client._lock


async def test_answers_that_come_back_together_are_finished_oldest_job_first(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The models answer the youngest job first, all at once; the jobs' results then queue
    for the database together, and the oldest job's result goes through first (by its age,
    not by when its statement asked)."""
    provider = AnsweredWhenTold()
    six_at_once = settings.model_copy(update={"generation_concurrency": 6})
    app = build(six_at_once, provider=provider, moderator=FakeModerator())
    await app.database.open(migrate_first=False)
    try:
        jobs = app.services.generation.jobs
        prompts = [f"lighthouse {n}" for n in range(6)]  # oldest first
        for n, prompt in enumerate(prompts):
            person = await app.services.accounts.resolve(Platform.CONSOLE, f"p{n}", f"p{n}")
            await jobs.submit(JobRequest(person, prompt, ImageOptions(), Platform.CONSOLE))
        finished: list[str] = []
        job_finished = app.notices.job_finished

        async def noted(job: GenerationJob) -> None:
            finished.append(job.prompt)
            await job_finished(job)

        monkeypatch.setattr(app.notices, "job_finished", noted)
        await app.worker.start()
        async with asyncio.timeout(10):
            await _until(lambda: len(provider.answers) == len(prompts))  # all at the model
            places, held = _connection_places(), 0
            while not places.locked():  # the database is busy with other work
                await places.take()
                held += 1
            for prompt in reversed(prompts):  # the youngest job's answer first
                provider.answers[prompt].set()
            await _until(lambda: len(places._waiting) == len(prompts))  # all at the database
            places.give_back()  # one connection for them all: they take turns
            await _until(lambda: len(finished) == len(prompts))
            for _ in range(held - 1):
                places.give_back()
        assert finished == prompts
    finally:
        await app.stop()
