"""Feed benchmarks on a dataset in the format of `bench/dataset.py`: quality and speed.

    python -m bench.workload --family fast --seed 1 --out /tmp/fast-1   # bench/families.py
    python -m bench.ranking --dataset /tmp/fast-1               # replay protocol (SQLite)
    python -m bench.ranking --dataset /tmp/feed-2k --protocol split          # the time split
    python -m bench.ranking --dataset /tmp/feed-2k --protocol split --speed  # + page latency
    python -m bench.ranking --dataset /tmp/feed-1m --split none --no-quality --speed \
        --speed-sample 1000 --database-url postgres://postgres@127.0.0.1:5432/mosaic_feedbench
    # then, without loading again:  ... --reuse

**Quality, replay protocol** (`--protocol replay`, the default; `bench/replay.py`): each of
`--likes` (500) likes drawn with `--seed` from the last `--window-days` (2) is ranked
as of just before it happened, with the database walked forward through the window by
production's write paths; a hit when the post is in the top 20. `--json PATH` writes the
scores and ratios. The time split cannot be fair where likes come within hours (it keeps
only likes of posts that existed at the cut); the replay can.

**Quality, time split** (`--protocol split`). `--split time` (default): the clock is set
`--window-days` (2) before the last event; the database gets the world as it was then
(posts, follows, likes up to that moment) and each user's likes after it, their most recent
ones, are held out (only likes of posts that existed at the cut). `--split user`: each
user's latest 20 % of likes (users with ≥ 5 likes) are held out and the clock is at the end.
Either way, counters, `hot`, reactions and taste profiles are built from the training likes
only and feed sessions start empty. For every user with held-out likes (or a sample:
`--sample`), three lists of 20 (four with the oracle) are compared with recall@20 and
nDCG@20:

- personalized: `PersonalizedFeed.page(viewer)`, the real `/feed` page 1 (candidates →
  score → diversity);
- chronological: `ChronologicalFeed` (followees' and own posts, newest first);
- popularity: visible posts by `hot` (engagement decayed by age), the trending order;
- oracle (time split, datasets with `hidden.npz` from `bench/workload.py`): the posts the
  generator's own like process, replayed over the test window (`bench/oracle.py`), makes
  the user likeliest to like: the best any ranker could do. `oracle / chronological` is
  then the ceiling of the personalized feed's ratio to chronological on this dataset.

Posts the user liked in training are skipped in the baselines and the oracle (the
personalized feed sinks them itself), so no list wastes places on them. Also printed: the
share of held-out posts that are among the personalized feed's candidates at all (what a
perfect ordering of them would reach), and for each ratio a 95 % interval (`ratio_interval`:
the users drawn again with replacement): a sample of 500 users moved the 2k dataset's ratio
to chronological between 1.88× and 2.12× with the seed that drew it.

**Speed** (`--speed`): for a sample of users, in one run and alternating, the time of a
`/feed` page (a new session each time: all six queries, ranking and saving the session) and
(in alternating order, as both warm the same followees' posts for the other) of the plain
indexed query "latest 20 posts from followees" (`post(author_id, created_at)`), after one
untimed pass of both over the same users. Prints p50/p99 of both and the ratio of the p99s
with a 95 % interval (`percentile_ratio_interval`). Objects alive before the timing (the
dataset read into this process) are frozen out of garbage collection (`gc.freeze`).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

import asyncpg
import numpy as np
from tortoise import connections

from bench.dataset import Dataset, read
from bench.evaluation import (
    hold_out,
    ndcg_at,
    percentile_ratio_interval,
    ratio_interval,
    recall_at,
    split_at,
)
from bench.foreign_workload import FOREIGN, Foreign, ForeignOracle
from bench.loading import load, stamp
from bench.oracle import Oracle, ReplayOracle
from bench.replay import SAMPLES, TRAIN_DAYS, Fitting, RankingOracle, replay, report
from bench.vector_cache import bench_embedder
from bench.workload import HIDDEN, Hidden
from core.clock import FakeClock
from core.feed import ChronologicalFeed, HashedNgramEmbedder, PersonalizedFeed
from core.persistence.database import Database, is_postgres
from core.persistence.models import Account, Post
from core.social.visibility import visible_to

K = 20
LATEST_FROM_FOLLOWEES = (
    "SELECT id, author_id, created_at FROM post WHERE author_id IN "
    "(SELECT followee_id FROM follow WHERE follower_id = {p}) AND deleted_at IS NULL "
    "ORDER BY created_at DESC LIMIT 20"
)


async def prepare(url: str | None, reuse: bool) -> tuple[str, Path | None]:
    if url is None:
        folder = Path(tempfile.mkdtemp(prefix="mosaic-feedbench-"))
        return f"sqlite://{folder / 'bench.db'}", folder
    if is_postgres(url) and not reuse:
        base, name = url.rsplit("/", 1)
        admin = await asyncpg.connect(base.replace("asyncpg://", "postgres://") + "/postgres")
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
    return url, None


async def quality(
    dataset: Dataset,
    held: dict[int, set[int]],
    train: np.ndarray,
    now: float,
    sample: int,
    seed: int,
    oracle: Oracle | str,
) -> None:
    """Compare the lists; `oracle` is the ceiling's oracle or why there is none."""
    feed = PersonalizedFeed(HashedNgramEmbedder(), FakeClock(stamp(now)), page_size=K)
    chronological = ChronologicalFeed()
    liked: dict[int, set[int]] = {}
    for user, post in train[:, :2].tolist():
        liked.setdefault(user, set()).add(post)
    users = sorted(held)
    random.Random(seed).shuffle(users)
    users = users[:sample] if sample else users
    accounts = {a.id: a for a in await Account.filter(id__in=users)}
    popular_pool = max(K + max((len(liked.get(u, ())) for u in users), default=0), 200)

    lists: dict[str, list[list[int]]] = {"personalized": [], "chronological": [], "popularity": []}
    if isinstance(oracle, Oracle):
        lists["oracle"] = []
    coverage: list[float] = []
    began = time.perf_counter()
    for user in users:
        viewer = accounts[user]
        seen_before = liked.get(user, set())
        page = await feed.page(viewer)
        lists["personalized"].append([p.id for p in page.posts])
        candidates = {r.post_id for r in await feed.rank(viewer)}
        coverage.append(len(held[user] & candidates) / len(held[user]))
        newest = await chronological.page(viewer, limit=K + len(seen_before))
        lists["chronological"].append(_skip(newest, seen_before))
        hottest = (
            await Post.filter(visible_to(user))
            .order_by("-hot", "-id")
            .limit(popular_pool)
            .values_list("id", flat=True)
        )
        lists["popularity"].append([i for i in hottest if i not in seen_before][:K])
        if isinstance(oracle, Oracle):
            lists["oracle"].append(oracle.ranking(user, seen_before, K))
    elapsed = time.perf_counter() - began

    print(
        f"\nQuality on {len(users)} users with held-out likes "
        f"(held out: {sum(len(held[u]) for u in users):,} likes; {elapsed:.1f} s)"
    )
    recalls: dict[str, list[float]] = {}
    scores = {}
    for name, ranked in lists.items():
        recalls[name] = [recall_at(r, held[u], K) for r, u in zip(ranked, users, strict=True)]
        recall = statistics.fmean(recalls[name])
        ndcg = statistics.fmean(ndcg_at(r, held[u], K) for r, u in zip(ranked, users, strict=True))
        scores[name] = (recall, ndcg)
        print(f"  {name:<14} recall@{K} {recall:.4f}   nDCG@{K} {ndcg:.4f}")
    print(
        f"  held-out posts among the personalized candidates: {statistics.fmean(coverage):.1%}"
        " (the recall any ordering of them could reach)"
    )
    ours = scores["personalized"]
    for name, goal in (("chronological", 2.0), ("popularity", 1.3)):
        base = scores[name]
        low, high = ratio_interval(recalls["personalized"], recalls[name])
        print(
            f"  personalized / {name:<13} recall@{K} {_ratio(ours[0], base[0])}"
            f" (95 % {low:.2f}–{high:.2f})  nDCG@{K} {_ratio(ours[1], base[1])}   (goal recall ≥ "
            f"{goal}×: {'met' if base[0] and ours[0] / base[0] >= goal else 'MISSED'})"
        )
    if isinstance(oracle, Oracle):
        ceiling = _ratio(scores["oracle"][0], scores["chronological"][0])
        low, high = ratio_interval(recalls["oracle"], recalls["chronological"])
        print(
            f"  oracle / chronological recall@{K} {ceiling} (95 % {low:.2f}–{high:.2f})"
            "   (the ceiling of the ratio on this dataset)"
        )
    else:
        print(f"  ceiling of the ratio unknown: {oracle}")


