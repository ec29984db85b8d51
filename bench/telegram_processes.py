"""Telegram throughput on 1 and on N webhook processes, in one run (issue 19).

Each side gets a fresh PostgreSQL database, a fresh fake Bot API, and `count` real
`mosaic run --roles telegram` processes behind one webhook URL (the fake's round-robin
balancer, every `--repeat`-th update delivered twice as Telegram does after a slow answer),
sharing Telegram's limits through Redis. `--users` people act at once, in two workloads:

- presses: each person presses ❤ Like under post after post (a post is shown to each by
  /show beforehand), the next as soon as the last one's toast arrives, for `--seconds`. A
  press is complete when its answerCallbackQuery reaches the fake: a toast is not a message,
  so Telegram's 30 messages a second do not bound it; the processes' CPU does. This is the
  ratio that scaling can move.
- /profile: `--rounds` rounds in which everybody sends /profile at once. A command is complete
  when its sendMessage is accepted by the fake. Every reply is a message, so the bot as a
  whole can never answer more than 30 a second, on any number of processes: with 100 users
  both sides sit at the limit, and the ratio is ~1 by design.

The fake records the most messages it accepted in any one second over all processes
(`peak_per_second`) and refuses (429) and counts any beyond 30. A clean run has 0 refusals,
0 errors in the processes' logs, every update handled exactly once (each press answered once,
each person one profile per round), none lost. CPU per press is the processes' user+system
time (from /proc) over the presses window, divided by the presses completed.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.server_cpu import PostgresCpu, cpu_seconds
from bot.bootstrap import build
from core.domain import Platform
from core.settings import Settings
from core.social import Origin
from tests.reliability.test_parallel_consoles import environment
from tests.support.databases import DatabaseFactory
from tests.support.fakes import FakeModerator, FakeProvider
from tests.support.images import png_bytes
from tests.support.redis_server import REDIS_URL
from tests.support.telegram import ApiCall, FakeBotApi, FakeUser
from tests.support.telegram.balancer import WebhookBalancer
from tests.support.webhook_processes import (
    WebhookProcess,
    start_webhook_process,
    webhook_environment,
)

LIMIT = 300.0  # seconds for a process to start or an answer to come (a shared machine)
SECRET = "bench_processes-secret"
LIKE = "❤ Like"


@dataclass(frozen=True)
class Side:
    """What one process count did."""

    processes: int
    presses: int
    press_seconds: float
    press_cpu_seconds: float
    driver_cpu_seconds: float  # this process: the fake Bot API, its balancer, the people
    postgres_cpu_seconds: float  # the database server's backends for this side's database
    profiles: int
    profile_seconds: float
    peak_per_second: int
    refused: int
    handled_twice: int
    lost: int
    errors: int
    first_errors: tuple[str, ...] = ()  # the processes' first ERROR lines, for a failed run

    @property
    def presses_per_second(self) -> float:
        return self.presses / self.press_seconds

    @property
    def profiles_per_second(self) -> float:
        return self.profiles / self.profile_seconds

    @property
    def cpu_ms_per_press(self) -> float:
        return 1000 * self.press_cpu_seconds / max(1, self.presses)

    def per_press(self, seconds: float) -> float:
        return 1000 * seconds / max(1, self.presses)

    def ceiling(self, cores: int) -> float:
        """Presses a second this side could reach on `cores` idle cores, from the CPU each
        press cost each party: a Mosaic process (one event loop) uses at most one core, so
        does the bench's process; Mosaic, PostgreSQL and the bench share the cores."""
        tick = 0.01  # /proc counts in ticks: a smoke run may measure 0
        mosaic = max(self.press_cpu_seconds, tick) / max(1, self.presses)
        bench = max(self.driver_cpu_seconds, tick) / max(1, self.presses)
        database = self.postgres_cpu_seconds / max(1, self.presses)
        return min(self.processes / mosaic, 1 / bench, cores / (mosaic + bench + database))

    def line(self) -> str:
        return (
            f"{self.processes} process{'es' if self.processes > 1 else ''}: "
            f"presses {self.presses_per_second:.1f}/s ({self.presses} in "
            f"{self.press_seconds:.1f} s; CPU per press: Mosaic {self.cpu_ms_per_press:.1f} ms, "
            f"PostgreSQL {self.per_press(self.postgres_cpu_seconds):.1f} ms, the bench "
            f"{self.per_press(self.driver_cpu_seconds):.1f} ms; cores busy: Mosaic "
            f"{self.press_cpu_seconds / self.press_seconds:.2f}, PostgreSQL "
            f"{self.postgres_cpu_seconds / self.press_seconds:.2f}, the bench "
            f"{self.driver_cpu_seconds / self.press_seconds:.2f}); "
            f"/profile {self.profiles_per_second:.1f}/s ({self.profiles}); "
            f"peak {self.peak_per_second} messages in one second, {self.refused} refused, "
            f"{self.handled_twice} handled twice, {self.lost} lost, {self.errors} errors"
        )


