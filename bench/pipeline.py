"""Generation pipeline overhead: command → preview, minus the provider's own time.

A fake provider takes exactly T seconds and returns a real 1024×1024 PNG; everything else is
the real pipeline (dispatcher, moderation port, quota, job row, worker claim, image store,
status edits, preview tokens). Workers ≥ users, so no job waits for a free worker: what is
left is our overhead. Prints p50/p99 per job at 1 and at N concurrent users, and the ratio
p99 / T (goal ≤ 0.05).

    python -m bench.pipeline [--seconds 2] [--users 1 50] [--database-url URL] [--smoke]

`--smoke` (T = 0.2 s, 1 and 3 users) is what the suite runs: it checks that the pipeline
runs clean (a failed job stops the bench) and prints its ratio lines.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from bot.bootstrap import build
from bot.invocation import Actor
from core.delivery.replies import Reply
from core.domain import Platform
from core.generation import ImageOptions, ModerationVerdict
from core.settings import Settings


def _png_1024() -> bytes:
    image = Image.radial_gradient("L").resize((1024, 1024)).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@dataclass
class FixedTimeProvider:
    seconds: float
    name: str = "bench"
    model: str = "fixed-time"
    image: bytes = field(default_factory=_png_1024)

    async def generate(self, prompt: str, options: ImageOptions) -> list[bytes]:
        await asyncio.sleep(self.seconds)
        return [self.image] * options.count

    async def edit(self, image: bytes, prompt: str, options: ImageOptions) -> list[bytes]:
        return await self.generate(prompt, options)


class AllowAll:
    async def check_prompt(self, text: str) -> ModerationVerdict:
        return ModerationVerdict(flagged=False)


@dataclass
class TimedConversation:
    """Records when the preview (the reply with images) arrives."""

    preview_at: float | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)

    async def send(self, reply: Reply) -> int:
        if reply.images:
            self.preview_at = time.perf_counter()
            self.done.set()
        return 0

    async def edit(self, handle: int, reply: Reply) -> None:
        if reply.is_error:  # the job failed: there will be no preview
            raise SystemExit(f"a job failed: {reply.text}")

    def reply_target(self) -> dict[str, str]:
        return {}


async def run(users: int, seconds: float, database_url: str | None, data: Path) -> list[float]:
    settings = Settings(
        MOSAIC_DATA_DIR=data,
        MOSAIC_DATABASE_URL=database_url or "",
        MOSAIC_GENERATION_CONCURRENCY=max(users, 1),
        MOSAIC_DAILY_IMAGE_QUOTA=10_000,
        _env_file=None,
    )
    app = build(settings, provider=FixedTimeProvider(seconds), moderator=AllowAll())
    await app.start()
    try:
        actors = [Actor(Platform.CONSOLE, f"user{n}", f"user{n}") for n in range(users)]
        for actor in actors:  # accounts exist beforehand, as for returning users
            await app.dispatcher.account_for(actor)

        async def one(actor: Actor) -> float:
            conversation = TimedConversation()
            started = time.perf_counter()
            await app.dispatcher.run_text(actor, "/imagine a lighthouse at dawn", conversation)
            await conversation.done.wait()
            assert conversation.preview_at is not None
            return conversation.preview_at - started - seconds

        return list(await asyncio.gather(*(one(a) for a in actors)))
    finally:
        await app.stop()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="provider time T")
    parser.add_argument("--users", type=int, nargs="+", default=[1, 50])
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")
    parser.add_argument("--smoke", action="store_true", help="T = 0.2 s, 1 and 3 users (CI)")
    args = parser.parse_args()
    if args.smoke:
        args.seconds, args.users = 0.2, [1, 3]
    backend = args.database_url.split(":", 1)[0] if args.database_url else "sqlite (embedded)"
    print(f"provider time T = {args.seconds:.2f} s; database: {backend}")
    for users in args.users:
        with tempfile.TemporaryDirectory() as folder:
            overheads = await run(users, args.seconds, args.database_url, Path(folder))
        p50, p99 = percentile(overheads, 0.5), percentile(overheads, 0.99)
        print(
            f"{users:>3} concurrent users: overhead p50 {p50 * 1000:7.1f} ms, "
            f"p99 {p99 * 1000:7.1f} ms, mean {statistics.mean(overheads) * 1000:7.1f} ms; "
            f"p99/T = {p99 / args.seconds:.4f} (goal ≤ 0.05)"
        )


if __name__ == "__main__":
    asyncio.run(main())