def _skip(posts: list[Post], liked: set[int]) -> list[int]:
    return [p.id for p in posts if p.id not in liked][:K]


def _ratio(ours: float, base: float) -> str:
    return f"{ours / base:5.2f}×" if base else "  n/a"


async def speed(dataset: Dataset, now: float, sample: int, seed: int, postgres: bool) -> None:
    feed = PersonalizedFeed(HashedNgramEmbedder(), FakeClock(stamp(now)), page_size=K)
    connection = connections.get("postgres" if postgres else "sqlite")
    plain = LATEST_FROM_FOLLOWEES.format(p="$1" if postgres else "?")
    following = np.unique(dataset.follows[:, 0])
    rng = random.Random(seed)
    users = rng.sample(following.tolist(), min(sample, len(following)))
    accounts = {a.id: a for a in await Account.filter(id__in=users)}
    # One untimed pass over every sampled user first: both measures then read what a running
    # server keeps in memory, and neither pays for a cold cache the other warmed.
    for user in users:
        await feed.page(accounts[user])
        await connection.execute_query_dict(plain, [user])
    # The dataset read into this process (hundreds of thousands of objects) is no part of a
    # server, but each full garbage collection scans it: ~70 ms pauses at 100k posts that
    # landed in whichever timing was running. Frozen, they are left out of collections.
    gc.collect()
    gc.freeze()
    ours: list[float] = []
    theirs: list[float] = []

    async def page(user: int) -> None:
        began = time.perf_counter()
        await feed.page(accounts[user])
        ours.append(time.perf_counter() - began)

    async def latest(user: int) -> None:
        began = time.perf_counter()
        await connection.execute_query_dict(plain, [user])
        theirs.append(time.perf_counter() - began)

    for number, user in enumerate(users):
        # Both read the same followees' posts: whichever runs second finds them cached, so
        # the order alternates.
        first, second = (page, latest) if number % 2 == 0 else (latest, page)
        await first(user)
        await second(user)
    print(f"\nSpeed over {len(users)} users ({'PostgreSQL' if postgres else 'SQLite'})")
    for name, times in (("/feed page", ours), ("latest 20 from followees", theirs)):
        print(f"  {name:<26} p50 {_ms(times, 50)}  p99 {_ms(times, 99)}")
    p99_ours, p99_theirs = np.percentile(ours, 99), np.percentile(theirs, 99)
    low, high = percentile_ratio_interval(ours, theirs, 99)
    print(
        f"  ratio p99 {p99_ours / p99_theirs:.1f}× (95 % {low:.1f}–{high:.1f})  (goal ≤ 2×)   "
        f"ratio p50 {np.percentile(ours, 50) / np.percentile(theirs, 50):.1f}×"
    )