class Answers:
    """Listens to the fake: toasts by query id, first messages per chat."""

    def __init__(self) -> None:
        self.toasts: Counter[str] = Counter()
        self.messages: Counter[int] = Counter()
        self._toast: dict[str, asyncio.Future[float]] = {}
        self._message: dict[int, asyncio.Future[float]] = {}

    def toast(self, query_id: str) -> asyncio.Future[float]:
        future = asyncio.get_running_loop().create_future()
        self._toast[query_id] = future
        return future

    def message(self, chat_id: int) -> asyncio.Future[float]:
        future = asyncio.get_running_loop().create_future()
        self._message[chat_id] = future
        return future

    def __call__(self, call: ApiCall) -> None:
        if call.method == "answerCallbackQuery":
            query = str(call.params.get("callback_query_id"))
            self.toasts[query] += 1
            _resolve(self._toast.pop(query, None), call.at)
        elif call.method == "sendMessage" and call.chat_id is not None:
            self.messages[call.chat_id] += 1
            _resolve(self._message.pop(call.chat_id, None), call.at)


def _resolve(future: asyncio.Future[float] | None, at: float) -> None:
    if future is not None and not future.done():
        future.set_result(at)


async def seed(database_url: str, data: Path, count: int) -> list[tuple[int, str]]:
    """`count` posts, each by an author of its own, with the token of its ❤ Like button (the
    bot issues the same one: tokens are content-addressed). Person n's k-th press likes post
    n + k, so a press is never "already liked", and no two presses at once wait for one row
    (a like updates its post's counter and notifies its author)."""
    settings = Settings(MOSAIC_DATABASE_URL=database_url, MOSAIC_DATA_DIR=data, _env_file=None)
    app = build(settings, provider=FakeProvider(), moderator=FakeModerator())
    await app.start(migrate=False)
    try:
        posts = []
        for n in range(count):
            name = f"author{n}"
            author = await app.services.accounts.resolve(
                Platform.CONSOLE, name, name, handle_hint=name
            )
            post = await app.services.posts.create(
                author,
                png_bytes((n % 256, 90, 190)),
                caption=f"picture {n}",
                origin=Origin(Platform.CONSOLE),
            )
            posts.append(post.id)
        likes = [("like", {"post": post_id}, None) for post_id in posts]
        return list(zip(posts, await app.services.tokens.issue_many(likes), strict=True))
    finally:
        await app.stop()


