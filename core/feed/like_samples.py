"""Training data from likes, for a community whose feed has few impressions with an outcome.

The fitted ranker learns from impressions and what came of them (fitting.py). A young
community, or one whose likes mostly come from elsewhere than the feed, has likes but few
such impressions: nothing to fit. So, while the feed's impressions with an outcome in the
fit's window are fewer than `ENOUGH_OUTCOMES`, a like also leaves a *like sample*: just
before the like is written, the liker's candidates are ranked as the feed would rank them
at that moment, and, when the liked post is among them, it and the `NEGATIVES` best-ranked
other candidates are stored as impressions of the surface `Surface.LIKED`, the liked one
with the outcome `LIKE`. The refit reads them with the feed's own impressions; it then
learns what set the liked post apart from what else was a candidate at the time.

Negatives: the top of the ranking in force, all of it (what the feed would have shown: the
fit must learn to order those, and the held-out check sees the liked post's true place
among them). A sample's rows have position 0: nothing was shown, so no position bias is in
them, and they count as no showing for exploration (`Post.shown`). They belong to the
liker: `/export` lists them and `/deleteme` removes them like every impression.

A like within `JOIN_WITHIN` of the liker's latest sample that ranked the post *joins* that
sample instead: the post's row gets the outcome `LIKE`, as a like joins the feed page that
showed the post (impressions.py), and no new ranking is made. Several likes in a row (someone
going through posts) then make one group with several liked posts, ranked together once, as
a feed page with several likes is; the fit pairs each liked post with the group's posts
without an outcome (`fitting.pairs`), and the held-out check scores each liked post's place
in its group. What differs from a sample per like: the later likes' rows carry the feature
values of the ranking up to `JOIN_WITHIN` earlier (before the earlier likes of the group moved
the taste profile; a feed page's likes come minutes after its ranking too), and a post liked
earlier in the group is one of its liked posts, not one of the negatives of the next like.
A like whose post the latest sample did not rank (a newer post, one from further down) is
sampled afresh. Why: the ranking and its rows were ~40 % of PostgreSQL's CPU for a like and
~30 % of Mosaic's (sequential likes; under 100 presses at once the candidates' statement,
planned and run, took most of PostgreSQL's statement time: docs/benchmarks.md, "A like joins
the liker's recent sample"), and for someone liking post after post it was redone for every
like, to store ~200 rows nearly the same as the last like's.

Cost: one ranking (a feed page's reads, without its writes) and one INSERT of up to 201
rows before a like that does not join a sample, one UPDATE before one that does, only while
the community is young; `ENOUGH_OUTCOMES` is checked at most once per `CHECK_EVERY`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from core.clock import Clock
from core.feed.features import source_bits
from core.feed.impressions import ImpressionLog, Outcome, Shown, Surface, pack
from core.feed.scoring import PARTS
from core.persistence.models import Account, Impression
from core.persistence.statements import generic_plans_in_transaction

if TYPE_CHECKING:
    from core.feed.personal import PersonalizedFeed
    from core.feed.ranking import RankedPost

# The fit's window (`fitting.FIT_WINDOW` is this): four weeks, see there.
WINDOW = timedelta(days=28)
# With this many outcomes of the feed's own impressions in the window, the fit has enough
# (about 40 per fitted coefficient) and likes need not be sampled any more.
ENOUGH_OUTCOMES = 1_200
# The negatives: the ranking's top ten pages of 20, all of them. The fit then sees the liked
# post's true place among what the feed would have shown first, and learns to order that;
# below 200 a place no longer decides what is shown.
NEGATIVES = 200
CHECK_EVERY = timedelta(hours=1)  # how stale the count of outcomes may be
# How old a sample a like may join (see the module's docstring): a twelfth of the shortest time
# scale the fit gives newness (`fitting.TIMESCALES`, an hour), so the ages the fit sees for a
# joined like are off by at most that (e^(-5/60) = 0.92 of the hour's term).
JOIN_WITHIN = timedelta(minutes=5)


class LikeSamples:
    """Records a like sample before a like (see the module's docstring)."""

    def __init__(
        self,
        feed: PersonalizedFeed,
        clock: Clock,
        impressions: ImpressionLog | None = None,
        *,
        share: float = 1.0,
        rng: np.random.Generator | None = None,
    ) -> None:
        """`share`: the chance that a like is sampled while samples are wanted (a benchmark
        that walks thousands of likes samples some)."""
        self._feed = feed
        self._clock = clock
        self._impressions = impressions or ImpressionLog(clock)
        self._share = share
        self._rng = rng or np.random.default_rng()
        self._checked: datetime | None = None
        self._wanted = True
        self.recorded = 0
        self.joined = 0

    async def wanted(self) -> bool:
        """Whether the feed's own outcomes in the window are still fewer than enough."""
        now = self._clock.now()
        if self._checked is None or abs(now - self._checked) >= CHECK_EVERY:
            self._checked = now
            count = (
                await Impression.filter(
                    shown_at__gte=now - WINDOW,
                    surface__in=[int(Surface.FEED), int(Surface.SUGGEST)],
                    outcome__gt=0,
                )
                .limit(ENOUGH_OUTCOMES)
                .count()
            )
            self._wanted = count < ENOUGH_OUTCOMES
        return self._wanted

    async def before_like(self, viewer: Account, post_id: int) -> bool:
        """Sample this like if samples are wanted (and it is drawn): join the viewer's latest
        sample that ranked the post within `JOIN_WITHIN`, else record a new one; True when
        joined or recorded."""
        if self._share < 1.0 and self._rng.random() >= self._share:
            return False
        if not await self.wanted():
            return False
        since = self._clock.now() - JOIN_WITHIN
        if await self._impressions.join_sample(viewer.id, post_id, since):
            self.joined += 1
            return True
        return await self.record(viewer, post_id)

    async def record(self, viewer: Account, post_id: int) -> bool:
        """Rank the viewer's candidates now and store the sample; False when the liked post
        is not among them (a like from search or a link says nothing about the ranking).
        Runs in the like's transaction on generic plans: a sample is seldom a connection's
        sixth run of its statements, so each would be planned anew
        (`generic_plans_in_transaction`)."""
        await generic_plans_in_transaction(Impression._meta.db)
        ranked = await self._feed.rank(viewer)
        liked = next((i for i, item in enumerate(ranked) if item.post_id == post_id), None)
        if liked is None:
            return False
        chosen = [i for i in range(min(len(ranked), NEGATIVES + 1)) if i != liked][:NEGATIVES]
        shown = [_sample_row(ranked[liked], Outcome.LIKE)]
        shown += [_sample_row(ranked[i], 0) for i in chosen]
        await self._impressions.record(
            Surface.LIKED,
            shown,
            viewer_id=viewer.id,
            model=self._feed.model_version,
            counts_as_shown=False,
        )
        self.recorded += 1
        return True


def _sample_row(item: RankedPost, outcome: int) -> Shown:
    values = pack([item.breakdown.value(name) for name in PARTS])
    return Shown(item.post_id, 0, source_bits(item.sources), values, int(outcome))
