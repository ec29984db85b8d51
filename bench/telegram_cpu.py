"""CPU per Telegram update: Mosaic's `/profile` against a bare python-telegram-bot floor.

Two bot processes run side by side, each long-polling its own fake Bot API (tests/support,
the same fake as every Telegram test, with Telegram's limits) served from this process:

- **floor**: a bare python-telegram-bot `Application` (concurrent updates, no database) that
  answers each update with one `sendMessage`;
- **mosaic**: `mosaic run --roles telegram` on a fresh migrated database (SQLite by default,
  `--postgres` for a new database on the test server).

Rounds alternate between the two bots (floor, mosaic, floor, …), so load on the machine hits
both alike. In each round every user sends `/profile` at once; the round ends when every
user has an answer, and rounds start `ROUND_GAP` s apart (Telegram's 1 message a second per
chat). The first round of each bot creates the accounts and warms up; it is not counted.
What is measured is each bot process's own CPU time (user + system, all threads, from
/proc/<pid>/stat), not wall time: the machine is shared. CPU per update = the CPU a process
used from the first measured round to the end ÷ the updates it answered in that span; both
processes live through the same span, so idle work (polling, timers) counts alike.

    PYTHONPATH=. .venv/bin/python -m bench.telegram_cpu [--users 25] [--rounds 20]
        [--postgres] [--smoke]

`--smoke` (25 users, 2 rounds) is what the suite runs: it checks the bench runs clean (0 429s,
0 errors, every update answered) and prints its ratio line. Goal (issue 19): Mosaic ≤ 2.5×
the floor.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

if TYPE_CHECKING:  # imported where used: the floor bot's process runs this module and needs
    # neither the fakes nor the databases (~0.4 CPU-s of imports a run)
    from tests.support.telegram import ApiCall, FakeBotApi, FakeUser

GOAL = 2.5
ROUND_GAP = 1.2  # seconds: above Telegram's 1 s per chat, so no reply waits for pacing
ANSWERS = frozenset({"sendMessage", "sendPhoto"})
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14, 15)


# ---------------------------------------------------------------- the floor bot


def run_floor() -> None:
    """A bare python-telegram-bot bot: one sendMessage per update, nothing else."""
    from telegram import Update
    from telegram.ext import Application, ContextTypes, MessageHandler, filters

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await context.bot.send_message(update.effective_chat.id, "profile")

    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    base = os.environ["TELEGRAM_API_BASE_URL"]
    application = (
        Application.builder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(base)
        .concurrent_updates(True)
        .build()
    )
    application.add_handler(MessageHandler(filters.ALL, answer))
    application.run_polling(timeout=10, allowed_updates=["message"], close_loop=False)


def run_mosaic_profiled(stats: str) -> int:
    """`mosaic run --roles telegram` under cProfile on CPU time, enabled by SIGUSR1 (after
    the warm-up), so the stats hold the measured rounds only, not start-up and imports."""
    import cProfile

    from bot.cli import main as mosaic

    profiler = cProfile.Profile(time.process_time)
    signal.signal(signal.SIGUSR1, lambda *_: profiler.enable())
    try:
        return mosaic(["run", "--roles", "telegram"])
    finally:
        profiler.disable()
        profiler.dump_stats(stats)


# ---------------------------------------------------------------- the bench


@dataclass
class Bot:
    """One bot process and its fake Bot API."""

    name: str
    fake: FakeBotApi
    users: list[FakeUser] = field(default_factory=list)
    process: subprocess.Popen[bytes] | None = None
    waiting: dict[int, asyncio.Future[None]] = field(default_factory=dict)
    answered: int = 0

    def heard(self, call: ApiCall) -> None:
        if call.method in ANSWERS and call.ok and call.chat_id is not None:
            self.answered += 1
            future = self.waiting.pop(call.chat_id, None)
            if future is not None and not future.done():
                future.set_result(None)

    async def round(self, command: str) -> None:
        loop = asyncio.get_running_loop()
        futures = []
        for user in self.users:
            self.waiting[user.id] = future = loop.create_future()
            futures.append(future)
            self.fake.say(user, command)
        await asyncio.wait_for(asyncio.gather(*futures), 120)

    def cpu(self) -> float:
        assert self.process is not None
        return cpu_seconds(self.process.pid)


def _spawn(bot: Bot, argv: list[str], env: dict[str, str], log: Path) -> None:
    env = os.environ | env | {"TELEGRAM_BOT_TOKEN": bot.fake.token}
    env["TELEGRAM_API_BASE_URL"] = bot.fake.base_url
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    with log.open("wb") as out:
        bot.process = subprocess.Popen(
            [sys.executable, *argv], env=env, stdout=out, stderr=subprocess.STDOUT
        )


async def _polling(bot: Bot, log: Path, within: float = 120.0) -> None:
    deadline = time.monotonic() + within
    while not any(c.method == "getUpdates" for c in bot.fake.calls):
        assert bot.process is not None
        if bot.process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"{bot.name} bot did not start:\n{_tail(log)}")
        await asyncio.sleep(0.1)


def _stop(bot: Bot) -> None:
    if bot.process is not None and bot.process.poll() is None:
        bot.process.terminate()
        try:
            bot.process.wait(30)
        except subprocess.TimeoutExpired:
            bot.process.kill()
            bot.process.wait()


@dataclass(frozen=True)
class Figures:
    floor_ms: float
    mosaic_ms: float
    updates: int


async def measure(
    users: int,
    rounds: int,
    command: str,
    database_url: str,
    folder: Path,
    profile: Path | None = None,
) -> Figures:
    from tests.support.telegram import FakeBotApi

    floor, mosaic = Bot("floor", FakeBotApi()), Bot("mosaic", FakeBotApi())
    bots = (floor, mosaic)
    for bot in bots:
        await bot.fake.start()
        bot.fake.listeners.append(bot.heard)
        bot.users = [bot.fake.user(200_000 + n, f"User {n}", f"user{n}") for n in range(users)]
    logs = {bot.name: folder / f"{bot.name}.log" for bot in bots}
    try:
        _spawn(floor, ["-m", "bench.telegram_cpu", "--child", "floor"], {}, logs["floor"])
        mosaic_env = {"MOSAIC_DATABASE_URL": database_url, "MOSAIC_DATA_DIR": str(folder / "data")}
        argv = ["-m", "bot.cli", "run", "--roles", "telegram"]
        if profile:
            argv = ["-m", "bench.telegram_cpu", "--child", "mosaic", "--profile", str(profile)]
        _spawn(mosaic, argv, mosaic_env, logs["mosaic"])
        for bot in bots:
            await _polling(bot, logs[bot.name])
        for bot in bots:  # warm-up: accounts, imports, caches; not counted
            await bot.round(command)
        await asyncio.sleep(ROUND_GAP)
        if profile:
            assert mosaic.process is not None
            mosaic.process.send_signal(signal.SIGUSR1)
        before = {bot.name: bot.cpu() for bot in bots}
        answered = {bot.name: bot.answered for bot in bots}
        for _ in range(rounds):
            for bot in bots:
                started = time.monotonic()
                await bot.round(command)
                await asyncio.sleep(max(0.0, ROUND_GAP - (time.monotonic() - started)))
        spent = {bot.name: bot.cpu() - before[bot.name] for bot in bots}
        counted = users * rounds
        for bot in bots:
            if bot.answered - answered[bot.name] != counted:
                raise SystemExit(f"{bot.name} answered {bot.answered - answered[bot.name]}")
            if bot.fake.rejections:
                raise SystemExit(f"{bot.name}: the fake refused {bot.fake.rejections[:3]}")
            if _logged_errors(logs[bot.name]):
                raise SystemExit(f"{bot.name} logged errors:\n{_tail(logs[bot.name])}")
        return Figures(
            floor_ms=spent["floor"] / counted * 1000,
            mosaic_ms=spent["mosaic"] / counted * 1000,
            updates=counted,
        )
    finally:
        for bot in bots:
            _stop(bot)
        for bot in bots:
            with contextlib.suppress(Exception):
                await bot.fake.stop()


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


def _logged_errors(log: Path) -> bool:
    text = log.read_text(errors="replace")
    return "Traceback" in text or any(" ERROR " in line for line in text.splitlines())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=25)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--command", default="/profile")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--smoke", action="store_true", help="25 users, 2 rounds (the suite's)")
    parser.add_argument(
        "--profile", type=Path, help="run the Mosaic bot under cProfile, stats to this file"
    )
    parser.add_argument("--child", choices=["floor", "mosaic"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "floor":
        run_floor()
        return
    if args.child == "mosaic":
        raise SystemExit(run_mosaic_profiled(str(args.profile)))
    if args.smoke:
        # 50 updates a bot: the floor spends ~1 ms on each, and /proc counts CPU in ticks of
        # 10 ms, so 3 users x 2 rounds (6 updates) sometimes read as 0 ms for the floor
        args.users, args.rounds = 25, 2
    from tests.support.databases import DatabaseFactory

    backend = "postgres" if args.postgres else "sqlite"
    with tempfile.TemporaryDirectory() as folder:
        databases = DatabaseFactory.of_this_test_run(Path(folder))
        url = databases.fresh(backend)
        try:
            figures = asyncio.run(
                measure(args.users, args.rounds, args.command, url, Path(folder), args.profile)
            )
        finally:
            databases.drop(url)
            databases.cleanup()
    if figures.floor_ms <= 0:
        raise SystemExit(
            f"the floor's CPU over {figures.updates} updates is below the clock's resolution "
            "(1/CLK_TCK, 10 ms): measure more updates (--users, --rounds)"
        )
    ratio = figures.mosaic_ms / figures.floor_ms
    print(
        f"telegram CPU per update ({backend}, {args.users} users x {args.rounds} rounds of "
        f"{args.command}, n={figures.updates} per bot, 0 429s, 0 errors): "
        f"floor {figures.floor_ms:.2f} ms, mosaic {figures.mosaic_ms:.2f} ms; "
        f"mosaic/floor {ratio:.2f}x (goal <= {GOAL:g}x)"
    )


if __name__ == "__main__":
    main()