class Workload:
    def __init__(self, fake: FakeBotApi, answers: Answers, people: list[FakeUser]) -> None:
        self.fake, self.answers, self.people = fake, answers, people
        self.shown: dict[int, dict[str, Any]] = {}
        self.pressed: list[str] = []  # the query id of every press pushed, in order
        fake.pushes.append(self._pushed)

    def _pushed(self, update: dict[str, Any]) -> None:
        if "callback_query" in update:
            self.pressed.append(str(update["callback_query"]["id"]))

    async def show(self, posts: list[tuple[int, str]]) -> None:
        """Each person gets a post with its buttons (this also creates their accounts)."""

        async def one(person: FakeUser, post_id: int, like: str) -> None:
            self.fake.say(person, f"/show {post_id}")
            await self.fake.wait_for(lambda: self._post_shown(person), LIMIT)
            self.shown[person.id] = self._post_shown(person)
            data = [
                b.get("callback_data")
                for row in self.shown[person.id]["reply_markup"]["inline_keyboard"]
                for b in row
                if b["text"] == LIKE
            ]
            assert data == [like], f"the bot's {LIKE} button is not {like}: {data}"

        await asyncio.gather(*(one(p, *post) for p, post in zip(self.people, posts, strict=False)))

    def _post_shown(self, person: FakeUser) -> Any:
        return next((m for m in self.fake.bot_messages(person) if "reply_markup" in m), None)

    async def presses(self, likes: list[str], seconds: float) -> tuple[int, float]:
        """Everyone presses ❤ Like under post after post (`likes`: their tokens), the next as
        soon as the last one's toast came; (presses answered, the window's length)."""
        done, started = 0, time.monotonic()
        deadline = started + seconds

        async def one(n: int, person: FakeUser) -> None:
            nonlocal done
            for k in range(len(likes)):
                if time.monotonic() >= deadline:
                    return
                like = likes[(n + k) % len(likes)]
                self.fake.press_data(person, self.shown[person.id], like)
                query = self.pressed[-1]
                answered = await asyncio.wait_for(self.answers.toast(query), LIMIT)
                if answered <= deadline:
                    done += 1

        await asyncio.gather(*(one(n, p) for n, p in enumerate(self.people)))
        return done, seconds

    async def profiles(self, rounds: int) -> tuple[int, float]:
        """`rounds` rounds of /profile from everyone at once; (replies, seconds they took)."""
        spent = 0.0
        for _ in range(rounds):
            started = time.monotonic()
            waits = [self.answers.message(p.id) for p in self.people]
            for person in self.people:
                self.fake.say(person, "/profile")
            finished = await asyncio.wait_for(asyncio.gather(*waits), LIMIT)
            spent += max(finished) - started
            await asyncio.sleep(1.0)  # Telegram's one message a second per chat
        return rounds * len(self.people), spent


async def quiet(fake: FakeBotApi, seconds: float = 3.0) -> None:
    """Until no request reached the fake for `seconds` (a duplicate would have come)."""
    seen = -1
    while seen != len(fake.calls):
        seen = len(fake.calls)
        await asyncio.sleep(seconds)


