"""Soak: scripted users for minutes on one app; errors, first-reply time, memory.

    PYTHONPATH=. python -m bench.soak [--users 100] [--minutes 5] [--database URL] [--smoke]

Each user loops over a mix of commands through the real dispatcher, job worker and database
(the local image generator and moderator, SQLite in a fresh folder unless `--database`):
/imagine then 📢 Post on the preview, /feed, /like and /comment on someone's post, /follow,
/quota, /trending, /profile. A user thinks 0.5–3 s between commands (seeded). Reported:

- errors: replies that are the internal-error apology, or exceptions (goal 0); refusals the
  user caused (quota used up, nothing to like yet) are counted apart as `refused`,
- first-reply time: from a command to its first reply (what a person waits for), p50/p99,
- memory: the process's RSS after the warm-up minute's first tenth and at the end (goal:
  flat within 10 %).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.soak_readings import APOLOGY, rss_mb
from bot.bootstrap import App, build
from bot.invocation import Actor, Press
from core.delivery.replies import Reply
from core.domain import Platform
from core.settings import Settings


@dataclass
class Tally:
    commands: int = 0
    errors: int = 0
    refused: int = 0
    first_reply: list[float] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)


class Conversation:
    def __init__(self) -> None:
        self.sent: list[Reply] = []
        self.first: float | None = None

    async def send(self, reply: Reply) -> int:
        if self.first is None:
            self.first = time.monotonic()
        self.sent.append(reply)
        return len(self.sent) - 1

    async def edit(self, handle: int, reply: Reply) -> None:
        self.sent.append(reply)

    def reply_target(self) -> dict[str, str]:
        return {"soak": "1"}


async def user(app: App, number: int, users: int, until: float, tally: Tally) -> None:
    rng = random.Random(number)
    actor = Actor(Platform.CONSOLE, f"soak{number}", f"soak{number}", handle_hint=f"s{number}")
    while time.monotonic() < until:
        other = f"soak{rng.randrange(users)}"
        post = rng.randint(1, 50)
        line = rng.choice(
            [
                f"/imagine soak picture {rng.randrange(10**6)}",
                "/feed",
                f"/like {post}",
                f"/comment {post} nice one {rng.randrange(1000)}",
                f"/follow {other}",
                "/quota",
                "/trending",
                f"/profile {other}",
            ]
        )
        conversation = Conversation()
        started = time.monotonic()
        try:
            replies = await app.dispatcher.run_text(actor, line, conversation)
            first = conversation.first or time.monotonic()
            await app.notices.wait_for(app.notices.live_jobs(conversation))
            replies += conversation.sent
            post_button = next(
                (b for r in replies for row in r.buttons for b in row if b.command == "post"),
                None,
            )
            if post_button is not None and post_button.token:
                replies += await app.dispatcher.press(Press(actor, post_button.token), conversation)
        except Exception as error:  # the bench counts, it does not stop
            tally.errors += 1
            tally.examples.append(f"{line}: {error!r}")
            continue
        tally.commands += 1
        tally.first_reply.append(first - started)
        for reply in replies:
            if APOLOGY in reply.text:
                tally.errors += 1
                tally.examples.append(f"{line}: {reply.text[:120]}")
            elif reply.is_error:
                tally.refused += 1
        await asyncio.sleep(rng.uniform(0.5, 3.0))


async def soak(users: int, seconds: float, database: str | None) -> None:
    folder = Path(tempfile.mkdtemp(prefix="mosaic-soak-"))
    settings = Settings(
        MOSAIC_DATA_DIR=folder,
        MOSAIC_DATABASE_URL=database or "",
        MOSAIC_DAILY_IMAGE_QUOTA=10_000,
        _env_file=None,
    )
    app = build(settings)
    await app.start()
    tally = Tally()
    try:
        start = time.monotonic()
        warm = asyncio.create_task(asyncio.sleep(seconds / 10))
        tasks = [
            asyncio.create_task(user(app, n, users, start + seconds, tally)) for n in range(users)
        ]
        await warm
        memory_start = rss_mb()
        await asyncio.gather(*tasks)
        memory_end = rss_mb()
    finally:
        await app.stop()
    times = sorted(tally.first_reply)
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))] if times else float("nan")
    print(
        f"users {users}  seconds {seconds:.0f}  commands {tally.commands}  "
        f"load {os.getloadavg()[0]:.1f}  database {'postgres' if database else 'sqlite'}"
    )
    print(f"errors {tally.errors}  refused {tally.refused}")
    print(f"first reply  p50 {statistics.median(times) * 1000:.0f} ms  p99 {p99 * 1000:.0f} ms")
    change = (memory_end - memory_start) / memory_start * 100
    print(
        f"memory  start {memory_start:.0f} MB  end {memory_end:.0f} MB  ({change:+.1f} %)  "
        f"peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    for example in tally.examples[:5]:
        print("  error:", example)
    if tally.errors:
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--database", default=None, help="a PostgreSQL URL (default: SQLite)")
    parser.add_argument("--smoke", action="store_true", help="5 users, 10 seconds")
    args = parser.parse_args()
    if args.smoke:
        asyncio.run(soak(5, 10.0, args.database))
    else:
        asyncio.run(soak(args.users, args.minutes * 60, args.database))


if __name__ == "__main__":
    main()