def _ms(times: list[float], q: int) -> str:
    return f"{np.percentile(times, q) * 1000:7.1f} ms"


async def run_replay(args: argparse.Namespace) -> None:
    began = time.perf_counter()
    dataset = read(args.dataset, impressions=False)
    oracle: RankingOracle | None = None
    note: str | None = f"no {HIDDEN} in {args.dataset} (bench.workload writes one)"
    try:
        if (args.dataset / HIDDEN).is_file():
            oracle, note = ReplayOracle(dataset, Hidden.load(args.dataset), seed=args.seed), None
        elif (args.dataset / FOREIGN).is_file():  # bench.foreign_workload's
            oracle, note = ForeignOracle(dataset, Foreign.load(args.dataset)), None
    except ValueError as error:  # e.g. ids renumbered on reading (bench/dataset.py)
        note = str(error)
    print(f"{dataset.summary()} (read in {time.perf_counter() - began:.1f} s)")
    url, folder = await prepare(args.database_url, False)
    database = Database(url)
    await database.open()
    try:
        result = await replay(
            dataset,
            window_days=args.window_days or 2.0,
            count=args.likes,
            seed=args.seed,
            oracle=oracle,
            postgres=is_postgres(url),
            coverage=args.coverage,
            embedder=bench_embedder(args.dataset, args.embedder),
            fitting=Fitting(train_days=args.train_days, samples=args.samples),
        )
    finally:
        await database.close()
        if folder is not None and not args.keep:
            for path in folder.iterdir():
                path.unlink()
            folder.rmdir()
    figures = report(result, note)
    if args.json:
        figures |= {"dataset": str(args.dataset), "meta": _meta(dataset), "seed": args.seed}
        figures |= {"embedder": args.embedder, "train_days": args.train_days}
        args.json.write_text(json.dumps(figures, indent=1) + "\n")


def _meta(dataset: Dataset) -> dict:
    return {k: dataset.meta[k] for k in ("family", "seed") if k in dataset.meta}


