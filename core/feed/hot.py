"""Engagement with time decay, as one number per post that an index can sort by.

    hot = ln(1 + likes + 2·comments + 3·remixes) + (created_at − EPOCH) / HOT_TIMESCALE
          + QUALITY_WEIGHT × quality

Sorting by `hot` is sorting by engagement × e^(−age / HOT_TIMESCALE) at any moment, because
"now" is the same for every post and drops out of the comparison. So the number only changes
when engagement does (on each like, comment or remix, next to the counters), never with the
clock, and "trending" is an index scan. `quality` is the post's strength from /rate votes
(quality.py; 0 without votes): a post people prefer in pairs trends as if it had
e^(QUALITY_WEIGHT × quality) times the engagement.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import numpy as np

from core.persistence.models import Post

Count = TypeVar("Count", int, np.ndarray)

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
HOT_TIMESCALE = timedelta(hours=24)  # a day older needs e (≈2.7) times the engagement
# A post preferred 3:1 in pairs (quality ln 3 ≈ 1.1 above another) trends like one with
# e^0.55 ≈ 1.7 times the engagement: votes refine what likes say, they don't replace it.
QUALITY_WEIGHT = 0.5


def engagement(likes: Count, comments: Count, remixes: Count) -> Count:
    """Likes + 2·comments + 3·remixes, of one post or (numpy arrays) of many."""
    return np.maximum(likes, 0) + 2 * np.maximum(comments, 0) + 3 * np.maximum(remixes, 0)


def hot_score(
    likes: int, comments: int, remixes: int, created_at: datetime, quality: float = 0.0
) -> float:
    age_units = (created_at - EPOCH) / HOT_TIMESCALE
    return math.log1p(engagement(likes, comments, remixes)) + age_units + QUALITY_WEIGHT * quality


async def refresh_hot(post_id: int) -> None:
    """Recompute a post's `hot` from its counters (call after changing them, in the same
    transaction: on PostgreSQL the counter UPDATE holds the row lock, so the last writer
    computes from the final counts)."""
    row = (
        await Post.filter(id=post_id)
        .first()
        .values("like_count", "comment_count", "remix_count", "created_at", "quality")
    )
    if row is None:
        return
    counts = row["like_count"], row["comment_count"], row["remix_count"]
    hot = hot_score(*counts, row["created_at"], row["quality"] or 0.0)
    await Post.filter(id=post_id).update(hot=hot)
