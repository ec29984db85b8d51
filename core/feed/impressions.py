"""Impressions: what each surface showed to whom, and what came of it.

Every surface that shows posts records one `Impression` row per post shown: the feed's pages,
digests, `/suggest`, `/trending`, `/search`, `/tag` and cross-posts (to a channel, not a
person). A row holds the viewer, the post, the surface, the position (1 = first), the
candidate sources that brought it (a bit each, `SOURCES`), the score's feature values
(`PARTS`, packed as float16: 2 bytes each), the ranker version that served it, and the time.

Outcomes are joined to the impression that led to them: a like, comment, remix, 🔎 open or
unlike of a post sets a bit on the viewer's latest impression of that post (`Outcome`);
following someone sets it on the latest impression of one of their posts. The fitted ranker
(`fitting.py`) learns from these rows; housekeeping deletes rows older than
`IMPRESSION_RETENTION`.

A page writes its impressions in one multi-row INSERT, side by side with its other last
queries, so recording costs no round trip of its own.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum, IntFlag
from functools import lru_cache

import numpy as np
from pypika_tortoise import Order, Query, Table
from pypika_tortoise.terms import Criterion
from tortoise.transactions import in_transaction

from core.clock import Clock
from core.feed.features import SOURCES
from core.feed.scoring import PARTS
from core.persistence.database import connection_name
from core.persistence.lazy_commits import LAZY_FROM, commits_lazily, lazy_transaction
from core.persistence.models import Impression
from core.persistence.statements import BitwiseOr, Slot, Written, literal, value, write

# The fit reads the last `FIT_WINDOW` (fitting.py); a second window is kept so that a change
# of the window does not start from nothing, and a person's export shows two months.
IMPRESSION_RETENTION = timedelta(days=56)
# An outcome joins the latest impression of the post at most this old: a like a month after a
# digest showed the post owes little to that digest.
OUTCOME_WINDOW = timedelta(days=7)


class Surface(IntEnum):
    FEED = 1
    DIGEST = 2
    SUGGEST = 3
    TRENDING = 4
    SEARCH = 5
    TAG = 6
    CROSSPOST = 7
    LIKED = 8  # not shown: a like's candidates as ranked just before it (like_samples.py)
    RATE = 9  # /rate's two posts side by side (rating.py)


class Outcome(IntFlag):
    LIKE = 1
    COMMENT = 2
    REMIX = 4
    OPEN = 8  # 🔎 on a digest or cross-post
    FOLLOW = 16  # followed the author
    UNLIKE = 32
    CHOSEN = 64  # picked in /rate over the post shown beside it


def source_names(bits: int) -> list[str]:
    return [name for index, name in enumerate(SOURCES) if bits >> index & 1]


def pack(values: Sequence[float]) -> bytes:
    """The feature values of `PARTS`, in that order, as float16 bytes."""
    return np.asarray(values, dtype=np.float16).tobytes()


def unpack(blob: bytes | None) -> np.ndarray:
    """`pack` undone (zeros for a row without values, or from an older list of parts)."""
    values = np.frombuffer(blob, dtype=np.float16) if blob else np.zeros(0, np.float16)
    out = np.zeros(len(PARTS), dtype=np.float32)
    out[: min(len(values), len(PARTS))] = values[: len(PARTS)]
    return out


@dataclass(frozen=True, slots=True)
class Shown:
    post_id: int
    position: int
    sources: int = 0
    parts: bytes | None = None
    outcome: int = 0  # known when recorded (a like sample's liked post), else joined later


_COLUMNS: tuple[str, ...] = ("viewer_id", "place_id", "post_id", "surface", "position")
_COLUMNS += ("sources", "parts", "model", "shown_at", "outcome")
# one row of `_COLUMNS`
_Row = tuple[int | None, int | None, int, int, int, int, bytes | None, int, datetime, int]


class ImpressionLog:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    async def record(
        self,
        surface: Surface,
        shown: Sequence[Shown],
        *,
        viewer_id: int | None = None,
        place_id: int | None = None,
        model: int = 0,
        at: datetime | None = None,
        counts_as_shown: bool = True,
    ) -> None:
        """One INSERT for all of `shown` (nothing when empty); `counts_as_shown=False` for
        rows of what was not shown (like samples: no `Post.shown` count)."""
        when = at or self._clock.now()
        await _insert(
            [
                (
                    viewer_id,
                    place_id,
                    item.post_id,
                    int(surface),
                    item.position,
                    item.sources,
                    item.parts,
                    model,
                    when,
                    item.outcome,
                )
                for item in shown
            ],
            counts_as_shown=counts_as_shown,
        )

    async def to_places(self, surface: Surface, post_id: int, place_ids: Sequence[int]) -> None:
        """One post shown first, alone, in each of several places (cross-posts)."""
        when = self._clock.now()
        await _insert(
            [(None, place, post_id, int(surface), 1, 0, None, 0, when, 0) for place in place_ids]
        )

    async def posts(
        self,
        surface: Surface,
        post_ids: Sequence[int],
        *,
        viewer_id: int | None = None,
        place_id: int | None = None,
    ) -> None:
        """Posts shown in this order by a surface that does not rank by the feed's parts."""
        shown = [Shown(post_id, position) for position, post_id in enumerate(post_ids, 1)]
        await self.record(surface, shown, viewer_id=viewer_id, place_id=place_id)

    async def forget(self, viewer_id: int, surface: Surface, at: datetime) -> None:
        """Impressions recorded at `at` that were not shown after all (a page whose session
        another process saved first)."""
        await Impression.filter(viewer_id=viewer_id, surface=int(surface), shown_at=at).delete()

    async def outcome(self, viewer_id: int, post_id: int, outcome: Outcome) -> bool:
        """Mark the viewer's latest impression of the post (within `OUTCOME_WINDOW`) with
        `outcome`; False when nothing showed it to them lately."""
        return await self._mark(viewer_id, post_id, outcome, by_author=False)

    async def followed(self, viewer_id: int, author_id: int) -> bool:
        """Mark the viewer's latest impression of a post by `author_id` with `FOLLOW`."""
        return await self._mark(viewer_id, author_id, Outcome.FOLLOW, by_author=True)

    async def join_sample(self, viewer_id: int, post_id: int, since: datetime) -> bool:
        """Mark the post's row of the viewer's latest like sample since `since` as liked
        (like_samples.py: a like that joins a recent sample); False when no such sample
        ranked the post."""
        return await self._mark(viewer_id, post_id, Outcome.LIKE, by_author=False, sample=since)

    async def _mark(
        self,
        viewer_id: int,
        key: int,
        outcome: Outcome,
        *,
        by_author: bool,
        sample: datetime | None = None,
    ) -> bool:
        """`key`: the post, or (`by_author`) the author of the posts. `sample`: the like
        samples recorded since then, instead of what was shown within `OUTCOME_WINDOW`."""
        db = Impression._meta.db
        now = self._clock.now()
        bound = {_BIT: int(outcome), _AT: now, _VIEWER: viewer_id, _KEY: key}
        bound[_SINCE] = now - OUTCOME_WINDOW if sample is None else sample
        written = _marking(db.query_class, by_author, sample is not None)  # type: ignore[arg-type]
        changed, _ = await db.execute_query(written.sql, written.bind(bound))
        return bool(changed)

    async def of_account(self, account_id: int) -> list[dict[str, object]]:
        """A person's impressions for their export, oldest first."""
        rows = (
            await Impression.filter(viewer_id=account_id)
            .order_by("id")
            .values("post_id", "surface", "position", "sources", "model", "shown_at", "outcome")
        )
        return [
            {
                "post": row["post_id"],
                "surface": Surface(row["surface"]).name.lower(),
                "position": row["position"],
                "sources": source_names(row["sources"]),
                "model": row["model"],
                "shown_at": row["shown_at"].isoformat(),
                "outcomes": [
                    name.lower() for name, o in Outcome.__members__.items() if row["outcome"] & o
                ],
            }
            for row in rows
        ]

    async def clean(self) -> int:
        """Delete impressions older than `IMPRESSION_RETENTION`; how many went."""
        return await Impression.filter(
            shown_at__lt=self._clock.now() - IMPRESSION_RETENTION
        ).delete()


