"""Web pages under load: post and profile pages vs a static file of the same size.

    python -m bench.web                      # 100k posts on SQLite, 100 clients
    python -m bench.web --posts 1000000 --database-url postgres://127.0.0.1:5432/bench_web
    python -m bench.web --smoke              # seconds; what the test suite runs

One run: a database is filled (accounts, public and followers-only posts on a pool of real
images, follows, comments, remixes), then the web role serves it in a child process while
this process is 100 concurrent clients. Two access patterns, one after the other, against the
same server in the same run:

- uniform: every public post and every account equally likely (nothing repeats: whatever a
  server keeps in memory cannot help);
- zipf: posts and people by a Zipf law (s = 1) over a fixed random order of the posts and over
  the accounts by how much they post: a few pages get most views, as on a real site.

Each client asks, in turn, for a post page, a static file exactly as big as that page (to
the 256-byte bucket), a profile page and a static file as big as that one, all served by the
same server with the same middleware. A pattern's ratio compares the p99 of its pages with
the p99 of the static files fetched beside them: a page's cost beyond shipping its bytes.
A warm-up round per client (other draws from the same pattern) comes first and is not counted.
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
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import numpy as np
from PIL import Image

import core.safety  # noqa: F401 - first: `import core.feed` alone hits a circular import
from bench.loading import Writer
from core.images import ContentImageStore
from core.persistence.database import Database, is_postgres
from core.persistence.models import Account, Post, StoredImage
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
        store = ContentImageStore(data / "images")
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
    from aiohttp import web

    from bot.bootstrap import build
    from core.settings import Settings
    from web import WebRole, build_web_app
    from web.site import SITE_KEY

    async def main() -> None:
        settings = Settings(MOSAIC_DATA_DIR=data, MOSAIC_DATABASE_URL=url, _env_file=None)
        app = build(settings)
        await app.database.open(migrate_first=False)
        links = PublicLinks(f"http://127.0.0.1:{port}", SECRET)
        web_app = build_web_app(
            app.services, links, telegram_bot_token=None, init_data_max_age=3600
        )
        web_app.router.add_static("/bench-static/", static)
        kept = web_app[SITE_KEY].pages

        async def kept_pages(request: web.Request) -> web.Response:
            return web.json_response({"hits": kept.hits, "misses": kept.misses})

        web_app.router.add_get("/bench-kept", kept_pages)
        role = WebRole(web_app, f"127.0.0.1:{port}", links.base_url)
        await role.start()
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        await role.stop()
        await app.database.close()

    profile = os.environ.get("MOSAIC_BENCH_WEB_PROFILE")  # a file for the server's cProfile
    if not profile:
        asyncio.run(main())
        return
    import cProfile

    cProfile.runctx("asyncio.run(main())", globals(), {"main": main, "asyncio": asyncio}, profile)


@dataclass(frozen=True, slots=True)
class Pattern:
    name: str
    posts: list[int]  # a post id per request, drawn from the pattern (public posts only)
    authors: list[int]  # an account id per request


def _zipf_ranks(rng: np.random.Generator, size: int, count: int) -> np.ndarray:
    """`count` ranks in [0, size) with P(rank k) ∝ 1 / (k + 1) (Zipf, s = 1)."""
    weights = 1.0 / np.arange(1, size + 1)
    cumulative = np.cumsum(weights)
    return np.searchsorted(cumulative, rng.random(count) * cumulative[-1])


async def draw_patterns(url: str, count: int, seed: int) -> list[Pattern]:
    """`count` requests per pattern: the ids people would have been given links to."""
    database = Database(url)
    await database.open(migrate_first=False)
    try:
        top = (await Post.all().order_by("-id").first()).id
        accounts = await Account.all().count()
        rng = np.random.default_rng(seed + 1)
        order = rng.permutation(np.arange(1, top + 1))  # the zipf popularity order of posts
        drawn = {
            "uniform": (rng.integers(1, top + 1, count * 3), rng.integers(1, accounts + 1, count)),
            # Accounts were made with a power law of posts, account 1 posting most.
            "zipf": (
                order[_zipf_ranks(rng, top, count * 3)],
                _zipf_ranks(rng, accounts, count) + 1,
            ),
        }
        patterns = []
        for name, (post_ids, author_ids) in drawn.items():
            wanted = [int(n) for n in post_ids]
            public: set[int] = set()
            for start in range(0, len(wanted), 5000):
                chunk = wanted[start : start + 5000]
                public |= set(
                    await Post.filter(id__in=chunk, audience="public").values_list("id", flat=True)
                )
            posts = [n for n in wanted if n in public][:count]
            patterns.append(Pattern(name, posts, [int(n) for n in author_ids]))
    finally:
        await database.close()
    return patterns


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q)) * 1000


BUCKET = 256


def static_file(static: Path, size: int) -> str:
    """The path of a static file of `size` rounded up to BUCKET bytes, made on first use."""
    rounded = -(-size // BUCKET) * BUCKET
    path = static / f"{rounded}.html"
    if not path.exists():
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(b"x" * rounded)
        partial.replace(path)
    return f"/bench-static/{path.name}"


async def load_test(base: str, links: PublicLinks, pattern: Pattern, static: Path,
                    clients: int, rounds: int) -> dict[str, list[float]]:  # fmt: skip
    """`rounds` counted rounds per client after one warm-up round."""
    timings: dict[str, list[float]] = {k: [] for k in ("post", "static", "profile", "static2")}
    sizes: dict[str, list[int]] = {"post": [], "profile": []}
    errors: list[str] = []
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def get(kind: str | None, path: str) -> int:
            began = time.perf_counter()
            async with http.get(base + path) as response:
                body = await response.read()
                if response.status != 200:
                    errors.append(f"{response.status} {path}")
            if kind is not None:
                timings[kind].append(time.perf_counter() - began)
            return len(body)

        async def client(number: int) -> None:
            for turn in range(rounds + 1):
                counted = turn > 0  # the first round warms up
                n = (number * (rounds + 1) + turn) % len(pattern.posts)
                size = await get(
                    "post" if counted else None, f"/p/{links.post_slug(pattern.posts[n])}"
                )
                await get("static" if counted else None, static_file(static, size))
                author = pattern.authors[(number * (rounds + 1) + turn) % len(pattern.authors)]
                size2 = await get(
                    "profile" if counted else None, f"/u/{links.account_slug(author)}"
                )
                await get("static2" if counted else None, static_file(static, size2))
                if counted:
                    sizes["post"].append(size)
                    sizes["profile"].append(size2)

        async with http.get(base + "/bench-kept") as response:
            before = await response.json()
        began = time.perf_counter()
        await asyncio.gather(*(client(n) for n in range(clients)))
        elapsed = time.perf_counter() - began
        async with http.get(base + "/bench-kept") as response:
            after = await response.json()
    if errors:
        raise SystemExit(f"web bench: {len(errors)} errors, e.g. {errors[:3]}")
    hits, misses = (after[k] - before[k] for k in ("hits", "misses"))
    print(
        f"web bench {pattern.name}: {clients * (rounds + 1) * 4 / elapsed:.0f} requests/s; "
        f"pages served from the kept store {hits / max(1, hits + misses):.0%}"
    )
    print(
        f"web bench {pattern.name}: page sizes post median {int(np.median(sizes['post']))} B, "
        f"profile median {int(np.median(sizes['profile']))} B (max {max(sizes['profile'])} B)"
    )
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
            requests = args.clients * (args.rounds + 1)
            patterns = asyncio.run(draw_patterns(url, requests, args.seed))
            results = []
            for pattern in patterns:
                timings = asyncio.run(
                    load_test(links.base_url, links, pattern, static, args.clients, args.rounds)
                )
                results.append((pattern, timings))
        finally:
            assert child.stdin is not None
            child.stdin.close()
            child.wait(30)
    for pattern, timings in results:
        report(pattern, timings, args)


def report(pattern: Pattern, timings: dict[str, list[float]], args: argparse.Namespace) -> None:
    print(f"{pattern.name}:")
    for kind, values in timings.items():
        print(
            f"  {kind:8} n={len(values):6}  p50 {percentile(values, 50):7.1f} ms  "
            f"p99 {percentile(values, 99):7.1f} ms"
        )
    post = percentile(timings["post"], 99) / percentile(timings["static"], 99)
    profile = percentile(timings["profile"], 99) / percentile(timings["static2"], 99)
    print(
        f"web bench ratio {pattern.name}: posts={args.posts} clients={args.clients} — "
        f"p99 post page / static {post:.2f}x, profile page / static {profile:.2f}x (goal <= 3x)"
    )


if __name__ == "__main__":
    main()
