"""How crowded a #tag is: the posts that carried it lately, weighted by how recent they are.

Each post made counts once for each of its tags (`post_tags`) on its UTC day (`TagDay`, one
atomic upsert per tag). Read back for a few tags, the days become one number per tag: the
decayed count Σ e^(−age / `ATTENTION_TIMESCALE`) over its posts, as if each day's posts were
spread evenly over the day (so far, for today). A tag with 20 posts a day reads as ~40: the
posts that compete with each other for the attention of the people who like the tag.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from pypika_tortoise import Query, Table
from tortoise.backends.base.client import BaseDBAsyncClient

from core.clock import Clock
from core.feed.scoring import ATTENTION_TIMESCALE
from core.feed.terms import post_tags
from core.persistence.models import Post, TagDay
from core.persistence.statements import Slot, Written, literal, value, write

DAYS_READ = 7  # older days weigh under e^(−3): left out
DAYS_KEPT = 14  # housekeeping deletes older days
_DAY = timedelta(days=1)


async def count_post(post: Post) -> None:
    """Count a new post on its day for each of its tags (in the caller's transaction)."""
    tags = post_tags(post.prompt, post.caption)
    if not tags:
        return
    db, postgres = _database()
    day = post.created_at.astimezone(UTC).date()
    counting = _counting(db.query_class, len(tags))  # type: ignore[arg-type]
    bound = {_DAY_SLOT: day if postgres else day.isoformat()}
    bound |= {Slot("tag", i): tag for i, tag in enumerate(tags)}
    await db.execute_query(counting.sql, counting.bind(bound))


async def volumes(tags: Collection[str], now: datetime) -> dict[str, float]:
    """The decayed post count of each tag (tags without posts lately are left out). Written
    once per number of tags: the ORM took longer to write this query than the database to
    answer it."""
    db, postgres = _database()
    since = (now - timedelta(days=DAYS_READ)).astimezone(UTC).date()
    reading = _reading(db.query_class, len(tags))  # type: ignore[arg-type]
    bound: dict[Slot, object] = {_DAY_SLOT: since if postgres else since.isoformat()}
    bound |= {Slot("tag", i): tag for i, tag in enumerate(tags)}
    _, rows = await db.execute_query(reading.sql, reading.bind(bound))
    return decayed(((r["tag"], _date(r["day"]), r["posts"]) for r in rows), now)


_TAG_DAY = Table("tag_day")
_DAY_SLOT = Slot("day")


@lru_cache(maxsize=32)
def _counting(query_class: type[Query], tags: int) -> Written:
    """INSERT INTO tag_day (tag, day, posts) VALUES (<tag>, <day>, 1), … ON CONFLICT (tag,
    day) DO UPDATE SET posts = tag_day.posts + 1: one atomic upsert for all the tags."""
    rows = [(value(Slot("tag", i)), value(_DAY_SLOT), literal(1)) for i in range(tags)]
    statement = (
        query_class.into(_TAG_DAY)
        .columns("tag", "day", "posts")
        .insert(*rows)
        .on_conflict("tag", "day")
        .do_update("posts", _TAG_DAY.posts + literal(1))
    )
    return write(query_class, statement)


@lru_cache(maxsize=32)
def _reading(query_class: type[Query], tags: int) -> Written:
    """The days since <day> of the tags (with none, `tag IN (NULL)`: no rows)."""
    wanted = [value(Slot("tag", i)) for i in range(tags)] or [value(None)]
    statement = (
        query_class.from_(_TAG_DAY)
        .select(_TAG_DAY.tag, _TAG_DAY.day, _TAG_DAY.posts)
        .where(_TAG_DAY.tag.isin(wanted))
        .where(_TAG_DAY.day >= value(_DAY_SLOT))
    )
    return write(query_class, statement)


def _database() -> tuple[BaseDBAsyncClient, bool]:
    db = TagDay._meta.db
    return db, db.capabilities.dialect == "postgres"


def _date(value: date | str) -> date:
    """A day as PostgreSQL (date) or SQLite (ISO text) returns it."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def decayed(rows: Iterable[tuple[str, date, int]], now: datetime) -> dict[str, float]:
    """Σ over (tag, day, posts) rows of posts × the mean of e^(−age / ATTENTION_TIMESCALE)
    over the day (over its part until `now`, for today; days ahead of `now` count nothing)."""
    found: dict[str, float] = {}
    weights: dict[date, float] = {}  # a week of days for dozens of tags: each day once
    for tag, day, posts in rows:
        weight = weights.get(day)
        if weight is None:
            weight = weights[day] = _day_weight(day, now)
        if weight:
            found[tag] = found.get(tag, 0.0) + posts * weight
    return found


def _day_weight(day: date, now: datetime) -> float:
    """The mean of e^(−age / ATTENTION_TIMESCALE) over `day`, or its part until `now`."""
    scale = ATTENTION_TIMESCALE.total_seconds()
    begun = (now - datetime.combine(day, time(), tzinfo=UTC)).total_seconds()  # its start's age
    if begun <= 0:
        return 0.0
    span = min(begun, _DAY.total_seconds())  # of the day, the part until now
    newest = begun - span  # age of its last moment (0 for today)
    return scale / span * (math.exp(-newest / scale) - math.exp(-begun / scale))


class TagDayRetention:
    """Keeps `DAYS_KEPT` days of counts (older ones are never read: `DAYS_READ`)."""

    def __init__(self, clock: Clock, keep: timedelta = timedelta(days=DAYS_KEPT)) -> None:
        self._clock = clock
        self.keep = keep

    async def clean(self) -> int:
        """Delete the counts of days before the kept ones; how many rows went."""
        first_kept = (self._clock.now() - self.keep).astimezone(UTC).date()
        return await TagDay.filter(day__lt=first_kept).delete()
