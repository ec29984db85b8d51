"""What cross-posting adds to publishing a post: `Posts.create` with and without Mosaic channels.

`python -m bench.crosspost [--posts 200] [--channels 100] [--database-url postgres://…]`

One app on a fresh database (SQLite in a temp folder unless a URL is given). The author is a
member of `--channels` members-channels (they posted in each once) and there are as many
topic channels, a tenth of which match each post. Publishing is timed in alternating rounds
with the cross-posting listener switched off and on, so both see the same machine load;
the script prints the mean time per post of each and their ratio, and how many outbox rows
each post queued.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bot.bootstrap import build
from core.domain import ChatKind, Platform
from core.persistence.models import Account, OutboxMessage
from core.settings import Settings
from core.social import Origin
from tests.support.images import png_bytes

ROUNDS = 10


async def run(posts: int, channels: int, database_url: str | None, data: Path) -> None:
    settings = Settings(
        MOSAIC_DATA_DIR=data, MOSAIC_DATABASE_URL=database_url or "", _env_file=None
    )
    app = build(settings)
    await app.start()
    try:
        services = app.services
        author: Account = await services.accounts.resolve(Platform.CONSOLE, "ann", "ann")
        for n in range(channels):
            chat = f"members{n}"
            await services.posts.create(
                author, png_bytes((n % 250, 1, 1)), origin=Origin(Platform.CONSOLE, chat, chat)
            )
            for kind, topic in ((chat, ""), (f"topic{n}", f"lighthouse{n % 10}")):
                place = await services.destinations.get(Platform.CONSOLE, kind, kind=ChatKind.GROUP)
                await services.mosaic_channels.connect(
                    place, {"chat_id": kind}, server_id=kind, topics=topic
                )
        listeners = list(services.posts._published)
        timings: dict[bool, list[float]] = {False: [], True: []}
        per_round = max(1, posts // (2 * ROUNDS))
        made, shown_ids = 0, []
        for _ in range(ROUNDS):
            for crossposting in (False, True):
                services.posts._published[:] = listeners if crossposting else []
                for _ in range(per_round):
                    made += 1
                    image = png_bytes((made % 250, made // 250 % 250, 7))
                    started = time.perf_counter()
                    post = await services.posts.create(
                        author,
                        image,
                        caption=f"lighthouse{made % 10} at dawn",
                        origin=Origin(Platform.CONSOLE),
                    )
                    timings[crossposting].append(time.perf_counter() - started)
                    if crossposting:
                        shown_ids.append(post.id)
        queued = await OutboxMessage.filter(post_id__in=shown_ids).count()
        off, on = statistics.mean(timings[False]), statistics.mean(timings[True])
        print(
            f"{channels} members-channels + {channels} topic channels, "
            f"{len(timings[True])} posts each way: without cross-posting {off * 1000:.1f} ms/post, "
            f"with {on * 1000:.1f} ms/post, ratio {on / off:.2f}; "
            f"{queued / len(timings[True]):.1f} outbox rows per post"
        )
    finally:
        await app.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--channels", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")
    args = parser.parse_args()
    for channels in args.channels:
        with tempfile.TemporaryDirectory() as folder:
            await run(args.posts, channels, args.database_url, Path(folder))


if __name__ == "__main__":
    asyncio.run(main())
