"""The personalized feed: candidates → features → one score → diversity → pages.

`PersonalizedFeed` is the face of the feed's parts: it pages what `ranking.FeedRanking`
ranks into the viewer's session (`sessions.FeedSessions`, optimistic locking), gives new
posts a place (`exploration.explore`), records what it showed (`impressions.ImpressionLog`),
and hands `/why` to `explanation.py` and `/feed tune` to `tuning.py`.

A page costs a constant number of queries (eight), whatever the size of the network:

1. the viewer's feed session (pages of this session, what they saw lately), and in the same
   statement (`statements.two_by`)
2. the viewer's taste profile (taste vector, authors, buckets, #tags, tuning)
3. candidates from every source (followees' latest posts, new posts of the viewer's
   favourite #tags, posts liked by the viewer's peers, taste buckets, trending, newcomers,
   tuning), whom the viewer follows, and the features of the candidates that pass
   `visible_to` (audience, blocks, deletions): one statement (`candidates.gather`), and side
   by side with it
4. how crowded the viewer's #tags were lately (`crowding.volumes`), and beside both
   the vectors of the viewer's latest liked posts (`similarity`: how close a candidate is to
   the nearest of them; `ranking.LIKED_VECTORS` rows by primary key)
5. the posts of the page, with authors, to show them (and, when the page shows remixes, the
   posts they remix with their authors: two more), and side by side with it
6. the session again, saved with a version check (another process may serve the same viewer;
   a viewer's first session is created here), and side by side with both
7. the page's impressions, one multi-row INSERT (`impressions.ImpressionLog`; on PostgreSQL
   the same statement locks the shown posts in id order), then
8. the shown posts' `shown` counts (what exploration weighs likes against), one UPDATE

The writes (6–8) commit lazily on PostgreSQL (`core.persistence.lazy_commits`): what a page
showed is not worth a wait for the disk.

Once a minute (`ranker.REFRESH_SECONDS`) a page also reads which fitted ranker is active.

Each new page is ranked afresh, so a like on page 1 already shapes page 2.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
from tortoise.queryset import QuerySet

from core.clock import Clock
from core.errors import Conflict
from core.feed.candidates import SourceLimits
from core.feed.diversity import paginate
from core.feed.embeddings import TextEmbedder
from core.feed.explanation import Explanation, explain
from core.feed.exploration import EXPLORE_SHARE, explore
from core.feed.features import source_bits
from core.feed.impressions import ImpressionLog, Shown, Surface, pack
from core.feed.page_posts import ranked_posts
from core.feed.ranker import ServingRanker
from core.feed.ranking import FeedRanking, RankedPost
from core.feed.scoring import PARTS, Weights
from core.feed.sessions import SAVE_ATTEMPTS, FeedSessions, seen_counts
from core.feed.tuning import FeedTuning, Tuning
from core.persistence.models import Account, FeedSession, Post, TasteProfile
from core.persistence.statements import one_by
from core.social.visibility import visible_to

MAX_JUMP = 20  # `/feed 30` on a fresh session ranks at most this many pages ahead


@dataclass(frozen=True, slots=True)
class _Planned:
    """The pages ranked for a request: the one to show (`number`, its post `ids`) and all
    new ones to store in the session (`pages`)."""

    number: int
    ids: list[int]
    has_more: bool
    pages: list[list[int]]
    shown: list[Shown]  # the impressions of the page shown


@dataclass(frozen=True, slots=True)
class FeedPage:
    number: int
    posts: list[Post]
    has_more: bool


class PersonalizedFeed:
    def __init__(
        self,
        embedder: TextEmbedder,
        clock: Clock,
        *,
        page_size: int,
        weights: Weights | None = None,
        limits: SourceLimits | None = None,
        impressions: ImpressionLog | None = None,
        ranker: ServingRanker | None = None,
        explore_share: float = EXPLORE_SHARE,
        rng: np.random.Generator | None = None,
    ) -> None:
        """`weights`: rank with these always (else the fitted model in force, see ranker.py)."""
        self.embedder = embedder
        self.clock = clock
        self.page_size = page_size
        self.impressions = impressions or ImpressionLog(clock)
        self.explore_share = explore_share
        self.rng = rng or np.random.default_rng()
        self.ranking = FeedRanking(embedder, clock, weights=weights, limits=limits, ranker=ranker)
        self.sessions = FeedSessions(clock)
        self._tuning = FeedTuning(embedder)

    @property
    def ranker(self) -> ServingRanker:
        return self.ranking.ranker

    @property
    def limits(self) -> SourceLimits:
        return self.ranking.limits

    @property
    def weights(self) -> Weights:
        return self.ranking.weights

    @property
    def model_version(self) -> int:
        """The ranker version serving (0: the hand-set `Weights`)."""
        return self.ranking.model_version

    # ------------------------------------------------------------------ pages

    async def page(
        self, viewer: Account, number: int | None = None, *, safe: bool = False
    ) -> FeedPage:
        """`number=None` starts a new session at page 1; a number shows that page of the
        current session (ranking the pages up to it that were not shown yet). `safe`: no
        sensitive posts (the page is shown in a place with NSFW off)."""
        for _ in range(SAVE_ATTEMPTS):
            stored, profile = await self.sessions.find_with_profile(viewer.id)
            session = stored or FeedSession(account_id=viewer.id)  # `save` creates a first one
            if number is not None and 1 <= number <= len(session.pages):
                return await self._stored(viewer, session, number)
            version = session.version
            if number is None:
                session.number, session.pages = session.number + 1, []
            planned = await self._next(viewer, profile, session, number or 1, safe=safe)
            # Independent: the page's posts, the session saved with them and the page's
            # impressions, side by side.
            shown_at = self.clock.now()
            posts, saved, _ = await asyncio.gather(
                ranked_posts(planned.ids),
                self.sessions.save(session, version, planned.pages),
                self.impressions.record(
                    Surface.FEED,
                    planned.shown,
                    viewer_id=viewer.id,
                    model=self.model_version,
                    at=shown_at,
                ),
            )
            if saved:
                return FeedPage(planned.number, posts, planned.has_more)
            # Another process saved a page first: this one was never shown (rare).
            await self.impressions.forget(viewer.id, Surface.FEED, shown_at)
        raise Conflict("error.feed_busy")

    async def _stored(self, viewer: Account, session: FeedSession, number: int) -> FeedPage:
        """A page of the session stored earlier: its posts, with authors, in its order; any
        no longer visible (since it was ranked, maybe days ago) are left out."""
        ids = session.pages[number - 1]
        posts = await _in_order(Post.filter(visible_to(viewer.id), id__in=ids), ids)
        return FeedPage(number, posts, has_more=True)

    async def _next(
        self,
        viewer: Account,
        profile: TasteProfile | None,
        session: FeedSession,
        number: int,
        *,
        safe: bool,
    ) -> _Planned:
        paged = set(itertools.chain.from_iterable(session.pages))
        ranked = await self.ranking.rank(
            viewer, profile, exclude=paged, seen=seen_counts(session), safe=safe
        )
        wanted = min(number - len(session.pages), MAX_JUMP)
        pages = paginate(ranked, self.page_size, wanted)
        if pages and pages[-1]:  # the page shown may give a place to a new post (exploration)
            earlier = [item.post_id for page in pages[:-1] for item in page]
            pages[-1] = explore(
                pages[-1], ranked, viewer.id, self.rng, share=self.explore_share, taken=earlier
            )
        new_pages = [[item.post_id for item in page] for page in pages if page]
        if not new_pages:
            return _Planned(len(session.pages) + 1, [], False, [], [])
        on_pages = sum(len(p) for p in new_pages)
        number = len(session.pages) + len(new_pages)
        before = sum(len(p) for p in session.pages) + on_pages - len(new_pages[-1])
        shown = [
            Shown(
                item.post_id,
                before + place,
                source_bits(item.sources),
                pack([item.breakdown.value(name) for name in PARTS]),
            )
            for place, item in enumerate(next(p for p in reversed(pages) if p), start=1)
        ]
        return _Planned(number, new_pages[-1], len(ranked) > on_pages, new_pages, shown)

    async def top(
        self, viewer: Account, *, limit: int, offset: int = 0, safe: bool = False
    ) -> list[Post]:
        """The viewer's best posts, without touching their feed session (for digests)."""
        ranked = await self.rank(viewer, safe=safe)
        return await ranked_posts([r.post_id for r in ranked[offset : offset + limit]])

    async def rank(
        self,
        viewer: Account,
        *,
        exclude: Collection[int] = (),
        seen: dict[int, int] | None = None,
        safe: bool = False,
    ) -> list[RankedPost]:
        """Every candidate the viewer may see, best first (no paging, no side effects);
        `safe`: sensitive posts left out."""
        profile = await one_by(TasteProfile, "account_id", viewer.id)
        return await self.ranking.rank(viewer, profile, exclude=exclude, seen=seen, safe=safe)

    # ------------------------------------------------------------------ /why, /feed tune

    async def explain(self, viewer: Account, post: Post) -> Explanation:
        """The score of one post (already checked visible) for the viewer, part by part, as
        the feed would rank it now."""
        return await explain(self.ranking, viewer, post)

    async def tuning(self, viewer: Account) -> Tuning:
        return await self._tuning.current(viewer)

    async def tune(self, viewer: Account, text: str) -> Tuning:
        """Store the viewer's steering; it applies from the next page on."""
        return await self._tuning.tune(viewer, text)

    async def reset_tuning(self, viewer: Account) -> None:
        await self._tuning.reset(viewer)


async def _in_order(query: QuerySet[Post], ids: list[int]) -> list[Post]:
    """The posts of `query` among `ids`, with their authors, in the order of `ids`. The posts
    they remix, with their authors, come by a second query, only when there are any: joining
    them always took a third of a page's ORM time, for pages that mostly have none."""
    if not ids:
        return []
    rows = await query.select_related("author").prefetch_related("remix_of__author")
    by_id = {post.id: post for post in rows}
    return [by_id[i] for i in ids if i in by_id]