async def one_side(
    count: int,
    *,
    users: int,
    seconds: float,
    rounds: int,
    repeat: int,
    databases: DatabaseFactory,
    folder: Path,
) -> Side:
    url = databases.fresh("postgres")
    bot_id = random.randrange(10**9, 10**10)  # limits of its own in the shared Redis
    fake = FakeBotApi(token=f"{bot_id}:fake-TOKEN-bench-{count}_0123456789abcdef")
    processes: list[WebhookProcess] = []
    balancer: WebhookBalancer | None = None
    try:
        data = folder / f"data-{count}"
        posts = await seed(url, data, max(users, 10) + 1)
        await fake.start()
        base = environment(data, url) | {"MOSAIC_REDIS_URL": REDIS_URL}
        env = webhook_environment(base, token=fake.token, api_base_url=fake.base_url, secret=SECRET)
        for n in range(count):
            where = folder / f"p{count}-{n}"
            processes.append(await start_webhook_process(env, where, "telegram", own_session=True))
        backends = [await p.ready(LIMIT) for p in processes]
        balancer = WebhookBalancer(fake, backends, repeat_every=repeat)
        await balancer.start()
        answers = Answers()
        fake.listeners.append(answers)
        people = [fake.user(200_000 + n, f"User {n}", f"user{n}") for n in range(users)]
        workload = Workload(fake, answers, people)
        await workload.show(posts)
        likes = [like for _, like in posts]
        await workload.presses(likes[-1:], LIMIT)  # each process loads what a like needs
        pids = [p.process.pid for p in processes]
        database = PostgresCpu(urlsplit(url).path.lstrip("/"))
        database.start()
        cpu_before, driver_before = cpu_seconds(pids), time.process_time()
        presses, press_seconds = await workload.presses(likes[:-1], seconds)
        cpu = cpu_seconds(pids) - cpu_before
        driver = time.process_time() - driver_before
        postgres = database.seconds()
        profiles, profile_seconds = await workload.profiles(rounds)
        await quiet(fake)
        twice = sum(1 for n in answers.toasts.values() if n > 1)
        twice += sum(1 for p in people if answers.messages[p.id] > rounds)
        lost = sum(1 for p in people if answers.messages[p.id] < rounds)
        lost += sum(1 for query in workload.pressed if answers.toasts[query] == 0)
        return Side(
            processes=count,
            presses=presses,
            press_seconds=press_seconds,
            press_cpu_seconds=cpu,
            driver_cpu_seconds=driver,
            postgres_cpu_seconds=postgres,
            profiles=profiles,
            profile_seconds=profile_seconds,
            peak_per_second=fake.peak_per_second,
            refused=len(fake.rejections),
            handled_twice=twice,
            lost=lost,
            errors=sum(p.log.count(b" ERROR ") for p in processes),
            first_errors=tuple(
                line.decode(errors="replace")[:300]
                for p in processes
                for line in p.log.splitlines()
                if b" ERROR " in line
            )[:5],
        )
    finally:
        if balancer is not None:
            await balancer.stop()
        for process in processes:
            await process.stop()
        await fake.stop()
        databases.drop(url)


async def compare(
    processes: int, *, users: int, seconds: float, rounds: int, repeat: int, folder: Path
) -> list[Side]:
    """1 process, then `processes`, one after the other in this run."""
    databases = DatabaseFactory.of_this_test_run(folder)
    try:
        return [
            await one_side(
                count,
                users=users,
                seconds=seconds,
                rounds=rounds,
                repeat=repeat,
                databases=databases,
                folder=folder,
            )
            for count in (1, processes)
        ]
    finally:
        databases.cleanup()


def report(sides: list[Side], *, users: int, repeat: int) -> str:
    """The lines a run prints; SystemExit if the run was not clean."""
    one, many = sides
    lines = [side.line() for side in sides]
    unclean = [s for s in sides if s.refused or s.handled_twice or s.lost or s.errors]
    if unclean or any(s.peak_per_second > 30 or not s.presses for s in sides):
        errors = [e for s in sides for e in s.first_errors]
        raise SystemExit("not a clean run:\n" + "\n".join(lines + errors))
    cores = os.cpu_count() or 1
    lines.append(
        f"from CPU per press: on {cores} idle cores shared by Mosaic, PostgreSQL and the bench, "
        f"at most {one.ceiling(cores):.0f} vs {many.ceiling(cores):.0f} presses/s, "
        f"{many.ceiling(cores) / one.ceiling(cores):.2f}x (each Mosaic process and the bench "
        f"≤ 1 core)"
    )
    lines.append(
        f"telegram processes ({users} users at once, every {repeat}th update delivered twice, "
        f"load {os.getloadavg()[0]:.1f}): presses {many.processes} ÷ 1 process = "
        f"{many.presses_per_second / one.presses_per_second:.2f}x; /profile "
        f"{many.processes} ÷ 1 = {many.profiles_per_second / one.profiles_per_second:.2f}x "
        f"(at most 30 messages a second for the bot: peak {max(s.peak_per_second for s in sides)}"
        f"); 0 429s, 0 lost, 0 handled twice, 0 errors"
    )
    return "\n".join(lines)
