"""Impressions: what each surface showed to whom, and what came of it.

Every surface that shows posts records one `Impression` row per post shown: the feed's pages,
digests, `/suggest`, `/trending`, `/search`, `/tag` and cross-posts (to a channel, not a
person). A row holds the viewer, the post, the surface, the position (1 = first), the
candidate sources that brought it (a bit each, `SOURCES`), the score's feature values
(`PARTS`, packed as float16: 24 bytes), the ranker version that served it, and the time.

Outcomes are joined to the impression that led to them: a like, comment, remix, 🔎 open or
unlike of a post sets a bit on the viewer's latest impression of that post (`Outcome`);
following someone sets it on the latest impression of one of their posts. The fitted ranker
(`fitting.py`) learns from these rows; housekeeping deletes rows older than
`IMPRESSION_RETENTION`.

A page writes its impressions in one multi-row INSERT, side by side with its other last
queries, so recording costs no round trip of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum, IntFlag

import numpy as np

from core.clock import Clock
from core.feed.features import SOURCES
from core.feed.scoring import PARTS
from core.persistence.models import Impression

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


class Outcome(IntFlag):
    LIKE = 1
    COMMENT = 2
    REMIX = 4
    OPEN = 8  # 🔎 on a digest or cross-post
    FOLLOW = 16  # followed the author
    UNLIKE = 32


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


_COLUMNS = ("viewer_id", "place_id", "post_id", "surface", "position", "sources", "parts")
_COLUMNS += ("model", "shown_at", "outcome")


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
        return await self._mark(viewer_id, "post_id = {post}", post_id, outcome)

    async def followed(self, viewer_id: int, author_id: int) -> bool:
        """Mark the viewer's latest impression of a post by `author_id` with `FOLLOW`."""
        where = "post_id IN (SELECT id FROM post WHERE author_id = {post})"
        return await self._mark(viewer_id, where, author_id, Outcome.FOLLOW)

    async def _mark(self, viewer_id: int, where: str, key: int, outcome: Outcome) -> bool:
        db = Impression._meta.db
        postgres = db.capabilities.dialect == "postgres"
        now = self._clock.now()
        values: list[object] = []

        def param(value: object) -> str:
            values.append(value)
            return f"${len(values)}" if postgres else "?"

        bit, at = param(int(outcome)), param(now)
        latest = (
            f"SELECT id FROM impression WHERE viewer_id = {param(viewer_id)} "
            f"AND {where.format(post=param(key))} AND shown_at >= {param(now - OUTCOME_WINDOW)} "
            f"AND surface <> {int(Surface.LIKED)} "  # a like sample was not shown
            "ORDER BY shown_at DESC, id DESC LIMIT 1"
        )
        sql = f"UPDATE impression SET outcome = outcome | {bit}, outcome_at = {at} "
        sql += f"WHERE id = (SELECT id FROM ({latest}) AS latest)"
        changed, _ = await db.execute_query(sql, values)
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
                "outcomes": [o.name.lower() for o in Outcome if row["outcome"] & o],
            }
            for row in rows
        ]

    async def clean(self) -> int:
        """Delete impressions older than `IMPRESSION_RETENTION`; how many went."""
        return await Impression.filter(
            shown_at__lt=self._clock.now() - IMPRESSION_RETENTION
        ).delete()


async def _insert(rows: Sequence[tuple[object, ...]], *, counts_as_shown: bool = True) -> None:
    """Rows of `_COLUMNS` in one multi-row INSERT, and (`counts_as_shown`) the posts' `shown`
    counts (what exploration weighs likes against) in one UPDATE; nothing when empty."""
    if not rows:
        return
    db = Impression._meta.db
    postgres = db.capabilities.dialect == "postgres"
    values: list[object] = []
    groups = []
    for row in rows:
        start = len(values)
        values += row
        marks = (f"${start + i + 1}" if postgres else "?" for i in range(len(row)))
        groups.append(f"({', '.join(marks)})")
    sql = f"INSERT INTO impression ({', '.join(_COLUMNS)}) VALUES {', '.join(groups)}"
    await db.execute_query(sql, values)
    if not counts_as_shown:
        return
    posts = sorted({int(row[2]) for row in rows})  # type: ignore[call-overload]
    marks = ", ".join(f"${i}" if postgres else "?" for i in range(1, len(posts) + 1))
    await db.execute_query(f"UPDATE post SET shown = shown + 1 WHERE id IN ({marks})", posts)
