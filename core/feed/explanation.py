"""`/why`: the score of one post for one viewer, part by part, as the feed would rank it now.

The post is scored together with the viewer's candidates (`FeedRanking.score(also=…)`):
some parts measure a post against the others, so it gets the score the feed would give it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from core.errors import NotFound
from core.feed.ranking import FeedRanking
from core.feed.scoring import Breakdown, Weights
from core.feed.sessions import position, seen_counts
from core.persistence.models import Account, FeedSession, Post, TasteProfile


@dataclass(frozen=True, slots=True)
class Explanation:
    post: Post
    breakdown: Breakdown
    weights: Weights
    model: int  # the ranker version whose weights these are (0: the hand-set prior)
    followed: bool
    own: bool
    position: tuple[int, int] | None  # (page, place) in the viewer's current feed session


async def explain(ranking: FeedRanking, viewer: Account, post: Post) -> Explanation:
    """The score of `post` (already checked visible) for the viewer, with the weights that
    gave it and where the viewer's current session showed it."""
    profile, session = await asyncio.gather(
        TasteProfile.get_or_none(account_id=viewer.id),
        FeedSession.get_or_none(account_id=viewer.id),
    )
    seen = seen_counts(session) if session else {}
    scored = await ranking.score(viewer, profile, seen=seen, also=post.id)
    breakdown = next((b for b in scored.breakdowns if b.post_id == post.id), None)
    if breakdown is None:
        raise NotFound("error.unknown_post", post=post.id)
    return Explanation(
        post=post,
        breakdown=breakdown,
        weights=ranking.weights,
        model=ranking.model_version,
        followed=post.author_id in scored.followees,
        own=post.author_id == viewer.id,
        position=position(session, post.id),
    )
