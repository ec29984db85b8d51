"""Web pages under load: post and profile pages vs a static file of the same size.

    python -m bench.web                      # 100k posts on SQLite, 100 clients
    python -m bench.web --posts 1000000 --database-url postgres://127.0.0.1:5432/bench_web
    python -m bench.web --smoke              # seconds; what the test suite runs

One run: a database is filled (accounts, public and followers-only posts on a pool of real
images, follows, comments, remixes), then the web role serves it in a child process while
this process is 100 concurrent clients. Each client asks, in turn, for a random post page, a
random profile page and a static file exactly as big as a post page (and one as big as a
profile page), served by the same server with the same middleware. The ratio line compares
p99s: a page's cost beyond shipping its bytes is the database and the template.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import numpy as np
from PIL import Image

import core.safety  # noqa: F401 - first: `import core.feed` alone hits a circular import
from bench.loading import Writer
from core.images import LocalImageStore
from core.persistence.database import Database, is_postgres
from core.persistence.models import Post, StoredImage
from core.public_links import PublicLinks

SECRET = b"bench-web-secret"
IMAGES = 24
WORDS = (
    "fox", "lighthouse", "harbor", "neon", "koi", "forest", "dusk", "glass", "city", "rain",
    "paper", "boat", "moon", "velvet", "desert", "orchard",
)  # fmt: skip
START = 1_767_000_000  # 2025-12-29, a fixed epoch for reproducible data


def _image(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)
    image = Image.fromarray(pixels).resize((512, 384))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


async def fill(url: str, data: Path, posts: int, seed: int) -> None:
    """Accounts (one per 20 posts), posts, follows, comments and remixes, bulk-inserted."""
    database = Database(url)
    await database.open(migrate_first=True)
    try:
        if await Post.all().count():
            print(f"web bench: reusing the {await Post.all().count()} posts already there")
            return
        store = LocalImageStore(data / "images")
        shas = []
        for n in range(IMAGES):
            stored = await store.put(_image(seed * 1000 + n))
            await store.thumbnail(stored.sha256)
            await StoredImage.get_or_create(
                sha256=stored.sha256,
                defaults={
                    "format": stored.format,
                    "width": stored.width,
                    "height": stored.height,
                    "size_bytes": stored.size_bytes,
                },
            )
            shas.append(stored.sha256)
        writer = Writer(is_postgres(url))
        rng = random.Random(seed)
        accounts = max(2, posts // 20)
        await writer.insert(
            "account",
            ("id", "handle", "display_name", "show_linked_handles", "created_at"),
            [
                (a, f"user{a}", f"User {a}", False, writer.time(START))
                for a in range(1, accounts + 1)
            ],
        )
        # Authors by a power law: a few people post much, most a little.
        weights = np.array([1 / (a**0.8) for a in range(1, accounts + 1)])
        authors = np.random.default_rng(seed).choice(
            np.arange(1, accounts + 1), size=posts, p=weights / weights.sum()
        )
        columns = (
            "id", "author_id", "image_id", "prompt", "caption", "audience", "origin_platform",
            "moderation", "allow_remix", "remix_parent_gone", "like_count", "comment_count",
            "remix_count", "created_at", "sensitive", "remix_of_id", "provider", "model",
        )  # fmt: skip
        batch: list[tuple] = []
        for post_id in range(1, posts + 1):
            prompt = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9)))
            audience = "followers" if rng.random() < 0.1 else "public"
            remix_of = rng.randint(1, post_id - 1) if post_id > 1 and rng.random() < 0.05 else None
            batch.append(
                (
                    post_id, int(authors[post_id - 1]), rng.choice(shas), prompt, "", audience,
                    "console", "visible", True, False, rng.randint(0, 40), 0, 0,
                    writer.time(START + post_id * 30), False, remix_of, "local", "mosaic-local",
                )
            )  # fmt: skip
            if len(batch) == 50_000:
                await writer.insert("post", columns, batch)
                batch = []
        await writer.insert("post", columns, batch)
        follows = [
            (n, rng.randint(1, accounts), rng.randint(1, accounts), writer.time(START))
            for n in range(1, accounts * 5 + 1)
        ]
        await writer.insert(
            "follow",
            ("id", "follower_id", "followee_id", "created_at"),
            list({(a, b): (n, a, b, t) for n, a, b, t in follows if a != b}.values()),
        )
        comments = [
            (n, rng.randint(1, posts), rng.randint(1, accounts), f"nice {n}", writer.time(START))
            for n in range(1, posts // 10 + 1)
        ]
        await writer.insert(
            "comment", ("id", "post_id", "author_id", "text", "created_at"), comments
        )
        await writer.reset_sequences(("account", "post", "follow", "comment"))
        await writer.analyze()
        print(f"web bench: loaded {posts} posts, {accounts} accounts")
    finally:
        await database.close()


def serve(url: str, data: Path, port: int, static: Path) -> None:
    """The child process: the web role with the bench's static folder beside it."""
    from bot.bootstrap import build
    from core.settings import Settings
    from web import WebRole, build_web_app

    async def main() -> None:
        settings = Settings(MOSAIC_DATA_DIR=data, MOSAIC_DATABASE_URL=url, _env_file=None)
        app = build(settings)
        await app.database.open(migrate_first=False)
        links = PublicLinks(f"http://127.0.0.1:{port}", SECRET)
        web_app = build_web_app(
            app.services, links, telegram_bot_token=None, init_data_max_age=3600
        )
        web_app.router.add_static("/bench-static/", static)
        role = WebRole(web_app, f"127.0.0.1:{port}", links.base_url)
        await role.start()
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        await role.stop()
        await app.database.close()

    asyncio.run(main())


