"""Posts' quality from "which is better?" votes (/rate), across everyone.

Each vote says that one post was preferred to another. The Bradley–Terry model explains the
votes by one strength s per post: P(a preferred to b) = 1 / (1 + e^(s_b − s_a)). The
strengths are fitted by choix's MM algorithm (Hunter 2004) with a small Dirichlet prior
(`PRIOR`: a post with only wins or only losses gets a finite strength, drawn towards the
average), warm-started from the strengths stored last time, and centred on 0. They are
stored as `Post.quality` (with `Post.quality_votes`); a post without votes stays at 0, the
average.

Who uses it: trending (`hot` adds `QUALITY_WEIGHT` × quality, hot.py) and the pairs /rate
shows (`informative_pair`: a post with few votes beside one of about its quality, where a
vote says most). The refit runs in the scheduler leader's housekeeping, in a worker thread,
never on a request (`QualityRefit`).

Cost: memory O(posts + votes); each MM iteration is one pass over the votes in Python (about
1 µs per vote); the warm start needs a few dozen iterations once most strengths are known.
The votes read are those of the last `VOTE_WINDOW`, at most `MAX_VOTES` (the newest).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import timedelta

import numpy as np

from core.clock import Clock
from core.feed.background_refit import BackgroundRefit
from core.persistence.models import Post, RateVote

log = logging.getLogger(__name__)

# MM's alpha: a pseudo-count added to each post's wins and to its expected wins. It keeps a
# post that only ever won finite, and pulls a post with two votes towards the average more
# than one with fifty.
PRIOR = 0.1
VOTE_WINDOW = timedelta(days=180)  # tastes change: a half-year of votes
MAX_VOTES = 1_000_000
# The pair's partner is drawn from this share of the candidates closest in quality to the
# first post: close enough that the vote is not a foregone conclusion, spread enough that a
# strength wrongly estimated meets posts on both sides of it.
NEAR_SHARE = 0.2
REFIT_EVERY = timedelta(hours=1)


def strengths(
    count: int, votes: Sequence[tuple[int, int]], initial: np.ndarray | None = None
) -> np.ndarray:
    """Bradley–Terry strengths of items 0..count−1 from (winner, loser) pairs, centred on 0
    (an item without votes gets 0)."""
    import choix

    if count == 0:
        return np.zeros(0)
    if not votes:
        return np.zeros(count)
    start = None if initial is None else np.asarray(initial, dtype=float) - np.mean(initial)
    fitted = choix.mm_pairwise(
        count, list(votes), initial_params=start, alpha=PRIOR, tol=1e-6 * count, max_iter=5000
    )
    voted = np.zeros(count, dtype=bool)
    for winner, loser in votes:
        voted[winner] = voted[loser] = True
    fitted = fitted - fitted[voted].mean()
    return np.where(voted, fitted, 0.0)


def informative_pair(
    quality: np.ndarray, votes: np.ndarray, rng: np.random.Generator
) -> tuple[int, int] | None:
    """Two of the candidates (indexes into `quality` and `votes`, their current strengths
    and vote counts): one of those with the fewest votes, and one drawn from the
    `NEAR_SHARE` closest to it in quality. None with fewer than two candidates."""
    if len(quality) < 2:
        return None
    fewest = np.flatnonzero(votes == votes.min())
    first = int(rng.choice(fewest))
    gap = np.abs(quality - quality[first])
    gap[first] = np.inf
    near = max(1, round(NEAR_SHARE * (len(quality) - 1)))
    closest = np.argsort(gap, kind="stable")[:near]
    return first, int(rng.choice(closest))


class QualityRefit(BackgroundRefit):
    """The housekeeping's refit of `Post.quality` from the votes (see the module); the first
    at the first tick. A failed one leaves the stored qualities."""

    what = "quality refit"

    def __init__(self, clock: Clock, *, every: timedelta = REFIT_EVERY) -> None:
        super().__init__(clock, every, first_at_start=True)

    async def refit(self) -> int:
        """Fit the strengths from the window's votes and store those that changed, moving
        each changed post's `hot` by the change (hot.py); how many posts were rated."""
        from core.feed.hot import QUALITY_WEIGHT

        since = self._clock.now() - VOTE_WINDOW
        rows = (
            await RateVote.filter(created_at__gte=since)
            .order_by("-id")
            .limit(MAX_VOTES)
            .values_list("winner_id", "loser_id")
        )
        if not rows:
            return 0
        ids = sorted({post for row in rows for post in row})
        index = {post: i for i, post in enumerate(ids)}
        stored = dict(await Post.filter(id__in=ids).values_list("id", "quality"))
        initial = np.array([stored.get(post, 0.0) or 0.0 for post in ids])
        pairs = [(index[w], index[lo]) for w, lo in rows]
        fitted = await asyncio.to_thread(strengths, len(ids), pairs, initial)
        counts = np.zeros(len(ids), dtype=np.int64)
        for winner, loser in pairs:
            counts[winner] += 1
            counts[loser] += 1
        rows_to_write = [
            [new, votes, QUALITY_WEIGHT, new, post]
            for post, new, votes in zip(ids, fitted.tolist(), counts.tolist(), strict=True)
            if post in stored  # not deleted since
        ]
        await _store(rows_to_write)
        changed = sum(abs(row[0] - (stored[row[4]] or 0.0)) > 1e-9 for row in rows_to_write)
        log.info("quality from %d votes: %d posts, %d changed", len(rows), len(ids), changed)
        return len(ids)


async def _store(rows: list[list[float | int]]) -> None:
    """[quality, votes, weight, quality, post id] per post, in one statement run for each:
    `hot` moves by the change of quality as it stands in the row, so a like's `refresh_hot`
    in between (which computes from the quality it reads) is never counted twice."""
    db = Post._meta.db
    postgres = db.capabilities.dialect == "postgres"
    marks = [f"${i}" for i in range(1, 6)] if postgres else ["?"] * 5
    sql = (
        f"UPDATE post SET quality = {marks[0]}, quality_votes = {marks[1]}, "
        f"hot = hot + {marks[2]} * ({marks[3]} - quality) WHERE id = {marks[4]}"
    )
    if rows:
        await db.execute_many(sql, rows)
