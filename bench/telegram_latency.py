"""Telegram adapter latency: from an update arriving at the Bot API to the bot's first request
back, with many users sending commands at the same moment.

The real python-telegram-bot client long-polls a fake Bot API on 127.0.0.1 (in this process and
event loop, so the fake's own work counts against the bot). Each round, every user sends the
command at once (or at random moments within `--spread` seconds); rounds are 1.2 s plus the
spread apart, so Telegram's one-message-per-second-per-chat pacing never delays a reply. The
first round creates the accounts and is not counted.

    PYTHONPATH=. .venv/bin/python bench/telegram_latency.py [--users 100] [--rounds 10]
        [--command /profile] [--postgres] [--smoke]
    PYTHONPATH=. .venv/bin/python bench/telegram_latency.py --processes 2 [--users 100]
        [--seconds 20] [--rounds 3] [--repeat 20] [--smoke]

`--processes N` is another bench (`bench/telegram_processes.py`): throughput of 1 and of N
webhook processes on PostgreSQL and Redis, in one run, with the bot-wide limit recorded.

`--smoke` (3 users, 1 round; with `--processes`: 2 s of presses, every 5th update twice) is
what the test suite runs: it only checks that the bench runs
clean (0 429s from the fake Bot API, 0 errors) and prints its ratio line.

Each run gets a fresh migrated database: a SQLite file (the embedded default), or with
`--postgres` a new database on the test server (`MOSAIC_TEST_POSTGRES_URL`, default
127.0.0.1:5432), dropped afterwards.

Goal: p99 ≤ 50 ms (excluding image generation).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.logged_errors import ErrorCount
from bot.bootstrap import build, build_telegram
from core.settings import Settings
from tests.support.databases import DatabaseFactory
from tests.support.telegram import ApiCall, FakeBotApi, FakeUser

GOAL_MS = 50.0
ROUND_GAP = 1.2  # seconds: above Telegram's 1 s per chat, so pacing never adds to latency


class FirstRequests:
    """Resolves a future per chat on the first Bot API request for that chat."""

    def __init__(self) -> None:
        self._waiting: dict[int, asyncio.Future[float]] = {}

    def expect(self, chat_id: int) -> asyncio.Future[float]:
        future = asyncio.get_running_loop().create_future()
        self._waiting[chat_id] = future
        return future

    def __call__(self, call: ApiCall) -> None:
        future = self._waiting.pop(call.chat_id, None) if call.chat_id is not None else None
        if future is not None and not future.done():
            future.set_result(call.at)


async def one_round(
    fake: FakeBotApi, users: list[FakeUser], command: str, first: FirstRequests, spread: float
) -> list[float]:
    """Every user sends `command` once, at a random moment within `spread` seconds."""

    async def one(user: FakeUser, delay: float) -> float:
        await asyncio.sleep(delay)
        answered = first.expect(user.id)
        sent = fake.pushed_at[fake.say(user, command)]
        return (await asyncio.wait_for(answered, 60) - sent) * 1000

    return list(await asyncio.gather(*(one(u, random.uniform(0, spread)) for u in users)))


async def run(
    users: int, rounds: int, command: str, database_url: str, spread: float
) -> list[float]:
    errors = ErrorCount()
    logging.getLogger().addHandler(errors)
    with tempfile.TemporaryDirectory() as folder:
        fake = FakeBotApi()
        await fake.start()
        settings = Settings(
            MOSAIC_DATA_DIR=Path(folder),
            MOSAIC_DATABASE_URL=database_url,
            TELEGRAM_BOT_TOKEN=fake.token,
            TELEGRAM_API_BASE_URL=fake.base_url,
            _env_file=None,
        )
        app = build(settings)
        await app.start(migrate=False)
        adapter = build_telegram(app)
        await adapter.start()
        first = FirstRequests()
        fake.listeners.append(first)
        people = [fake.user(100_000 + n, f"User {n}", f"user{n}") for n in range(users)]
        samples: list[float] = []
        try:
            for number in range(rounds + 1):
                started = time.monotonic()
                latencies = await one_round(fake, people, command, first, spread)
                if number:  # round 0 creates the accounts
                    samples += latencies
                gap = ROUND_GAP + spread
                await asyncio.sleep(max(0.0, gap - (time.monotonic() - started)))
            if errors.messages:
                raise SystemExit(
                    f"the bot logged {len(errors.messages)} errors: {errors.messages[:3]}"
                )
            if fake.rejections:  # a 429 (or any refusal) is a failed run
                raise SystemExit(
                    f"the fake Bot API refused {len(fake.rejections)}: {fake.rejections[:3]}"
                )
        finally:
            await adapter.stop()
            await app.stop()
            await fake.stop()
        return samples


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--command", default="/profile")
    parser.add_argument(
        "--spread", type=float, default=0.0, help="send within this many seconds (0: at once)"
    )
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--smoke", action="store_true", help="3 users, 1 round (the suite's)")
    parser.add_argument(
        "--processes",
        type=int,
        default=0,
        help="compare 1 and this many webhook processes on PostgreSQL (bench/telegram_processes)",
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="--processes: presses for")
    parser.add_argument(
        "--repeat", type=int, default=20, help="--processes: every n-th update delivered twice"
    )
    args = parser.parse_args()
    if args.smoke:  # presses for 2 s a side: that phase lasts its seconds at whatever CPU it
        # gets (the suite's cost); every 5th update twice, so duplicates come within them
        args.users, args.rounds, args.seconds, args.repeat = 3, 1, 2.0, 5
    logging.basicConfig(level=logging.WARNING)
    if args.processes:
        processes(args)
        return
    backend = "postgres" if args.postgres else "sqlite"
    with tempfile.TemporaryDirectory() as folder:
        databases = DatabaseFactory.of_this_test_run(Path(folder))
        url = databases.fresh(backend)
        try:
            samples = asyncio.run(run(args.users, args.rounds, args.command, url, args.spread))
        finally:
            databases.drop(url)
            databases.cleanup()
    p50, p99 = percentile(samples, 0.50), percentile(samples, 0.99)
    print(
        f"telegram latency ({backend}, {args.users} users x {args.rounds} rounds of "
        f"{args.command}, spread {args.spread:g} s, n={len(samples)}, 0 429s, 0 errors): "
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {max(samples):.1f} ms, "
        f"mean {statistics.fmean(samples):.1f} ms; "
        f"p99/goal {p99 / GOAL_MS:.2f}x of {GOAL_MS:.0f} ms"
    )


def processes(args: argparse.Namespace) -> None:
    from bench.telegram_processes import compare, report

    if args.processes < 2:
        raise SystemExit("--processes compares 1 process with N: give N ≥ 2")
    rounds = min(args.rounds, 3)  # each round of /profile takes users ÷ 30 seconds
    with tempfile.TemporaryDirectory() as folder:
        sides = asyncio.run(
            compare(
                args.processes,
                users=args.users,
                seconds=args.seconds,
                rounds=rounds,
                repeat=args.repeat,
                folder=Path(folder),
            )
        )
    print(report(sides, users=args.users, repeat=args.repeat))


if __name__ == "__main__":
    main()
