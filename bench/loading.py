"""Loading a dataset (`bench/dataset.py`) into a fresh Mosaic database, fast, as the feed
would have indexed it.

Rows are bulk-inserted (PostgreSQL: asyncpg `COPY`, the tables' secondary indexes dropped
first and built again at the end, foreign keys not checked row by row, as `bench.dataset`
checked every id already; SQLite: `executemany` in one transaction), then the feed's
columns and tables are filled with the functions production uses, batched instead of one
post at a time:

- posts: the embedder's vectors (`pack`, `buckets_of`), `hot_score` from the like counters,
  `newcomer` for each author's first `NEWCOMER_POSTS` posts, terms from `post_terms`, and
  the posts per #tag and day (`tag_day`, as `crowding.count_post` counts them);
- taste profiles: the decayed sums `TasteKeeper` keeps on every write — likes (weight 1),
  one's own posts (0.5) and follows (0.5 × the followee's latest posts) — computed at once
  with `bulk_tastes`, and the author, bucket, #tag and engaged-post maps with the same decay and
  the same caps (`TasteState.write`). `terms` (only for `/suggest prompts`) stay empty, and
  a follow's vector uses the followee's latest posts at load time, not at follow time.

Only the likes passed in are loaded: held-out likes never reach counters, `hot`, reactions
or tastes.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np
from tortoise import connections

from bench.dataset import Dataset
from core.feed.embeddings import buckets_of, pack
from core.feed.fans import FAN_MIN_POSTS, FAN_SHARE, FAN_WINDOW
from core.feed.hot import EPOCH, HOT_TIMESCALE
from core.feed.indexing import NEWCOMER_POSTS
from core.feed.local_embeddings import HashedNgramEmbedder
from core.feed.taste import (
    FOLLOW_SAMPLE,
    FOLLOW_WEIGHT,
    HALF_LIFE,
    MAX_ENGAGED,
    OWN_POST_WEIGHT,
    SIGNAL_WEIGHT,
    TasteState,
    bulk_tastes,
)
from core.feed.terms import post_tags, post_terms
from core.persistence.models import Account, TasteProfile
from core.social.taste_updates import Signal

BATCH = 20_000
LOADED_TABLES = ("account", "follow", "post", "post_term", "tag_day", "reaction", "taste_profile")
HANDLE_LENGTH = Account._meta.fields_map["handle"].max_length


@dataclass(frozen=True, slots=True)
class Loaded:
    seconds: dict[str, float]
    rows: dict[str, int]

    def summary(self) -> str:
        parts = [
            f"{name} {self.rows.get(name, 0):,} rows {secs:.1f} s"
            for name, secs in self.seconds.items()
        ]
        return "; ".join(parts)


def stamp(seconds: int | float) -> datetime:
    return datetime.fromtimestamp(float(seconds), tz=UTC)


class Writer:
    """Bulk inserts into the open Tortoise connection (COPY on PostgreSQL)."""

    def __init__(self, postgres: bool) -> None:
        self.postgres = postgres
        self.connection = connections.get("postgres" if postgres else "sqlite")

    def time(self, seconds: int | float) -> object:
        moment = stamp(seconds)
        return moment if self.postgres else moment.strftime("%Y-%m-%d %H:%M:%S.%f+00:00")

    def day(self, day: date) -> object:
        return day if self.postgres else day.isoformat()

    async def insert(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        if self.postgres:
            async with self.connection.acquire_connection() as raw:
                # No foreign-key check row by row: `bench.dataset.read` checked every id
                # against the users and posts already, and the rows come in that order.
                await raw.execute("SET session_replication_role = replica")
                try:
                    await raw.copy_records_to_table(table, records=rows, columns=list(columns))
                finally:
                    await raw.execute("RESET session_replication_role")
            return
        marks = ", ".join("?" for _ in columns)
        sql = f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({marks})'
        for start in range(0, len(rows), 100_000):
            await self.connection.execute_many(sql, rows[start : start + 100_000])

    async def drop_indexes(self, tables: tuple[str, ...]) -> list[str]:
        """PostgreSQL: drop the tables' indexes that back no constraint (the primary and
        unique keys stay); returns their definitions for `create_indexes`. A bulk load builds
        each index once, sorted, instead of inserting every row into it."""
        if not self.postgres:
            return []
        async with self.connection.acquire_connection() as raw:
            found = await raw.fetch(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename = ANY($1::text[]) AND indexname NOT IN (SELECT conname FROM "
                "pg_constraint WHERE conrelid::regclass::text = ANY($1::text[]))",
                list(tables),
            )
            for index in found:
                await raw.execute(f'DROP INDEX "{index["indexname"]}"')
        return [index["indexdef"] for index in found]

    async def create_indexes(self, definitions: list[str]) -> None:
        if not definitions:
            return
        async with self.connection.acquire_connection() as raw:
            await raw.execute("SET maintenance_work_mem = '256MB'")
            try:
                for definition in definitions:
                    await raw.execute(definition)
            finally:
                await raw.execute("RESET maintenance_work_mem")

    async def reset_sequences(self, tables: tuple[str, ...]) -> None:
        if not self.postgres:
            return
        for table in tables:
            await self.connection.execute_script(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f'COALESCE((SELECT MAX(id) FROM "{table}"), 1))'
            )

    async def analyze(self) -> None:
        """Statistics for the planner and, on PostgreSQL, the visibility map (what autovacuum
        keeps up to date on a live server): without it an index-only scan still reads the
        table for every row it finds."""
        await self.connection.execute_script("VACUUM ANALYZE" if self.postgres else "ANALYZE")


async def load(
    dataset: Dataset,
    likes: np.ndarray,
    embedder: HashedNgramEmbedder,
    *,
    now: float,
    postgres: bool,
    terms: bool = True,
) -> Loaded:
    """Load users, follows, posts (indexed) and the given likes; `now` is the moment taste
    profiles are decayed to (the benchmark's clock)."""
    writer = Writer(postgres)
    seconds: dict[str, float] = {}
    rows: dict[str, int] = {}
    index_of = _index(dataset.post_ids)
    indexes = await writer.drop_indexes(LOADED_TABLES)

    began = time.perf_counter()
    await writer.insert(
        "account",
        ("id", "handle", "display_name", "show_linked_handles", "created_at"),
        [
            (int(i), h, h, False, writer.time(t))
            for i, h, t in zip(
                dataset.user_ids, unique_handles(dataset.handles), dataset.user_created, strict=True
            )
        ],
    )
    await writer.insert(
        "follow",
        ("id", "follower_id", "followee_id", "created_at"),
        [(n, a, b, writer.time(t)) for n, (a, b, t) in enumerate(dataset.follows.tolist(), 1)],
    )
    rows["accounts"], rows["follows"] = len(dataset.user_ids), len(dataset.follows)
    seconds["accounts"] = time.perf_counter() - began

    began = time.perf_counter()
    post_rows = index_of[likes[:, 1]] if len(likes) else np.zeros(0, dtype=np.int64)
    like_count = np.bincount(post_rows, minlength=len(dataset.post_ids))
    fan_likes = _fan_likes(likes, post_rows, dataset, now)
    vectors = np.zeros((len(dataset.post_ids), embedder.dimensions), dtype=np.float16)
    buckets = np.zeros(len(dataset.post_ids), dtype=np.int64)
    newcomer = _newcomers(dataset.post_authors, dataset.post_ids)
    hot = np.log1p(like_count) + (dataset.post_created - EPOCH.timestamp()) / (
        HOT_TIMESCALE.total_seconds()
    )
    columns = (
        "id",
        "author_id",
        "prompt",
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
        "hot",
        "embedding",
        "embedding_model",
        "taste_bucket",
        "newcomer",
        "sensitive",
        "fan_likes",
    )
    term_rows: list[tuple] = []
    tag_days: Counter[tuple[str, date]] = Counter()
    for start in range(0, len(dataset.post_ids), BATCH):
        stop = min(start + BATCH, len(dataset.post_ids))
        texts = [
            " ".join(part for part in (dataset.prompts[i], dataset.captions[i]) if part).strip()
            for i in range(start, stop)
        ]
        batch = embedder.embed_now(texts)
        vectors[start:stop] = batch
        buckets[start:stop] = buckets_of(batch)
        batch_rows = []
        for i in range(start, stop):
            has = bool(vectors[i].any())
            batch_rows.append(
                (
                    int(dataset.post_ids[i]),
                    int(dataset.post_authors[i]),
                    dataset.prompts[i],
                    dataset.captions[i],
                    dataset.audiences[i],
                    "console",
                    "visible",
                    True,
                    False,
                    int(like_count[i]),
                    0,
                    0,
                    writer.time(dataset.post_created[i]),
                    float(hot[i]),
                    pack(vectors[i]) if has else None,
                    embedder.model_id if has else None,
                    int(buckets[i]) if has else None,
                    bool(newcomer[i]),
                    False,
                    int(fan_likes[i]),
                )
            )
            if terms:
                for term, tag in post_terms(dataset.prompts[i], dataset.captions[i]).items():
                    term_rows.append((int(dataset.post_ids[i]), term, tag))
            day = stamp(dataset.post_created[i]).date()
            tag_days.update(
                (tag, day) for tag in post_tags(dataset.prompts[i], dataset.captions[i])
            )
        await writer.insert("post", columns, batch_rows)
    rows["posts"] = len(dataset.post_ids)
    seconds["posts"] = time.perf_counter() - began

    began = time.perf_counter()
    if terms:
        await writer.insert(
            "post_term",
            ("id", "post_id", "term", "tag"),
            [(n, *row) for n, row in enumerate(term_rows, 1)],
        )
    await writer.insert(
        "tag_day",
        ("id", "tag", "day", "posts"),
        [
            (n, tag, writer.day(day), posts)
            for n, ((tag, day), posts) in enumerate(tag_days.items(), 1)
        ],
    )
    rows["post terms"] = len(term_rows)
    seconds["post terms"] = time.perf_counter() - began

    began = time.perf_counter()
    await writer.insert(
        "reaction",
        ("id", "post_id", "account_id", "kind", "created_at"),
        [(n, p, u, "like", writer.time(t)) for n, (u, p, t) in enumerate(likes.tolist(), 1)],
    )
    rows["likes"] = len(likes)
    seconds["likes"] = time.perf_counter() - began

    began = time.perf_counter()
    profiles = tastes(dataset, likes, vectors, buckets, index_of, now=now, model=embedder.model_id)
    saved = TasteState().write(TasteProfile())  # the columns TasteKeeper writes, in order
    await writer.insert(
        "taste_profile",
        ("id", "account_id", *saved, "steering_text", "steering"),
        [
            (n, account, *(_column(writer, p, name) for name in saved), "", "[]")
            for n, (account, p) in enumerate(profiles, 1)
        ],
    )
    rows["taste profiles"] = len(profiles)
    seconds["taste profiles"] = time.perf_counter() - began

    began = time.perf_counter()
    await writer.create_indexes(indexes)
    seconds["indexes"] = time.perf_counter() - began

    began = time.perf_counter()
    await writer.reset_sequences(LOADED_TABLES)
    await writer.analyze()
    seconds["analyze"] = time.perf_counter() - began
    return Loaded(seconds, rows)


def _column(writer: Writer, profile: TasteProfile, name: str) -> object:
    """One column of a taste profile as the writer inserts it (JSON maps as text)."""
    value = getattr(profile, name)
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, datetime):
        return writer.time(value.timestamp())
    return value


