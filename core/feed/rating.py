"""/rate, "which is better?": two posts side by side, the person picks one (or skips).

**The pair.** From the person's own ranking (the feed's `rank`: what they may see, by their
taste), their `POOL` best posts that are not theirs, those they did not rate in the last
`RATED_RECENTLY` first; among those, `quality.informative_pair`: one with the fewest votes
and one close to it in quality, where a vote tells most (never a pair they voted on lately).
Hidden, deleted and blocked posts never are candidates (`visible_to`); sensitive ones only
where the place allows them (`safe`).

**Showing it** records the two as impressions of the surface `Surface.RATE` (positions 1 and
2, with the score's parts for this person, one group: the same viewer and moment), so the
fitted ranker (fitting.py) reads a vote as it reads a page with a like: the chosen post was
preferred to the one ranked with it.

**A vote** counts only for a pair /rate showed this person in the last `VOTE_WINDOW`, once:
it stores a `RateVote` (quality.py fits every post's strength from them), marks the chosen
post's impression with `Outcome.CHOSEN`, and moves the person's taste towards the chosen
post (`TasteKeeper.preferred`), all in one unit of work. At most `VOTES_PER_HOUR` votes per
person count.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.clock import Clock
from core.errors import Conflict, LimitExceeded, NotFound
from core.feed.features import source_bits
from core.feed.impressions import ImpressionLog, Outcome, Shown, Surface, pack
from core.feed.quality import informative_pair
from core.feed.scoring import PARTS
from core.images import ImageStore
from core.persistence.models import Account, Impression, Post, RateVote
from core.persistence.unit_of_work import TortoiseUnitOfWork, UnitOfWorkFactory
from core.social.gallery import thumbnail_or_blank

if TYPE_CHECKING:
    from core.feed.personal import PersonalizedFeed
    from core.feed.ranking import RankedPost

# How many of the person's best-ranked posts a pair is drawn from: two feed pages, so the
# pair is "from their taste", yet wide enough for two posts close in quality.
POOL = 40
RATED_RECENTLY = timedelta(days=7)  # posts rated lately come after the others; a pair …
DRAWS = 8  # … voted on lately is not shown again: drawn anew up to this many times
VOTE_WINDOW = timedelta(hours=24)  # a pair shown longer ago than this can no longer be voted
VOTES_PER_HOUR = 120  # one every 30 s on average: more is a script, not a person looking
PICTURE_KEEP = timedelta(hours=1)  # pictures of pairs are sent at once: then they can go


@dataclass(frozen=True, slots=True)
class RatePair:
    a: Post
    b: Post


class Rating:
    def __init__(
        self,
        feed: PersonalizedFeed,
        clock: Clock,
        impressions: ImpressionLog,
        preferred: Callable[[Account, Post, Post], Awaitable[None]] | None = None,
        *,
        images: ImageStore | None = None,
        folder: Path | None = None,
        rng: np.random.Generator | None = None,
        units: UnitOfWorkFactory = TortoiseUnitOfWork,
    ) -> None:
        """`preferred(account, chosen, other)`: an awaitable that moves the account's taste
        towards the post it chose (the `TasteKeeper`'s); `images` and `folder`: where the posts'
        thumbnails come from and the pictures of pairs go."""
        self._feed = feed
        self._clock = clock
        self._impressions = impressions
        self._preferred = preferred
        self._rng = rng or np.random.default_rng()
        self._units = units
        self._images = images
        self._folder = folder
        self._cleaned = 0.0

    async def pair(self, viewer: Account, *, safe: bool = False) -> RatePair | None:
        """Two posts for the viewer to compare, recorded as shown; None when fewer than two
        qualify."""
        ranked = await self._feed.rank(viewer, safe=safe)
        since = self._clock.now() - RATED_RECENTLY
        voted = {
            frozenset(pair)
            for pair in await RateVote.filter(
                voter_id=viewer.id, created_at__gte=since
            ).values_list("winner_id", "loser_id")
        }
        rated = {post for pair in voted for post in pair}
        others = [r for r in ranked if r.breakdown.author_id != viewer.id]
        # what they did not rate lately first, each part in the order of their taste
        pool = sorted(others, key=lambda r: r.post_id in rated)[:POOL]
        stats = {
            row[0]: row[1:]
            for row in await Post.filter(id__in=[r.post_id for r in pool]).values_list(
                "id", "quality", "quality_votes"
            )
        }
        pool = [r for r in pool if r.post_id in stats]
        quality = np.array([stats[r.post_id][0] or 0.0 for r in pool], dtype=float)
        votes = np.array([stats[r.post_id][1] or 0 for r in pool], dtype=float)
        chosen = None
        for _ in range(DRAWS):  # a pair they voted on lately is drawn again
            chosen = informative_pair(quality, votes, self._rng)
            if chosen is None:
                return None
            if frozenset(pool[i].post_id for i in chosen) not in voted:
                break
        else:
            return None
        first, second = (pool[i] for i in chosen)
        await self._impressions.record(
            Surface.RATE,
            [_shown(first, 1), _shown(second, 2)],
            viewer_id=viewer.id,
            model=self._feed.model_version,
        )
        posts = {p.id: p for p in await Post.filter(id__in=[first.post_id, second.post_id])}
        await Post.fetch_for_list(list(posts.values()), "author")
        return RatePair(posts[first.post_id], posts[second.post_id])

    async def picture(self, pair: RatePair) -> Path:
        """The two posts side by side, badged A and B, as a PNG file (kept `PICTURE_KEEP`)."""
        assert self._images is not None and self._folder is not None, "built without images"
        images, folder = self._images, self._folder
        first, second = await asyncio.gather(
            thumbnail_or_blank(images, pair.a), thumbnail_or_blank(images, pair.b)
        )
        from core.digests.collage import render_pair  # Pillow: on first use

        png = await asyncio.to_thread(render_pair, first, second)
        target = folder / f"pair-{pair.a.id}-{pair.b.id}.png"
        await asyncio.to_thread(_write, target, png, self._clean_due())
        return target

    def _clean_due(self) -> bool:
        now = time.monotonic()
        if now - self._cleaned < PICTURE_KEEP.total_seconds():
            return False
        self._cleaned = now
        return True

    async def vote(self, viewer: Account, chosen_id: int, other_id: int) -> RateVote:
        """The viewer chose `chosen_id` over `other_id`, a pair /rate showed them."""
        now = self._clock.now()
        shown = await Impression.filter(
            viewer_id=viewer.id,
            surface=int(Surface.RATE),
            post_id__in=[chosen_id, other_id],
            shown_at__gte=now - VOTE_WINDOW,
        ).order_by("-shown_at", "-id")
        latest: dict[int, Impression] = {}
        for row in shown:  # newest first: the latest showing of each
            latest.setdefault(row.post_id, row)
        chosen, other = latest.get(chosen_id), latest.get(other_id)
        if chosen is None or other is None or chosen.shown_at != other.shown_at:
            raise NotFound("error.rate_pair_gone")
        if chosen.outcome or other.outcome:
            raise Conflict("error.rate_already_voted")
        pair = [chosen_id, other_id]
        if await RateVote.filter(  # this pair, either way round, within the window: a
            # replayed button (two showings in one instant share `shown_at`: a test clock)
            voter_id=viewer.id,
            winner_id__in=pair,
            loser_id__in=pair,
            created_at__gte=now - VOTE_WINDOW,
        ).exists():
            raise Conflict("error.rate_already_voted")
        recent = await RateVote.filter(
            voter_id=viewer.id, created_at__gte=now - timedelta(hours=1)
        ).count()
        if recent >= VOTES_PER_HOUR:
            raise LimitExceeded("error.rate_too_many", count=VOTES_PER_HOUR)
        post = await Post.get_or_none(id=chosen_id, deleted_at=None)
        over = await Post.get_or_none(id=other_id, deleted_at=None)
        if post is None or over is None:
            raise NotFound("error.rate_pair_gone")
        async with self._units():
            marked = await Impression.filter(id=chosen.id, outcome=0).update(
                outcome=int(Outcome.CHOSEN), outcome_at=now
            )
            if not marked:  # another process counted this vote first
                raise Conflict("error.rate_already_voted")
            vote = await RateVote.create(
                voter_id=viewer.id, winner_id=chosen_id, loser_id=other_id, created_at=now
            )
            if self._preferred is not None:
                await self._preferred(viewer, post, over)
        return vote


def _write(target: Path, png: bytes, clean: bool) -> None:
    """Write a pair's picture (atomically: a reply may be reading the same pair's file);
    `clean`: first remove pictures older than `PICTURE_KEEP`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if clean:
        cutoff = time.time() - PICTURE_KEEP.total_seconds()
        for old in target.parent.glob("pair-*.png"):
            with contextlib.suppress(FileNotFoundError):
                if old.stat().st_mtime < cutoff:
                    old.unlink()
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    partial.write_bytes(png)
    partial.replace(target)


def _shown(item: RankedPost, position: int) -> Shown:
    values = pack([item.breakdown.value(name) for name in PARTS])
    return Shown(item.post_id, position, source_bits(item.sources), values)
