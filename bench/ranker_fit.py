"""How long the feed ranker's refit takes, and how much memory, on N stored impressions.

    python -m bench.ranker_fit                      # 10M impressions, SQLite in a temp folder
    python -m bench.ranker_fit --impressions 200000 --database-url asyncpg://…/bench
    python -m bench.ranker_fit --smoke              # 20k: what the test suite runs

It stores N synthetic impressions (random parts, positions 1–40, a few sources; liked with a
chance that rises with two parts and falls with position, about 4 % liked) over the last
four weeks, then runs what the scheduler leader runs, `RankerRefit.refit`: read them in
chunks, fit (five cross-fitted folds and the model itself), judge, store the model. It
prints the time of each step, the peak memory of the process (ru_maxrss) and the ratio of
the refit's time to the 10-minute budget. The synthetic labels only give the fit something
to find; quality is bench.ranking's.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import shutil
import time
from datetime import timedelta

import numpy as np

from bench.loading import Writer, stamp
from bench.ranking import prepare
from core.clock import FakeClock
from core.feed.fitting import RankerRefit, load
from core.feed.impressions import Outcome, Surface
from core.feed.ranker import ServingRanker
from core.feed.scoring import PARTS
from core.persistence.database import Database, is_postgres

BUDGET_SECONDS = 600.0  # the bound for a refit on 10M impressions
VIEWERS, POSTS = 2_000, 20_000
BATCH = 200_000
NOW = 1_780_000_000.0  # a fixed clock (2026-05-28): the run does not depend on today


async def fill(count: int, postgres: bool, seed: int) -> float:
    """Accounts, posts and `count` impressions; returns the seconds it took."""
    began = time.perf_counter()
    writer = Writer(postgres)
    rng = np.random.default_rng(seed)
    await writer.insert(
        "account",
        ("id", "handle", "display_name", "show_linked_handles", "created_at"),
        [(i, f"u{i}", f"u{i}", False, writer.time(NOW - 90 * 86_400)) for i in range(1, VIEWERS)],
    )
    created = NOW - rng.random(POSTS) * 35 * 86_400
    await writer.insert(
        "post",
        (
            "id",
            "author_id",
            "caption",
            "audience",
            "origin_platform",
            "moderation",
            "allow_remix",
            "remix_parent_gone",
            "like_count",
            "comment_count",
            "remix_count",
            "created_at",
            "sensitive",
        ),
        [
            (
                i + 1,
                int(rng.integers(1, VIEWERS)),
                "",
                "public",
                "console",
                "visible",
                True,
                False,
                0,
                0,
                0,
                writer.time(created[i]),
                False,
            )
            for i in range(POSTS)
        ],
    )
    similarity, following = PARTS.index("similarity"), PARTS.index("following")
    if postgres:
        await _impressions_in_postgres(writer, count, rng, similarity, following)
    else:
        await _impressions_from_python(writer, count, rng, created, similarity, following)
    await writer.analyze()
    return time.perf_counter() - began


IMPRESSION_COLUMNS = (
    "id",
    "viewer_id",
    "post_id",
    "surface",
    "position",
    "sources",
    "parts",
    "model",
    "shown_at",
    "outcome",
)


def _chance(values: np.ndarray, positions: np.ndarray, similarity: int, following: int):
    """The synthetic like chance: up with two parts, down with the position."""
    logit = -5 + 2 * values[:, similarity] + 2 * values[:, following] - np.log(positions) / 2
    return 1 / (1 + np.exp(-logit.astype(float)))


async def _impressions_from_python(
    writer: Writer, count: int, rng, created: np.ndarray, similarity: int, following: int
) -> None:
    for start in range(0, count, BATCH):
        size = min(BATCH, count - start)
        posts = rng.integers(0, POSTS, size)
        values = rng.random((size, len(PARTS)), dtype=np.float32).astype(np.float16)
        positions = rng.integers(1, 41, size)
        shown = np.maximum(created[posts], NOW - 28 * 86_400) + rng.random(size) * 3_600 * 24
        shown = np.minimum(shown, NOW - 60)
        liked = rng.random(size) < _chance(values, positions, similarity, following)
        rows = [
            (
                start + i + 1,
                int(rng.integers(1, VIEWERS)),
                int(posts[i]) + 1,
                int(Surface.FEED),
                int(positions[i]),
                int(1 << (i % 4)),
                values[i].tobytes(),
                0,
                writer.time(shown[i]),
                int(Outcome.LIKE) if liked[i] else 0,
            )
            for i in range(size)
        ]
        await writer.insert("impression", IMPRESSION_COLUMNS, rows)


async def _impressions_in_postgres(
    writer: Writer, count: int, rng, similarity: int, following: int
) -> None:
    """The same, generated by the server (`generate_series`): 4,096 random part vectors,
    each impression takes one, a position 1–40 and a like drawn from `_chance` in SQL.

    Stored as a bulk load is: the table's secondary indexes dropped and built again after
    (one sort each instead of 10M scattered inserts: `shown_at` is random), and the foreign
    keys not checked row by row (`session_replication_role = replica`: the ids are made in
    range, viewers 1…VIEWERS − 1 and posts 1…POSTS, so no check could fail). The table ends
    as the migrations made it, with the same indexes and constraints."""
    kinds = 4096
    values = rng.random((kinds, len(PARTS)), dtype=np.float32).astype(np.float16)
    logit = -5 + 2 * values[:, similarity].astype(float) + 2 * values[:, following]
    await writer.connection.execute_script(
        "CREATE TABLE fitbench_parts (k INT PRIMARY KEY, parts BYTEA, logit FLOAT8)"
    )
    await writer.insert(
        "fitbench_parts",
        ("k", "parts", "logit"),
        [(k, values[k].tobytes(), float(logit[k])) for k in range(kinds)],
    )
    async with writer.connection.acquire_connection() as raw:  # one session for its settings
        indexes = await raw.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'impression' "
            "AND schemaname = current_schema() AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE conrelid = 'impression'::regclass)"
        )
        for index in indexes:
            await raw.execute(f'DROP INDEX "{index["indexname"]}"')
        await raw.execute("SET session_replication_role = replica")
        try:
            for start in range(0, count, 1_000_000):
                stop = min(start + 1_000_000, count)
                await raw.execute(
                    "INSERT INTO impression (id, viewer_id, post_id, surface, position, sources, "
                    "parts, model, shown_at, outcome) "
                    f"SELECT g, 1 + g % {VIEWERS - 1}, 1 + (g * 7919) % {POSTS}, "
                    f"{int(Surface.FEED)}, 1 + g % 40, 1 << (g % 4)::int, b.parts, 0, "
                    f"to_timestamp({NOW - 60}) - random() * interval '27 days', "
                    f"CASE WHEN random() < 1 / (1 + exp(-(b.logit - ln(1 + g % 40) / 2))) "
                    f"THEN {int(Outcome.LIKE)} ELSE 0 END "
                    f"FROM generate_series({start + 1}::bigint, {stop}::bigint) AS g "
                    f"JOIN fitbench_parts AS b ON b.k = g % {kinds}"
                )
        finally:
            await raw.execute("RESET session_replication_role")
        await raw.execute("SET maintenance_work_mem = '256MB'")
        try:
            for index in indexes:
                await raw.execute(index["indexdef"])
        finally:
            await raw.execute("RESET maintenance_work_mem")
    await writer.reset_sequences(("impression",))


def peak_megabytes() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


async def run(args: argparse.Namespace) -> None:
    url, folder = await prepare(args.database_url, reuse=False)  # PostgreSQL: created anew
    database = Database(url)
    await database.open()
    try:
        filled = await fill(args.impressions, is_postgres(url), args.seed)
        print(
            f"stored {args.impressions:,} impressions in {filled:.1f} s "
            f"(peak memory so far {peak_megabytes():.0f} MB)"
        )
        clock = FakeClock(stamp(NOW))
        began = time.perf_counter()
        data = await load(clock.now() - timedelta(days=28))
        read = time.perf_counter() - began
        print(f"read {len(data):,} rows in {read:.1f} s ({data.labels.mean():.1%} liked)")
        del data
        began = time.perf_counter()
        model = await RankerRefit(clock, ServingRanker(clock)).refit()
        seconds = time.perf_counter() - began
        if model is None:
            raise SystemExit("the refit found too little to fit")
        print(
            f"refit (read + fit + judge + store) {seconds:.1f} s = "
            f"{seconds / BUDGET_SECONDS:.2f}× the 10-minute budget; "
            f"peak memory {peak_megabytes():.0f} MB; held-out AUC {model.metric:.3f} "
            f"against {model.baseline:.3f} for the prior; {model.note}"
        )
    finally:
        await database.close()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--impressions", type=int, default=10_000_000)
    parser.add_argument("--smoke", action="store_true", help="20k impressions (the test suite)")
    parser.add_argument("--database-url", help="default: a new SQLite file in a temp folder")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args(argv)
    if args.smoke:
        args.impressions = 20_000
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