def _fan_likes(
    likes: np.ndarray, post_rows: np.ndarray, dataset: Dataset, now: float
) -> np.ndarray:
    """Per post, the likes from its author's fans (`core.feed.fans`): people who liked at
    least `FAN_SHARE` of the author's posts of the last `FAN_WINDOW` before `now` (of which
    there were at least `FAN_MIN_POSTS`), as the live like path counts them, with the
    window taken at the clock (not at each like)."""
    count = len(dataset.post_ids)
    if not len(likes):
        return np.zeros(count, dtype=np.int64)
    since = now - FAN_WINDOW.total_seconds()
    recent = dataset.post_created >= since
    authors = dataset.post_authors.astype(np.int64)
    author_posts = np.bincount(authors, weights=recent, minlength=int(authors.max()) + 1)
    liker = likes[:, 0].astype(np.int64)
    author = authors[post_rows]
    pair = liker * (int(authors.max()) + 1) + author
    counted = recent[post_rows]  # likes of the window's posts
    keys, inverse = np.unique(pair, return_inverse=True)
    liked_of_author = np.bincount(inverse, weights=counted, minlength=len(keys))[inverse]
    fan = (author_posts[author] >= FAN_MIN_POSTS) & (
        liked_of_author >= FAN_SHARE * author_posts[author]
    )
    return np.bincount(post_rows[fan], minlength=count).astype(np.int64)