async def sample_ids(url: str, count: int, seed: int) -> tuple[list[int], list[int]]:
    """Random public posts and their authors (the addresses people would have been given)."""
    database = Database(url)
    await database.open(migrate_first=False)
    try:
        top = await Post.all().order_by("-id").first()
        rng = random.Random(seed + 1)
        wanted = [rng.randint(1, top.id) for _ in range(count * 2)]
        rows = await Post.filter(id__in=wanted, audience="public").values_list("id", "author_id")
    finally:
        await database.close()
    return [r[0] for r in rows][:count], [r[1] for r in rows][:count]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q)) * 1000


async def load_test(base: str, links: PublicLinks, posts: list[int], authors: list[int],
                    static: Path, clients: int, rounds: int) -> dict[str, list[float]]:  # fmt: skip
    timings: dict[str, list[float]] = {k: [] for k in ("post", "profile", "static", "static2")}
    errors: list[str] = []
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def get(kind: str, path: str) -> None:
            began = time.perf_counter()
            async with http.get(base + path) as response:
                await response.read()
                if response.status != 200:
                    errors.append(f"{response.status} {path}")
            timings[kind].append(time.perf_counter() - began)

        # Static files as big as the pages (measured on a first request of each).
        async with http.get(links.post_url(posts[0])) as response:
            post_size = len(await response.read())
        async with http.get(links.profile_url(authors[0])) as response:
            profile_size = len(await response.read())
        (static / "post.html").write_bytes(b"x" * post_size)
        (static / "profile.html").write_bytes(b"x" * profile_size)

        async def client(number: int) -> None:
            rng = random.Random(number)
            for _ in range(rounds):
                pick = rng.randrange(len(posts))
                await get("post", f"/p/{links.post_slug(posts[pick])}")
                await get("static", "/bench-static/post.html")
                await get(
                    "profile", f"/u/{links.account_slug(authors[rng.randrange(len(authors))])}"
                )
                await get("static2", "/bench-static/profile.html")

        await asyncio.gather(*(client(n) for n in range(clients)))
    if errors:
        raise SystemExit(f"web bench: {len(errors)} errors, e.g. {errors[:3]}")
    print(f"web bench: page sizes post {post_size} B, profile {profile_size} B")
    return timings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--data", type=Path, default=None, help="keep the data here (reuse)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, for the test suite")
    parser.add_argument("--serve", nargs=3, metavar=("URL", "DATA", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        url, data, port = args.serve
        serve(url, Path(data), int(port), Path(data) / "bench-static")
        return
    if args.smoke:
        args.posts, args.clients, args.rounds = 200, 10, 3
    with tempfile.TemporaryDirectory(prefix="mosaic-bench-web-") as scratch:
        data = args.data or Path(scratch)
        data.mkdir(parents=True, exist_ok=True)
        url = args.database_url or f"sqlite://{(data / 'bench.db').resolve()}"
        began = time.perf_counter()
        asyncio.run(fill(url, data, args.posts, args.seed))
        print(f"web bench: data ready in {time.perf_counter() - began:.1f} s")
        static = data / "bench-static"
        static.mkdir(exist_ok=True)
        port = _free_port()
        child = subprocess.Popen(
            [sys.executable, "-m", "bench.web", "--serve", url, str(data), str(port)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env=os.environ | {"MOSAIC_LOG_LEVEL": "WARNING"},
        )  # fmt: skip
        try:
            assert child.stdout is not None and child.stdout.readline().strip() == "ready"
            links = PublicLinks(f"http://127.0.0.1:{port}", SECRET)
            posts, authors = asyncio.run(sample_ids(url, 2000, args.seed))
            timings = asyncio.run(
                load_test(links.base_url, links, posts, authors, static, args.clients, args.rounds)
            )
        finally:
            assert child.stdin is not None
            child.stdin.close()
            child.wait(30)
    report(timings, args)


def report(timings: dict[str, list[float]], args: argparse.Namespace) -> None:
    for kind, values in timings.items():
        print(
            f"  {kind:8} n={len(values):6}  p50 {percentile(values, 50):7.1f} ms  "
            f"p99 {percentile(values, 99):7.1f} ms"
        )
    post = percentile(timings["post"], 99) / percentile(timings["static"], 99)
    profile = percentile(timings["profile"], 99) / percentile(timings["static2"], 99)
    print(
        f"web bench ratio: posts={args.posts} clients={args.clients} — p99 post page / static "
        f"{post:.2f}x, profile page / static {profile:.2f}x (goal <= 3x)"
    )


if __name__ == "__main__":
    main()
