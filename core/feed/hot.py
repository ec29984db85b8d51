"""Engagement with time decay, as one number per post that an index can sort by.

    hot = ln(1 + likes + 2·comments + 3·remixes) + (created_at − EPOCH) / HOT_TIMESCALE
          + QUALITY_WEIGHT × quality

Sorting by `hot` is sorting by engagement × e^(−age / HOT_TIMESCALE) at any moment, because
"now" is the same for every post and drops out of the comparison. So the number only changes
when engagement does (on each like, comment or remix, next to the counters), never with the
clock, and "trending" is an index scan. The database computes it (`hot_sql`) in the
statement that changes the counters, so the post's row is written once per like, under one
lock, from the counts that statement leaves. `quality` is the post's strength from /rate votes
(quality.py; 0 without votes): a post people prefer in pairs trends as if it had
e^(QUALITY_WEIGHT × quality) times the engagement.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TypeVar

import numpy as np

from core.persistence.models import Post

Count = TypeVar("Count", int, np.ndarray)

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
HOT_TIMESCALE = timedelta(hours=24)  # a day older needs e (≈2.7) times the engagement
# A post preferred 3:1 in pairs (quality ln 3 ≈ 1.1 above another) trends like one with
# e^0.55 ≈ 1.7 times the engagement: votes refine what likes say, they don't replace it.
QUALITY_WEIGHT = 0.5


# What one like, comment and remix weigh in a post's engagement (`engagement`, `hot_sql`):
# a comment or a remix takes more of a person than a like does.
LIKE_WEIGHT, COMMENT_WEIGHT, REMIX_WEIGHT = 1, 2, 3


def engagement(likes: Count, comments: Count, remixes: Count) -> Count:
    """Likes + 2·comments + 3·remixes, of one post or (numpy arrays) of many."""
    return (
        LIKE_WEIGHT * np.maximum(likes, 0)
        + COMMENT_WEIGHT * np.maximum(comments, 0)
        + REMIX_WEIGHT * np.maximum(remixes, 0)
    )


def hot_score(
    likes: int, comments: int, remixes: int, created_at: datetime, quality: float = 0.0
) -> float:
    age_units = (created_at - EPOCH) / HOT_TIMESCALE
    return math.log1p(engagement(likes, comments, remixes)) + age_units + QUALITY_WEIGHT * quality


# `EPOCH` as a Julian day number (SQLite's `julianday`; day 2440587.5 began the Unix epoch)
EPOCH_JULIAN_DAY = EPOCH.timestamp() / 86400.0 + 2440587.5
_TIMESCALE_SECONDS = HOT_TIMESCALE.total_seconds()


def hot_sql(dialect: str, likes: str, comments: str, remixes: str = '"remix_count"') -> str:
    """`hot_score` as an SQL expression over a post row, in `dialect` ("postgres" or
    "sqlite"); `likes`, `comments`, `remixes`: the expressions of the counts to use (the new
    ones, in the UPDATE that changes them). Tested equal to `hot_score` on both."""
    if dialect == "postgres":
        age = f'(EXTRACT(EPOCH FROM "created_at")::float8 - {EPOCH.timestamp()!r})'
        most = "GREATEST"
    else:
        age = f'((julianday("created_at") - {EPOCH_JULIAN_DAY!r}) * 86400.0)'
        most = "MAX"
    count = (
        f"{LIKE_WEIGHT} * {most}({likes}, 0) + {COMMENT_WEIGHT} * {most}({comments}, 0)"
        f" + {REMIX_WEIGHT} * {most}({remixes}, 0)"
    )
    return (
        f"ln(1.0 + {count}) + {age} / {_TIMESCALE_SECONDS!r}"
        f' + {QUALITY_WEIGHT!r} * COALESCE("quality", 0.0)'
    )


@lru_cache(maxsize=4)
def _refreshing(dialect: str) -> str:
    mark = "$1" if dialect == "postgres" else "?"
    hot = hot_sql(dialect, '"like_count"', '"comment_count"')
    return f'UPDATE "post" SET "hot" = {hot} WHERE "id" = {mark}'


async def refresh_hot(post_id: int) -> None:
    """Recompute a post's `hot` from its counters (call after changing them, in the same
    transaction: one UPDATE, computed from the row it locks, so the last writer computes from
    the final counts)."""
    db = Post._meta.db
    await db.execute_query(_refreshing(db.capabilities.dialect), [post_id])
