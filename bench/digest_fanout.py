"""Digest fan-out to Telegram: how close our paced outbox sender gets to the platform's
rate limit, beside python-telegram-bot's own `AIORateLimiter` on the same fake Bot API.

    python -m bench.digest_fanout [--destinations 300] [--compose 100]
    python -m bench.digest_fanout --destinations 3000 --scale

What runs: the real python-telegram-bot client against the fake Bot API in
`tests/support/telegram/`, which answers 429 (with `retry_after`) above Telegram's limits
(30 messages/s in all, 1/s per chat, 20/min per group) and records each refusal. One digest
(a collage photo with an inline keyboard) goes to each destination (90 % private chats, 10 %
groups), so the overall 30/s is the limit that binds: the **bound** is N / 30 s.

The fake runs in a process of its own (so parsing thousands of uploads does not slow the
sender it measures); everything else is in this process.

1. Composition: `--compose` subscriptions are due; one scheduler tick ranks each digest,
   draws its collage and queues it in the outbox (timed: composition cost per digest). Ranking
   and collage drawing are also timed on their own for the same subscriptions. The other
   destinations get copies of those rendered digests (same collage files and keyboards), so
   a 3,000-destination fan-out does not wait minutes for collages first.
2. Ours: the Telegram messenger is handed to the scheduler's `OutboxSender` with the
   production `TELEGRAM_LIMITS`; wall time = from the sender's start to its outbox drained.
3. AIORateLimiter: a fresh fake with the same chats; a PTB bot built with
   `AIORateLimiter` (Telegram's limits, the default `max_retries=0`) sends the same
   messages, all at once (`asyncio.gather`, as that limiter is meant to be used); on a 429 the
   caller waits `retry_after` and tries again.

`--scale` divides every time limit of the fake, of our pacer and of AIORateLimiter by the
same factor (destinations / 300), so a 3,000-destination run is bounded by ~10 s, not 100 s;
`--time-scale` sets the factor directly. Goal: wall / bound ≤ 1.05 and 0 429s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter, ApplicationBuilder

from bot.adapters.telegram._adapter import TelegramAdapter, TelegramConfig
from bot.adapters.telegram._conversation import chat_of
from bot.adapters.telegram._delivery import _load
from bot.adapters.telegram._sender import retry_seconds
from bot.adapters.telegram._translate import reply_calls
from bot.bootstrap import App, build
from core.clock import FakeClock, MonotonicTimer
from core.delivery import OutboxItem
from core.delivery.pacing import TELEGRAM_LIMITS
from core.delivery.reply_codec import decode_reply
from core.digests import parse_request
from core.digests.collage import CollageText, render_collage
from core.digests.ranking import already_sent
from core.domain import ChatKind, OutboxState, Platform
from core.generation import get_style
from core.generation.local import render
from core.persistence.models import DigestSubscription, OutboxMessage
from core.settings import Settings
from core.social import Origin
from tests.support.databases import DatabaseFactory
from tests.support.telegram import TOKEN, FakeBotApi

ROOT = Path(__file__).resolve().parents[1]
OVERALL = 30.0  # messages per second the fake (like Telegram) accepts in all
GOAL = 1.05
PROMPTS = (
    "a fox in a misty birch forest at dawn",
    "lighthouse on a cliff in a storm",
    "a cat astronaut floating above the moon",
    "neon city street in the rain at night",
    "koi pond with lotus flowers from above",
    "mountain cabin under the northern lights",
    "a red bicycle leaning on a yellow wall",
    "paper boats on a puddle after rain",
)
STYLES = ("watercolor", "photo", "anime", "oil", "neon", "ukiyo-e", "low-poly", "dreamy")


@dataclass(slots=True)
class Fanout:
    name: str
    messages: int
    wall: float
    bound: float
    retry_after: int
    violations: int  # 429s the fake answered
    other_rejections: int

    def line(self) -> str:
        ratio = self.wall / self.bound
        mark = "✅" if ratio <= GOAL and self.violations == 0 else "❌"
        return (
            f"{self.name:<16} {self.messages:>5} msgs  wall {self.wall:7.2f} s  "
            f"bound {self.bound:6.2f} s  wall/bound {ratio:5.3f}  429s {self.violations:>4}  "
            f"other refusals {self.other_rejections}  {mark}"
        )


def settings_for(folder: Path, url: str, fake: RemoteFake) -> Settings:
    return Settings(
        MOSAIC_DATA_DIR=folder,
        MOSAIC_DATABASE_URL=url,
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_API_BASE_URL=fake.base_url,
        _env_file=None,
    )


async def make_posts(app: App, count: int) -> None:
    """Pictures from the local generator, posted by bob (what digests are made of)."""
    bob = await app.services.accounts.resolve(Platform.CONSOLE, "bob", "bob", handle_hint="bob")
    for n in range(count):
        prompt = PROMPTS[n % len(PROMPTS)]
        style = get_style(STYLES[n % len(STYLES)])
        picture = await asyncio.to_thread(render, prompt, style, (512, 512), 1000 + n)
        await app.services.posts.create(
            bob, picture, caption=prompt, origin=Origin(Platform.CONSOLE)
        )


def plan(destinations: int) -> list[tuple[int, ChatKind, str]]:
    """The chats: every tenth is a group."""
    return [
        (-4_000_000 - n, ChatKind.GROUP, f"Group {n}")
        if n % 10 == 9
        else (5_000_000 + n, ChatKind.PRIVATE, "")
        for n in range(destinations)
    ]


def populate(fake: FakeBotApi, chats: list[tuple[int, ChatKind, str]]) -> None:
    for chat_id, kind, title in chats:
        if kind is ChatKind.GROUP:
            fake.group(chat_id, title)
        else:
            fake.user(chat_id, f"User{chat_id}")


class RemoteFake:
    """The fake Bot API in a process of its own, so its work (parsing uploads, checking
    limits) does not compete with the sender for this process's event loop."""

    def __init__(self, process: asyncio.subprocess.Process, port: int) -> None:
        self._process = process
        self.token = TOKEN
        self.base_url = f"http://127.0.0.1:{port}/bot"

    @classmethod
    async def start(cls, destinations: int, scale: float) -> RemoteFake:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.digest_fanout",
            "--serve-fake",
            f"--destinations={destinations}",
            f"--time-scale={scale}",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=ROOT,
        )
        assert process.stdout is not None
        ready = json.loads(await process.stdout.readline())
        return cls(process, int(ready["port"]))

    async def report(self) -> dict[str, int]:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(b"report\n")
        await self._process.stdin.drain()
        return dict(json.loads(await self._process.stdout.readline()))

    async def stop(self) -> None:
        if self._process.returncode is None:
            assert self._process.stdin is not None
            self._process.stdin.write(b"quit\n")
            await self._process.stdin.drain()
            await self._process.wait()


