"""A Mosaic process that runs the scheduler against a given database, for crash tests.

    python -m tests.support.digest_worker <database-url> <data-folder> telegram <api-base-url>
    python -m tests.support.digest_worker <database-url> <data-folder> print <tick-seconds>

`telegram`: the real Telegram adapter against a fake Bot API; one tick, then wait forever.
`print`: a messenger that prints `sent <dedupe-free target> <title>` lines; the scheduler
ticks every <tick-seconds> (real APScheduler trigger) until killed.
Every delivered message is announced as `delivered <outbox id>` once recorded as sent.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
from pathlib import Path

from bot.bootstrap import build, build_telegram
from core.challenges import results
from core.delivery.replies import Reply
from core.domain import Platform
from core.persistence.models import OutboxMessage
from core.settings import Settings
from tests.support.fakes import FakeModerator, FakeProvider
from tests.support.telegram import TOKEN


class Announcing:
    """Wraps the app's delivery outcomes: prints each delivered message, once recorded."""

    def __init__(self, inner: object) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    async def sent(self, message: OutboxMessage) -> None:
        await self._inner.sent(message)  # type: ignore[attr-defined]
        print(f"delivered {message.id}", flush=True)


def stalled_drawing(*args: object) -> bytes:
    """Stands in for the collage drawing (in its worker thread): says so, never returns."""
    print("drawing", flush=True)
    threading.Event().wait()
    raise AssertionError("unreachable")


class PrintingMessenger:
    async def send_to(self, target: dict[str, str], reply: Reply) -> int:
        print(
            f"sent {json.dumps(target, sort_keys=True, separators=(',', ':'))} {reply.title}",
            flush=True,
        )
        return 0


async def main(url: str, data: Path, mode: str, option: str) -> None:
    overrides = {"MOSAIC_DATABASE_URL": url, "MOSAIC_DATA_DIR": data, "_env_file": None}
    if mode == "telegram":
        overrides |= {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": option}
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
    else:
        if mode == "stall-results":
            results.render_collage = stalled_drawing  # type: ignore[assignment]
        app.add_messenger(Platform.CONSOLE, PrintingMessenger())
        await app.start_scheduler()
        print("started", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), sys.argv[3], sys.argv[4]))
