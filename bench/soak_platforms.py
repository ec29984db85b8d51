"""Soak against the fake platforms: scripted Telegram and Discord users for minutes.

    PYTHONPATH=. python -m bench.soak_platforms [--users 100] [--minutes 5] [--database URL]
                                                [--smoke]

Two processes, as in production: this one is Mosaic (`mosaic run` with both adapters: the
real python-telegram-bot and discord.py, the local generator, SQLite in a fresh folder
unless `--database`); a child process is "the platforms": the fake Bot API and the fake
Discord (tests/support), and the users, half on Telegram and half on Discord, each looping
over /imagine, /feed, /like, /comment, /follow, /quota, /trending and /profile with 0.5–3 s
between commands (seeded). Keeping the fakes and users in the child keeps their records out
of Mosaic's memory and their work off its event loop.

Reported:
- errors: a command with no reply within 60 s, a reply that is the internal-error apology,
  and every request the fakes rejected as the real platform would (limits, late interaction
  answers); goal 0. 429s the pacing absorbed are counted apart.
- first-reply time: from the user's message to the bot's first message (Telegram) or first
  interaction response (Discord), p50/p99;
- memory: this (Mosaic's) process's RSS a tenth into the run and at the end (goal: flat
  within 10 %).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import random
import resource
import statistics
import tempfile
import time
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from bench.soak_readings import APOLOGY, rss_mb

REPLY_LIMIT = 60.0


@dataclass
class PlatformTally:
    commands: int = 0
    errors: int = 0
    throttled: int = 0
    first_reply: list[float] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)


def command_line(rng: random.Random, users: int) -> tuple[str, dict[str, Any]]:
    post = rng.randint(1, 50)
    other = f"user{rng.randrange(users)}"
    return rng.choice(
        [
            ("imagine", {"prompt": f"soak picture {rng.randrange(10**6)}"}),
            ("feed", {}),
            ("like", {"post": post}),
            ("comment", {"post": post, "text": f"nice one {rng.randrange(1000)}"}),
            ("follow", {"user": other}),
            ("quota", {}),
            ("trending", {}),
            ("profile", {"user": other}),
        ]
    )


# --- the child: the platforms and their users ----------------------------------------------
async def _telegram_user(
    fake: Any, number: int, users: int, until: float, tally: PlatformTally
) -> None:
    from tests.support.telegram.server import SENDS

    rng = random.Random(number)
    user = fake.user(100_000 + number, f"User{number}", f"user{number}")
    while time.monotonic() < until:
        name, options = command_line(rng, users)
        line = " ".join([f"/{name}", *(str(v) for v in options.values())])
        before = len(fake.calls)
        started = time.monotonic()
        fake.say(user, line)

        def replied(before: int = before) -> bool:
            return any(
                c.ok and c.method in SENDS and c.chat_id == user.id for c in fake.calls[before:]
            )

        try:
            await fake.wait_for(replied, within=REPLY_LIMIT)
        except TimeoutError:
            tally.errors += 1
            tally.examples.append(f"telegram {line}: no reply in {REPLY_LIMIT:.0f} s")
            continue
        tally.commands += 1
        tally.first_reply.append(time.monotonic() - started)
        await asyncio.sleep(rng.uniform(0.5, 3.0))


async def _discord_user(
    fake: Any, number: int, users: int, until: float, tally: PlatformTally
) -> None:
    rng = random.Random(number)
    user = fake.user(f"user{number}")
    place = fake.dm(user)
    while time.monotonic() < until:
        name, options = command_line(rng, users)
        name = "feed show" if name == "feed" else name  # /feed is a group on Discord
        started = time.monotonic()
        try:
            interaction = await fake.slash(user, place, name, options)
            async with asyncio.timeout(REPLY_LIMIT):
                while True:  # `answered` gives up after 10 s; a reply may take longer
                    try:
                        await fake.answered(interaction)
                        break
                    except TimeoutError:
                        continue
        except TimeoutError:
            tally.errors += 1
            tally.examples.append(f"discord /{name}: no answer in {REPLY_LIMIT:.0f} s")
            continue
        tally.commands += 1
        tally.first_reply.append(time.monotonic() - started)
        await asyncio.sleep(rng.uniform(0.5, 3.0))


async def _platforms(pipe: Connection) -> None:
    from tests.support.fake_discord import FakeDiscord
    from tests.support.telegram import FakeBotApi

    telegram, discord = FakeBotApi(), FakeDiscord()
    await telegram.start()
    await discord.start()
    pipe.send(
        (telegram.base_url, telegram.token, discord.rest_base, discord.gateway_url, discord.token)
    )
    users, seconds = await asyncio.to_thread(pipe.recv)
    await telegram.wait_for(lambda: any(c.method == "getUpdates" for c in telegram.calls), 120)
    assert discord.gateway is not None
    await asyncio.wait_for(discord.gateway.identified.wait(), 120)
    async with asyncio.timeout(120):
        while not discord.command_syncs:  # published right after the gateway's READY
            with contextlib.suppress(TimeoutError):
                await discord.wait_until(lambda: bool(discord.command_syncs))
    pipe.send("ready")
    tally = PlatformTally()
    until = time.monotonic() + seconds
    tasks = [
        asyncio.create_task(
            (_telegram_user if n % 2 == 0 else _discord_user)(
                telegram if n % 2 == 0 else discord, n, users, until, tally
            )
        )
        for n in range(users)
    ]
    await asyncio.gather(*tasks)
    await asyncio.sleep(2.0)  # what is still on its way
    telegram_texts = [m.get("text") or m.get("caption") or "" for m in telegram.messages.values()]
    discord_texts = [m.text for m in discord.store.by_id.values()]
    for text in telegram_texts + discord_texts:
        if APOLOGY in text:
            tally.errors += 1
            tally.examples.append(f"apology: {text[:120]}")
    refused = [r for r in telegram.rejections if r.code != 429]
    tally.throttled = len(telegram.rejections) - len(refused)
    tally.errors += len(refused) + len(discord.all_violations())
    tally.examples += [f"telegram refused: {r.description}" for r in refused[:3]]
    tally.examples += [f"discord: {v}" for v in discord.all_violations()[:3]]
    pipe.send(asdict(tally))
    await asyncio.to_thread(pipe.recv)  # Mosaic has stopped
    await telegram.stop()
    await discord.stop()


def _platforms_process(pipe: Connection) -> None:
    asyncio.run(_platforms(pipe))


# --- this process: Mosaic ------------------------------------------------------------------
async def soak(users: int, seconds: float, database: str | None) -> int:
    import discord
    import yarl

    from bot.bootstrap import build, build_discord, build_telegram
    from core.settings import Settings

    context = multiprocessing.get_context("spawn")
    pipe, child_end = context.Pipe()
    child = context.Process(target=_platforms_process, args=(child_end,), daemon=True)
    child.start()
    tg_base, tg_token, dc_rest, dc_gateway, dc_token = await asyncio.to_thread(pipe.recv)
    discord.http.Route.BASE = dc_rest
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(dc_gateway)
    folder = tempfile.mkdtemp(prefix="mosaic-soak-platforms-")
    settings = Settings(
        MOSAIC_DATA_DIR=folder,
        MOSAIC_DATABASE_URL=database or "",
        MOSAIC_DAILY_IMAGE_QUOTA=10_000,
        TELEGRAM_BOT_TOKEN=tg_token,
        TELEGRAM_API_BASE_URL=tg_base,
        DISCORD_BOT_TOKEN=dc_token,
        DISCORD_API_BASE_URL=dc_rest,
        _env_file=None,
    )
    app = build(settings)
    telegram = build_telegram(app)
    discord_adapter = build_discord(app, guild_ready_timeout=0.0)
    await app.start()
    await telegram.start()
    running = asyncio.create_task(discord_adapter.run())
    await app.start_scheduler()
    try:
        pipe.send((users, seconds))
        assert await asyncio.to_thread(pipe.recv) == "ready"
        await asyncio.sleep(seconds / 10)
        memory_start = rss_mb()
        result = await asyncio.to_thread(pipe.recv)
        memory_end = rss_mb()
    finally:
        await telegram.stop()
        await discord_adapter.close()
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await app.stop()
        pipe.send("stopped")
        child.join(30)
    tally = PlatformTally(**result)
    times = sorted(tally.first_reply)
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))] if times else float("nan")
    p50 = statistics.median(times) if times else float("nan")
    print(
        f"platforms: telegram + discord  users {users}  seconds {seconds:.0f}  "
        f"commands {tally.commands}  load {os.getloadavg()[0]:.1f}  "
        f"database {'postgres' if database else 'sqlite'}"
    )
    print(f"errors {tally.errors}  throttled {tally.throttled}")
    print(f"first reply  p50 {p50 * 1000:.0f} ms  p99 {p99 * 1000:.0f} ms")
    change = (memory_end - memory_start) / memory_start * 100
    print(
        f"memory  start {memory_start:.0f} MB  end {memory_end:.0f} MB  ({change:+.1f} %)  "
        f"peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    for example in tally.examples[:8]:
        print("  error:", example)
    return 1 if tally.errors else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--database", default=None, help="a PostgreSQL URL (default: SQLite)")
    parser.add_argument("--smoke", action="store_true", help="6 users, 8 seconds")
    args = parser.parse_args()
    users, seconds = (6, 8.0) if args.smoke else (args.users, args.minutes * 60)
    raise SystemExit(asyncio.run(soak(users, seconds, args.database)))


if __name__ == "__main__":
    main()