async def run(args: argparse.Namespace) -> None:
    if args.protocol == "replay" and args.split == "time" and not args.speed:
        await run_replay(args)
        return
    if args.protocol == "replay":
        raise SystemExit("--speed and --split user/none run with --protocol split")
    args.window_days = args.window_days or 2.0
    began = time.perf_counter()
    dataset = read(args.dataset, impressions=False)
    end = float(max(dataset.likes[:, 2].max(initial=0), dataset.post_created.max(initial=0)))
    oracle: Oracle | str = "the oracle replays the time split's test window only"
    if args.split == "time":
        now = end - args.window_days * 86_400
        oracle = f"no {HIDDEN} in {args.dataset} (bench.workload writes one)"
        hidden = Hidden.load(args.dataset) if (args.dataset / HIDDEN).is_file() else None
        if hidden is not None and hidden.family.exposure:
            oracle = "the time split's oracle replays bench.workload's LikeProcess only"
        elif hidden is not None:
            oracle = Oracle(dataset, hidden, now, seed=args.seed)
        dataset, train, held = split_at(dataset, now)
    elif args.split == "user":
        now = end + 60
        train, held = hold_out(dataset.likes, fraction=args.hold_out)
    else:  # everything loaded, nothing held out (speed only)
        now, train, held = end + 60, dataset.likes, {}
    print(
        f"{dataset.summary()} (read in {time.perf_counter() - began:.1f} s); "
        f"training likes {len(train):,}, held out {sum(map(len, held.values())):,} "
        f"of {len(held):,} users ({args.split} split); clock at {stamp(now):%Y-%m-%d %H:%M} UTC"
    )
    url, folder = await prepare(args.database_url, args.reuse)
    database = Database(url)
    await database.open()
    try:
        if not args.reuse:
            began = time.perf_counter()
            loaded = await load(
                dataset,
                train,
                HashedNgramEmbedder(),
                now=now,
                postgres=is_postgres(url),
                terms=not args.skip_terms,
            )
            print(f"loaded in {time.perf_counter() - began:.1f} s: {loaded.summary()}")
        if args.quality and held:
            await quality(dataset, held, train, now, args.sample, args.seed, oracle)
        if args.speed:
            await speed(dataset, now, args.speed_sample, args.seed, is_postgres(url))
    finally:
        await database.close()
    if folder is not None and not args.keep:
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, required=True)
    parser.add_argument("--database-url", help="default: a new SQLite file in a temp folder")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="the database is already loaded from this dataset: skip loading",
    )
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file")
    parser.add_argument(
        "--protocol",
        choices=("replay", "split"),
        default="replay",
        help="replay: each held-out like ranked as of just before it (bench/replay.py); "
        "split: a time or user split",
    )
    parser.add_argument(
        "--likes", type=int, default=500, help="replay: held-out likes drawn (with --seed)"
    )
    parser.add_argument(
        "--coverage",
        action="store_true",
        help="replay: also the share of held-out posts among the personalized candidates (slower)",
    )
    parser.add_argument("--json", type=Path, help="replay: write the figures here")
    parser.add_argument(
        "--train-days",
        type=float,
        default=TRAIN_DAYS,
        help="replay: days walked before the window to fit the ranker on (0: the prior only)",
    )
    parser.add_argument(
        "--samples",
        type=int,
        default=SAMPLES,
        help="replay: like samples drawn before the window (the fit's training data)",
    )
    parser.add_argument(
        "--embedder",
        choices=("local", "ngram"),
        default="local",
        help="replay: local = the product's local embedder (multilingual when installed; "
        "vectors cached per text in the dataset folder), ngram = hashed n-grams",
    )
    parser.add_argument(
        "--split",
        choices=("time", "user", "none"),
        default="time",
        help="time: likes after a cut are held out; user: each user's last 20 %%; "
        "none: everything loaded (speed only)",
    )
    parser.add_argument("--window-days", type=float, help="test days (default 2)")
    parser.add_argument("--hold-out", type=float, default=0.2, help="user split: fraction")
    parser.add_argument(
        "--sample", type=int, default=0, help="users in the quality run (default 0: all)"
    )
    parser.add_argument("--no-quality", dest="quality", action="store_false")
    parser.add_argument("--speed", action="store_true")
    parser.add_argument(
        "--speed-sample", type=int, default=1000, help="users in the speed run (p99: 10th worst)"
    )
    parser.add_argument(
        "--skip-terms",
        action="store_true",
        help="do not load post terms: a faster load, but the #tag candidate sources, "
        "/feed tune's tags, search and /tag then find nothing",
    )
    parser.add_argument("--seed", type=int, default=7)
    asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
