"""A Mosaic process that runs the scheduler against a given database, for crash tests.

    python -m tests.support.digest_worker <database-url> <data-folder> telegram <api-base-url>
    python -m tests.support.digest_worker <database-url> <data-folder> discord <rest-base> <gateway>
    python -m tests.support.digest_worker <database-url> <data-folder> print <tick-seconds>
    python -m tests.support.digest_worker <database-url> <data-folder> stall <tick-seconds>
    python -m tests.support.digest_worker <database-url> <data-folder> stall-results <tick-seconds>

`telegram`, `discord`: the real adapter against a fake platform; one tick, then wait forever.
`print`: a messenger that prints `sent <dedupe-free target> <title>` lines; the scheduler
ticks every <tick-seconds> (real APScheduler trigger) until killed.
`stall`: as `print`, but composing a digest prints `composing <subscription id>` and never
ends (a leader to kill mid-composition).
`stall-results`: as `print`, but drawing a challenge's results prints `drawing` and never
ends (a leader to kill after it claimed an ended challenge).
Every delivered message is announced as `delivered <outbox id>` once recorded as sent.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
from pathlib import Path

from bot.bootstrap import build, build_discord, build_telegram
from core.delivery.replies import Reply
from core.digests import DigestComposer, collage
from core.domain import Platform
from core.persistence.models import DigestSubscription, OutboxMessage
from core.settings import Settings
from tests.support.fakes import FakeModerator, FakeProvider


class Announcing:
    """Wraps the app's delivery outcomes: prints each delivered message, once recorded."""

    def __init__(self, inner: object) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    async def sent(self, message: OutboxMessage) -> None:
        await self._inner.sent(message)  # type: ignore[attr-defined]
        print(f"delivered {message.id}", flush=True)


class PrintingMessenger:
    async def send_to(self, target: dict[str, str], reply: Reply) -> int:
        print(
            f"sent {json.dumps(target, sort_keys=True, separators=(',', ':'))} {reply.title}",
            flush=True,
        )
        return 0


async def stalled_compose(
    self: DigestComposer, subscription: DigestSubscription, *_: object, **__: object
) -> None:
    print(f"composing {subscription.id}", flush=True)
    await asyncio.Event().wait()


def stalled_drawing(*args: object) -> bytes:
    """Stands in for the collage drawing (in its worker thread): says so, never returns."""
    print("drawing", flush=True)
    threading.Event().wait()
    raise AssertionError("unreachable")


async def main(url: str, data: Path, mode: str, option: str, *more: str) -> None:
    # a platform's client and fake are imported in its mode only: the other modes' processes
    # start without them (~0.5 CPU-s each)
    overrides = {"MOSAIC_DATABASE_URL": url, "MOSAIC_DATA_DIR": data, "_env_file": None}
    if mode == "telegram":
        from tests.support.telegram import TOKEN

        overrides |= {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": option}
    elif mode == "discord":
        import discord
        import yarl

        from tests.support.fake_discord.server import TOKEN as DISCORD_TOKEN

        overrides |= {"DISCORD_BOT_TOKEN": DISCORD_TOKEN, "DISCORD_API_BASE_URL": option}
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(more[0])
    else:
        overrides |= {"MOSAIC_SCHEDULER_TICK_SECONDS": float(option)}
    app = build(Settings(**overrides), provider=FakeProvider(), moderator=FakeModerator())
    await app.start(migrate=False)
    app.outcomes = Announcing(app.outcomes)  # type: ignore[assignment]
    if mode == "telegram":
        adapter = build_telegram(app)
        await adapter.start()
        await app.scheduler.tick()
        print("ticked", flush=True)
    elif mode == "discord":
        adapter = build_discord(app, guild_ready_timeout=0.0)
        running = asyncio.create_task(adapter.run())
        await adapter.wait_until_ready()
        await app.scheduler.tick()
        print("ticked", flush=True)
        await running
    else:
        if mode == "stall":
            DigestComposer.compose = stalled_compose  # type: ignore[assignment,method-assign]
        if mode == "stall-results":
            # looked up on each drawing (core/challenges/results.py imports it on first use)
            collage.render_collage = stalled_drawing  # type: ignore[assignment]
        app.add_messenger(Platform.CONSOLE, PrintingMessenger())
        await app.start_scheduler()
        print("started", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), sys.argv[3], *sys.argv[4:]))