async def serve_fake(destinations: int, scale: float) -> None:
    """The child's side: serve, then answer "report" lines with the fake's counts."""
    fake = FakeBotApi(time_scale=scale)
    await fake.start()
    populate(fake, plan(destinations))
    print(json.dumps({"port": fake.port}), flush=True)
    loop = asyncio.get_running_loop()
    while (await loop.run_in_executor(None, sys.stdin.readline)).strip() == "report":
        photos = fake.sent(None, "sendPhoto")
        too_many = sum(1 for r in fake.rejections if r.code == 429)
        counts = {
            "photos": len(photos),
            "chats": len({c.chat_id for c in photos}),
            "too_many": too_many,
            "other": len(fake.rejections) - too_many,
        }
        print(json.dumps(counts), flush=True)
    await fake.stop()


async def subscribe(app: App, chats: list[tuple[int, ChatKind, str]]) -> None:
    owner = await app.services.accounts.resolve(
        Platform.TELEGRAM, "1", "Owner", handle_hint="owner"
    )
    request = parse_request("daily 08:30 Europe/Berlin 4", app.services.digests.calculator)
    for chat_id, kind, title in chats:
        destination = await app.services.destinations.get(
            Platform.TELEGRAM, str(chat_id), kind=kind, title=title
        )
        target = {"platform": "telegram", "chat_id": str(chat_id), "kind": kind.value}
        await app.services.digests.subscribe(owner, destination, target, request, personal=False)