def unique_handles(handles: list[str]) -> list[str]:
    """The handles as an account may have them: at most `HANDLE_LENGTH` characters, each
    once (a dataset's handles need not be either; the benchmarks never read them). A handle
    cut short or repeated gets a number: `name~2`."""
    taken: set[str] = set()
    out = []
    for handle in handles:
        fitted = handle[:HANDLE_LENGTH] or "~"
        number = 1
        while fitted in taken:
            number += 1
            suffix = f"~{number}"
            fitted = handle[: HANDLE_LENGTH - len(suffix)] + suffix
        taken.add(fitted)
        out.append(fitted)
    return out


def _index(ids: np.ndarray) -> np.ndarray:
    """id → row number (ids are positive integers)."""
    index = np.full(int(ids.max(initial=0)) + 1, -1, dtype=np.int64)
    index[ids] = np.arange(len(ids))
    return index


def _newcomers(authors: np.ndarray, post_ids: np.ndarray) -> np.ndarray:
    """True for each author's first `NEWCOMER_POSTS` posts (by id, as `PostIndexer` counts)."""
    order = np.lexsort((post_ids, authors))
    sorted_authors = authors[order]
    first = np.searchsorted(sorted_authors, sorted_authors, side="left")
    rank = np.arange(len(order)) - first
    out = np.zeros(len(order), dtype=bool)
    out[order] = rank < NEWCOMER_POSTS
    return out