async def _insert(rows: Sequence[_Row], *, counts_as_shown: bool = True) -> None:
    """Rows of `_COLUMNS` in one multi-row INSERT, and (`counts_as_shown`) the posts' `shown`
    counts (what exploration weighs likes against) in one UPDATE; nothing when empty. On
    PostgreSQL both in one lazy transaction (`lazy_commits`): what a surface showed is worth
    no wait for the disk (two flushed commits were most of a feed page's writes)."""
    if not rows:
        return
    db = Impression._meta.db
    inserting = _inserting(db.query_class, len(rows))  # type: ignore[arg-type]
    cells = list(itertools.chain.from_iterable(rows))  # `_inserting`'s slots, in their order
    posts = sorted({row[2] for row in rows})
    if db.capabilities.dialect == "postgres":
        name = connection_name("postgres://")
        if not counts_as_shown:
            async with lazy_transaction(name) as writing:
                await writing.execute_query(inserting.sql, cells)
            return
        # The first statement makes the commit lazy itself (`LAZY_FROM`) when no transaction
        # is open around: BEGIN, two statements, COMMIT; inside one, a savepoint as before.
        lazy = commits_lazily(name)
        async with in_transaction(name) as writing:
            # The rows inserted and the posts locked in id order in one statement (one round
            # trip), then counted in a second statement, whose new snapshot sees the versions
            # this transaction locked (one statement that did both still deadlocked: its
            # UPDATE met older versions of rows it had locked).
            locking = _inserting_and_locking(inserting.sql, len(cells), len(posts), lazy)
            await writing.execute_query(locking, [*cells, *posts])
            await writing.execute_query(_counting_shown_postgres(len(posts)), posts)
        return
    await db.execute_query(inserting.sql, cells)
    if not counts_as_shown:
        return
    counting = _counting_shown(db.query_class, len(posts))  # type: ignore[arg-type]
    shown = {Slot("post", i): post for i, post in enumerate(posts)}
    await db.execute_query(counting.sql, counting.bind(shown))


