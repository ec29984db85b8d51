"""Real processes: a scheduler killed with SIGKILL in the middle of a fan-out, then restarted,
delivers every digest exactly once; two schedulers on one PostgreSQL send one digest per
subscription per period, and when the leader dies the other takes over."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.bootstrap import App, build, build_telegram
from core.clock import MonotonicTimer
from core.digests import parse_request
from core.domain import ChatKind, OutboxState, Platform, RunState
from core.persistence.models import DigestRun, DigestSubscription, OutboxMessage
from core.settings import Settings
from core.social import Origin
from tests.support.fakes import FakeModerator, FakeProvider
from tests.support.images import png_bytes
from tests.support.telegram import TOKEN, FakeBotApi

pytestmark = pytest.mark.slow  # scheduler processes started, killed and restarted

ROOT = Path(__file__).resolve().parents[2]
LINE_LIMIT = 60.0


@asynccontextmanager
async def worker(url: str, data: Path, mode: str, *options: str) -> AsyncIterator[Worker]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.digest_worker",
        url,
        str(data),
        mode,
        *options,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    running = Worker(process)
    try:
        yield running
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGKILL)
            await process.wait()


class Worker:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []

    async def line(self) -> str:
        assert self.process.stdout is not None
        raw = await asyncio.wait_for(self.process.stdout.readline(), LINE_LIMIT)
        assert raw, "the worker ended"
        self.lines.append(raw.decode().strip())
        return self.lines[-1]

    async def until(self, prefix: str, count: int = 1) -> None:
        while sum(1 for line in self.lines if line.startswith(prefix)) < count:
            await self.line()

    async def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()


async def subscribe_many(app: App, chats: list[int]) -> None:
    bob = await app.services.accounts.resolve(Platform.CONSOLE, "bob", "bob", handle_hint="bob")
    for n in range(4):
        await app.services.posts.create(
            bob, png_bytes((40 * n, 80, 120)), caption=f"owls {n}", origin=Origin(Platform.CONSOLE)
        )
    owner = await app.services.accounts.resolve(Platform.TELEGRAM, "1", "Owner")
    request = parse_request("daily 08:30 Europe/Berlin 4", app.services.digests.calculator)
    for chat in chats:
        destination = await app.services.destinations.get(
            Platform.TELEGRAM, str(chat), kind=ChatKind.PRIVATE
        )
        target = {"platform": "telegram", "chat_id": str(chat), "kind": "private"}
        await app.services.digests.subscribe(owner, destination, target, request, personal=False)
    # due for the workers, which run on the real clock
    await DigestSubscription.all().update(next_run_at=datetime.now(UTC) - timedelta(minutes=1))


async def test_a_scheduler_killed_mid_fan_out_delivers_each_digest_once_after_restart(
    settings: Settings, database_url: str, tmp_path: Path
) -> None:
    fake = FakeBotApi(time_scale=0.05)
    await fake.start()
    users = [fake.user(7000 + n, f"User{n}") for n in range(40)]
    app = build(settings, provider=FakeProvider(), moderator=FakeModerator())
    await app.start(migrate=False)
    try:
        await subscribe_many(app, [u.id for u in users])
        fake.hold_after(15)
        async with worker(database_url, tmp_path / "d", "telegram", fake.base_url) as first:
            await first.until("delivered", 15)  # 15 accepted and recorded as sent
            await fake.wait_for(lambda: fake.held >= 1, within=LINE_LIMIT)  # more in flight
            await first.kill()
        assert fake.accepted_sends == 15
        fake.drop_held()
        in_flight = await OutboxMessage.filter(state=OutboxState.SENDING).count()
        assert in_flight >= 1  # the dead process was sending these

        restarted = build(
            Settings(
                MOSAIC_DATA_DIR=settings.data_dir,
                MOSAIC_DATABASE_URL=database_url,
                TELEGRAM_BOT_TOKEN=TOKEN,
                TELEGRAM_API_BASE_URL=fake.base_url,
                _env_file=None,
            ),
            provider=FakeProvider(),
            moderator=FakeModerator(),
        )
        adapter = build_telegram(restarted, timer=MonotonicTimer(0.05))
        await adapter.start()
        sender = restarted.scheduler.senders[Platform.TELEGRAM]
        try:
            await restarted.scheduler.tick()  # becomes the leader: takes over, sends the rest
            await asyncio.wait_for(sender.drain(), LINE_LIMIT)
        finally:
            await adapter.stop()
            await restarted.scheduler.stop()
        photos = Counter(c.chat_id for c in fake.calls if c.ok and c.method == "sendPhoto")
        assert photos == Counter({u.id: 1 for u in users})  # everyone once, nobody twice
        assert await DigestRun.filter(state=RunState.DELIVERED).count() == 40
        assert await DigestRun.all().count() == 40
        assert not [r for r in fake.rejections if r.code == 429]
    finally:
        await app.stop()
        await fake.stop()


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_two_processes_on_one_postgres_send_one_digest_per_period_and_take_over(
    settings: Settings, database_url: str, tmp_path: Path
) -> None:
    app = build(settings, provider=FakeProvider(), moderator=FakeModerator())
    await app.start(migrate=False)
    try:
        bob = await app.services.accounts.resolve(Platform.CONSOLE, "bob", "bob")
        for n in range(4):
            await app.services.posts.create(
                bob, png_bytes((9, 9, 9 * n)), origin=Origin(Platform.CONSOLE)
            )
        owner = await app.services.accounts.resolve(Platform.CONSOLE, "owner", "owner")
        request = parse_request("daily 08:30 Europe/Berlin 4", app.services.digests.calculator)
        for n in range(20):
            place = await app.services.destinations.get(
                Platform.CONSOLE, f"room{n}", kind=ChatKind.GROUP
            )
            await app.services.digests.subscribe(
                owner, place, {"chat_id": f"room{n}"}, request, personal=False
            )
        first_half = [s.id for s in await DigestSubscription.all().order_by("id")][:10]
        await DigestSubscription.filter(id__in=first_half).update(
            next_run_at=datetime.now(UTC) - timedelta(minutes=1)
        )
        async with (
            worker(database_url, tmp_path / "a", "print", "1") as one,
            worker(database_url, tmp_path / "b", "print", "1") as two,
        ):
            await one.until("started")
            await two.until("started")
            readers = [asyncio.create_task(w.until("delivered", 10)) for w in (one, two)]
            done, _ = await asyncio.wait(readers, return_when=asyncio.FIRST_COMPLETED)
            leader, follower = (one, two) if readers[0] in done else (two, one)
            for reader in readers:
                reader.cancel()
            await leader.kill()
            await DigestSubscription.exclude(id__in=first_half).update(
                next_run_at=datetime.now(UTC) - timedelta(minutes=1)
            )
            await follower.until("delivered", 10)
        sent = [line for w in (one, two) for line in w.lines if line.startswith("sent ")]
        rooms = Counter(json.loads(line.split(" ", 2)[1])["chat_id"] for line in sent)
        assert rooms == Counter({f"room{n}": 1 for n in range(20)})
        taken_over = [line for line in follower.lines if line.startswith("sent ")]
        assert len(taken_over) == 10  # the second half, all from the survivor
        assert await DigestRun.filter(state=RunState.DELIVERED).count() == 20
    finally:
        await app.stop()