def tastes(
    dataset: Dataset,
    likes: np.ndarray,
    vectors: np.ndarray,
    buckets: np.ndarray,
    index_of: np.ndarray,
    *,
    now: float,
    model: str,
) -> list[tuple[int, TasteProfile]]:
    """Every user's taste profile at `now`, as `TasteKeeper` would have kept it."""
    users = dataset.user_ids
    user_index = _index(users)
    count = len(users)
    half_life = HALF_LIFE.total_seconds()
    liked = index_of[likes[:, 1]]
    likers = user_index[likes[:, 0]]
    like_weight = SIGNAL_WEIGHT[Signal.LIKE]
    authors_rows = user_index[dataset.post_authors]

    vector = np.zeros((count, vectors.shape[1]), dtype=np.float32)
    total = np.zeros(count)
    sources = [  # owners, times, weights, vectors (lazily, in chunks)
        (likers, likes[:, 2], np.full(len(likes), like_weight), lambda rows: vectors[liked[rows]]),
        (
            authors_rows,
            dataset.post_created,
            np.full(len(authors_rows), OWN_POST_WEIGHT),
            lambda rows: vectors[rows],
        ),
    ]
    latest = _latest_mean(authors_rows, dataset.post_created, vectors, count)
    followers = user_index[dataset.follows[:, 0]]
    followees = user_index[dataset.follows[:, 1]]
    sources.append(
        (
            followers,
            dataset.follows[:, 2],
            np.full(len(followers), FOLLOW_WEIGHT),
            lambda rows: latest[followees[rows]],
        )
    )
    for owners, times, weights, rows_of in sources:
        for start in range(0, len(owners), 200_000):
            rows = np.arange(start, min(start + 200_000, len(owners)))
            part, weight = bulk_tastes(
                owners[rows],
                times[rows].astype(np.float64),
                weights[rows],
                rows_of(rows).astype(np.float32),
                now=now,
                count=count,
            )
            vector += part
            total += weight

    like_decay = like_weight * 0.5 ** ((now - likes[:, 2]) / half_life)
    own_decay = OWN_POST_WEIGHT * 0.5 ** ((now - dataset.post_created) / half_life)
    author_maps = _sums(likers, dataset.post_authors[liked], like_decay, count)
    bucket_maps = _sums(
        np.concatenate([likers, authors_rows]),
        np.concatenate([buckets[liked], buckets]),
        np.concatenate([like_decay, own_decay]),
        count,
    )
    tag_maps = _tag_sums(
        dataset,
        np.concatenate([likers, authors_rows]),
        np.concatenate([liked, np.arange(len(authors_rows))]),
        np.concatenate([like_decay, own_decay]),
        count,
    )
    order = np.lexsort((likes[:, 2], likers))
    bounds = np.searchsorted(likers[order], np.arange(count + 1))
    liked_ids = likes[order, 1]

    profiles = []
    moment = stamp(now)
    for row in range(count):
        if total[row] <= 0 and not (author_maps[row] or bucket_maps[row] or tag_maps[row]):
            continue
        state = TasteState(
            model=model if total[row] > 0 else None,
            vector=vector[row] if total[row] > 0 else None,
            weight=float(total[row]),
            authors=author_maps[row],
            buckets=bucket_maps[row],
            tags=tag_maps[row],
            engaged=liked_ids[bounds[row] : bounds[row + 1]][-MAX_ENGAGED:].tolist(),
            updated_at=moment,
        )
        profile = TasteProfile(account_id=int(users[row]))
        state.write(profile)
        profiles.append((int(users[row]), profile))
    return profiles