_IMPRESSION, _POST = Table("impression"), Table("post")
_BIT, _AT, _VIEWER, _KEY, _SINCE = (Slot(name) for name in ("bit", "at", "viewer", "key", "since"))


@lru_cache(maxsize=8)
def _marking(query_class: type[Query], by_author: bool, samples: bool = False) -> Written:
    """UPDATE impression SET outcome = outcome | <bit>, outcome_at = <at> WHERE id = (the
    viewer's latest impression, within the window, of the post, or of a post by the author;
    `samples`: of the like samples' rows only, else of everything but them)."""
    impression = _IMPRESSION
    of_key: Criterion
    if by_author:
        of_key = impression.post_id.isin(
            query_class.from_(_POST).select(_POST.id).where(_POST.author_id == value(_KEY))
        )
    else:
        of_key = impression.post_id == value(_KEY)
    latest = (
        query_class.from_(impression)
        .select(impression.id)
        .where(impression.viewer_id == value(_VIEWER))
        .where(of_key)
        .where(impression.shown_at >= value(_SINCE))
        .where(
            impression.surface == int(Surface.LIKED)
            if samples
            else impression.surface != int(Surface.LIKED)  # a like sample was not shown
        )
        .orderby(impression.shown_at, order=Order.desc)
        .orderby(impression.id, order=Order.desc)
        .limit(literal(1))
        .as_("latest")
    )
    statement = (
        query_class.update(impression)
        .set(impression.outcome, BitwiseOr(impression.outcome, value(_BIT)))
        .set(impression.outcome_at, value(_AT))
        .where(impression.id == query_class.from_(latest).select(latest.id))
    )
    return write(query_class, statement)


@lru_cache(maxsize=64)
def _inserting_and_locking(inserting: str, cells: int, posts: int, lazy: bool = False) -> str:
    """PostgreSQL: `inserting` (the impressions, parameters $1…$cells) as a data-modifying
    WITH, which runs whatever selects from it, and the posts whose `shown` counts a page bumps
    (the parameters after) locked in id order. A plain `UPDATE … WHERE id IN (…)` locks rows
    in the order of its plan (an index scan: by id; a bitmap or sequential scan: where the
    rows lie, and updated rows move), so two pages shown at once, with overlapping posts,
    could each hold a row the other waits for: a deadlock (seen under concurrent /feed
    show). The insert's foreign keys take KEY SHARE locks, which NO KEY UPDATE does not wait
    for. SQLite has one writer at a time. `lazy`: the statement also makes its transaction's
    commit lazy (`LAZY_FROM`)."""
    lazily = f", {LAZY_FROM}" if lazy else ""
    return (
        f'WITH "logged" AS ({inserting}) SELECT "post"."id" FROM "post"{lazily} '
        f'WHERE "post"."id" IN ({_marks(posts, after=cells)}) ORDER BY "post"."id" '
        'FOR NO KEY UPDATE OF "post"'
    )


@lru_cache(maxsize=64)
def _counting_shown_postgres(posts: int) -> str:
    return f'UPDATE "post" SET "shown" = "shown" + 1 WHERE "id" IN ({_marks(posts)})'


def _marks(count: int, *, after: int = 0) -> str:
    return ", ".join(f"${n}" for n in range(after + 1, after + count + 1))


@lru_cache(maxsize=64)
def _inserting(query_class: type[Query], rows: int) -> Written:
    """The multi-row INSERT; its values are the rows' cells in order and nothing else, so a
    request passes its rows flattened (binding ~200 slots by name cost a page ~0.5 ms)."""
    cells = iter(range(rows * len(_COLUMNS)))
    statement = (
        query_class.into(_IMPRESSION)
        .columns(*_COLUMNS)
        .insert(*[[value(Slot("cell", next(cells))) for _ in _COLUMNS] for _ in range(rows)])
    )
    written = write(query_class, statement)
    if written.values != tuple(Slot("cell", i) for i in range(rows * len(_COLUMNS))):
        raise RuntimeError("the impressions' INSERT takes its values out of order")
    return written


@lru_cache(maxsize=64)
def _counting_shown(query_class: type[Query], posts: int) -> Written:
    statement = (
        query_class.update(_POST)
        .set(_POST.shown, _POST.shown + literal(1))
        .where(_POST.id.isin([value(Slot("post", i)) for i in range(posts)]))
    )
    return write(query_class, statement)