async def split_composition(app: App) -> tuple[float, float]:
    """Mean seconds per digest for ranking alone and for drawing the collage alone."""
    ranker = app.services.digest_composer._ranker
    ranking: list[float] = []
    drawing: list[float] = []
    for subscription in await DigestSubscription.all().select_related("destination"):
        started = time.perf_counter()
        items = await ranker.for_place(
            subscription.destination,
            subscription.topics,
            subscription.size,
            await already_sent(subscription.destination_id),
            safe=not subscription.destination.nsfw_allowed,  # as the composer decides for a group
        )
        ranking.append(time.perf_counter() - started)
        thumbs = [await app.services.images.thumbnail(p.image_id) for p in items if p.image_id]
        started = time.perf_counter()
        await asyncio.to_thread(
            render_collage, thumbs, CollageText("Group 9", "25.11.2026", "AI-generated")
        )
        drawing.append(time.perf_counter() - started)
    return statistics.fmean(ranking), statistics.fmean(drawing)


async def copy_digests(app: App, chats: list[tuple[int, ChatKind, str]]) -> None:
    """The destinations beyond `--compose` get copies of the composed digests."""
    composed = await OutboxMessage.filter(state=OutboxState.PENDING).order_by("id")
    items = []
    for n, (chat_id, kind, _) in enumerate(chats):
        model = composed[n % len(composed)]
        items.append(
            OutboxItem(
                platform=Platform.TELEGRAM,
                chat_key=str(chat_id),
                group_chat=kind is not ChatKind.PRIVATE,
                target={"platform": "telegram", "chat_id": str(chat_id), "kind": kind.value},
                reply=model.reply,
                dedupe_key=f"bench:{chat_id}",
            )
        )
    await app.outbox.add(items)


async def ours(app: App, fake: RemoteFake, scale: float, count: int) -> Fanout:
    adapter = TelegramAdapter(
        TelegramConfig.from_settings(app.settings), app.dispatcher, timer=MonotonicTimer(scale)
    )
    await adapter.start()
    try:
        started = time.monotonic()
        sender = app.add_messenger(  # the scheduler leads already: the sender starts now
            Platform.TELEGRAM,
            adapter.messenger,
            limits=TELEGRAM_LIMITS,
            timer=MonotonicTimer(scale),
        )
        await sender.drain()
        wall = time.monotonic() - started
        sent = await OutboxMessage.filter(state=OutboxState.SENT).count()
        assert sent == count, f"{sent} of {count} sent"
        return await result("ours (outbox)", fake, count, wall, scale, sender.stats.retry_after)
    finally:
        await app.scheduler.stop()
        await adapter.stop()


async def aio_rate_limiter(fake: RemoteFake, messages: list[OutboxMessage], scale: float) -> Fanout:
    limiter = AIORateLimiter(overall_time_period=1.0 * scale, group_time_period=60.0 * scale)
    application = (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.base_url)
        .rate_limiter(limiter)
        .connection_pool_size(256)
        .pool_timeout(60)
        .build()
    )
    retries = 0
    prepared = []
    for message in messages:
        reply = decode_reply(message.reply)
        photos, files = await asyncio.gather(_load(reply.images), _load(reply.files))
        prepared.append((chat_of(message.target), reply_calls(reply, photos, files)))

    async def deliver(chat_id: int, calls: list) -> None:
        nonlocal retries
        for call in calls:
            while True:
                try:
                    await getattr(application.bot, call.method)(chat_id=chat_id, **call.kwargs)
                    break
                except RetryAfter as flood:
                    retries += 1
                    await asyncio.sleep(retry_seconds(flood) * scale)

    async with application:
        started = time.monotonic()
        await asyncio.gather(*(deliver(chat.id, calls) for chat, calls in prepared))
        wall = time.monotonic() - started
    return await result("AIORateLimiter", fake, len(messages), wall, scale, retries)