def _latest_mean(
    authors: np.ndarray, created: np.ndarray, vectors: np.ndarray, count: int
) -> np.ndarray:
    """Each user's mean vector over their `FOLLOW_SAMPLE` latest posts (zeros if none)."""
    order = np.lexsort((-created, authors))
    sorted_authors = authors[order]
    rank = np.arange(len(order)) - np.searchsorted(sorted_authors, sorted_authors)
    keep = order[rank < FOLLOW_SAMPLE]
    sums = np.zeros((count, vectors.shape[1]), dtype=np.float32)
    np.add.at(sums, authors[keep], vectors[keep].astype(np.float32))
    counts = np.bincount(authors[keep], minlength=count)
    return sums / np.maximum(counts, 1)[:, None]


def _tag_sums(
    dataset: Dataset, owners: np.ndarray, posts: np.ndarray, weights: np.ndarray, count: int
) -> list[dict]:
    """Per owner, #tag → summed weight, each post's weight shared by its first tags (as
    `TasteState.add` does with a signal's tags). `posts` are row numbers of the dataset."""
    names: dict[str, int] = {}
    coded_tags = [
        [names.setdefault(t, len(names)) for t in post_tags(prompt, caption)]
        for prompt, caption in zip(dataset.prompts, dataset.captions, strict=True)
    ]
    sizes = np.array([len(t) for t in coded_tags], dtype=np.int64)
    flat = np.array([code for t in coded_tags for code in t], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    repeat = sizes[posts]
    rows = np.repeat(np.arange(len(posts)), repeat)
    offsets = np.arange(len(rows)) - np.repeat(np.cumsum(repeat) - repeat, repeat)
    keys = flat[starts[posts[rows]] + offsets] if len(rows) else np.zeros(0, dtype=np.int64)
    coded = _sums(owners[rows], keys, weights[rows] / repeat[rows], count)
    by_code = list(names)
    return [{by_code[int(code)]: value for code, value in m.items()} for m in coded]


def _sums(owners: np.ndarray, keys: np.ndarray, weights: np.ndarray, count: int) -> list[dict]:
    """Per owner, key → summed weight (as the str-keyed JSON maps of a taste profile)."""
    codes = owners.astype(np.int64) * (int(keys.max(initial=0)) + 2) + (keys + 1)
    unique, inverse = np.unique(codes, return_inverse=True)
    sums = np.bincount(inverse, weights=weights)
    width = int(keys.max(initial=0)) + 2
    maps: list[dict] = [{} for _ in range(count)]
    for code, value in zip(unique.tolist(), sums.tolist(), strict=True):
        maps[code // width][str(code % width - 1)] = value
    return maps