async def result(
    name: str, fake: RemoteFake, count: int, wall: float, scale: float, retries: int
) -> Fanout:
    seen = await fake.report()
    assert seen["photos"] == seen["chats"] == count, f"not one digest per chat: {seen}"
    return Fanout(
        name, count, wall, count / OVERALL * scale, retries, seen["too_many"], seen["other"]
    )


async def run(destinations: int, compose: int, scale: float, url: str, folder: Path) -> None:
    chats = plan(destinations)
    fake = await RemoteFake.start(destinations, scale)
    clock = FakeClock()
    app = build(settings_for(folder, url, fake), clock=clock)
    await app.start(migrate=False)
    try:
        await make_posts(app, 8)
        await subscribe(app, chats[:compose])
        clock.advance(hours=25)

        started = time.perf_counter()
        await app.scheduler.tick()  # becomes the leader, composes and queues every due digest
        tick = time.perf_counter() - started
        queued = await OutboxMessage.filter(state=OutboxState.PENDING).count()
        assert queued == compose, f"{queued} of {compose} digests composed"
        ranking, drawing = await split_composition(app)
        await copy_digests(app, chats[compose:])
        messages = list(await OutboxMessage.all().order_by("id"))
        size = statistics.fmean(len(decode_reply(m.reply).images) for m in messages)
        print(
            f"digest fan-out to {destinations} Telegram chats (every 10th a group), "
            f"time scale {scale:g} (limits {OVERALL / scale:g} msg/s in all, {1 * scale:g} s "
            f"per chat, 20 per {60 * scale:g} s per group); {size:.0f} collage photo per message",
            flush=True,
        )
        mine = await ours(app, fake, scale, destinations)
        print(mine.line(), flush=True)
    finally:
        await app.stop()
        await fake.stop()

    other = await RemoteFake.start(destinations, scale)
    try:
        theirs = await aio_rate_limiter(other, messages, scale)
    finally:
        await other.stop()

    print(theirs.line())
    print(
        f"composition ({compose} digests of 4 items, one scheduler tick on SQLite): "
        f"{tick / compose * 1000:.1f} ms per digest (rank + collage + queue); "
        f"ranking alone {ranking * 1000:.1f} ms, collage alone {drawing * 1000:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--destinations", type=int, default=300)
    parser.add_argument("--compose", type=int, default=100, help="digests composed for real")
    parser.add_argument(
        "--scale", action="store_true", help="scale time so the bound is ~10 s (N / 300)"
    )
    parser.add_argument("--time-scale", type=float, default=None, help="the factor itself")
    parser.add_argument("--serve-fake", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_fake:
        asyncio.run(serve_fake(args.destinations, args.time_scale or 1.0))
        return
    logging.basicConfig(level=logging.ERROR)
    # AIORateLimiter logs every 429 it passes on with a traceback; the count is printed below
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
    scale = args.time_scale or (300 / args.destinations if args.scale else 1.0)
    compose = min(args.compose, args.destinations)
    with tempfile.TemporaryDirectory() as folder:
        databases = DatabaseFactory.of_this_test_run(Path(folder))
        url = databases.fresh("sqlite")
        try:
            asyncio.run(run(args.destinations, compose, scale, url, Path(folder) / "data"))
        finally:
            databases.drop(url)
            databases.cleanup()


if __name__ == "__main__":
    main()
