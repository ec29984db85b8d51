"""Ranking for one viewer: candidates → features → one score, best first.

`FeedRanking.score` reads the viewer's candidates and their features in one statement
(`candidates.gather`) beside how crowded the viewer's #tags are (`crowding.volumes`), and
scores them all with the weights in force: the hand-set `Weights`, or the fitted ranker that
serves (`ranker.ServingRanker`, read at most once a minute). Paging, sessions and
exploration are `personal.PersonalizedFeed`'s; `/why` (`explanation.py`) scores through here
too, so a post is scored the same in the feed and in its explanation.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np

from core.clock import Clock
from core.feed.candidates import SourceLimits, features_of, gather
from core.feed.crowding import volumes
from core.feed.embeddings import TextEmbedder, nearest_buckets, unpack_matrix
from core.feed.fans import effective_likes
from core.feed.features import FeatureTable, PostFeatures
from core.feed.ranker import RankerParameters, ServingRanker
from core.feed.scoring import Breakdown, Scorer, SteeringVector, ViewerTaste, Weights, rank
from core.feed.taste import TasteState, decay_factor
from core.feed.terms import post_tags, words
from core.feed.tuning import steering_vectors
from core.persistence.models import Account, Post, TasteProfile

# Taste buckets searched: the three most engaged, two nearest the taste vector, room for a
# `/feed tune` term; each bucket costs two small index scans (`similar`, `new`).
BUCKETS_FROM_HISTORY, BUCKETS_FROM_TASTE, BUCKETS_MAX = 3, 2, 6
LIKED_TAGS = 4  # the viewer's favourite #tags whose newest posts are candidates
# The authors the viewer engaged with most whose newest posts are candidates (`authors`):
# one index top-N each; a dozen, as many lookups as the taste buckets' `similar` and `new`
# together (2 × BUCKETS_MAX), so the statement at most doubles that part of its work.
ENGAGED_AUTHORS = 12
TAGGED_TERMS_MAX = 4  # `/feed tune` terms looked up as words or #tags (as `LIKED_TAGS`)
# The posts engaged with lately whose vectors `similarity` compares candidates with (the
# nearest of them, scoring.NEAREST): one primary-key read of at most as many rows a page, and
# a candidates × this product; about the last two weeks of a daily liker's likes.
LIKED_VECTORS = 50
NO_BUCKET = -1  # no post is in it (a post without a vector has no bucket: NULL)
NO_AUTHOR = 0  # no account has it (ids start at 1)
NO_POST = 0  # no post has it (ids start at 1)


@dataclass(slots=True)  # not frozen: a page makes hundreds, and frozen ones cost twice as much
class RankedPost:
    breakdown: Breakdown
    sources: AbstractSet[str]  # which candidate sources brought it

    @property
    def features(self) -> PostFeatures:
        return self.breakdown.features

    @property
    def likes(self) -> float:
        return self.breakdown.likes

    @property
    def shown(self) -> int:
        return self.breakdown.shown

    @property
    def post_id(self) -> int:
        return self.breakdown.post_id

    @property
    def author_id(self) -> int:
        return self.breakdown.author_id


@dataclass(frozen=True, slots=True)
class Scored:
    breakdowns: list[Breakdown]
    sources: dict[int, AbstractSet[str]]
    followees: set[int]


class FeedRanking:
    def __init__(
        self,
        embedder: TextEmbedder,
        clock: Clock,
        *,
        weights: Weights | None = None,
        limits: SourceLimits | None = None,
        ranker: ServingRanker | None = None,
    ) -> None:
        """`weights`: rank with these always (else the fitted model in force, see ranker.py)."""
        self.embedder = embedder
        self.clock = clock
        self.ranker = ranker or ServingRanker(clock)
        self._fixed = weights is not None
        self.parameters = RankerParameters(weights=weights or Weights())
        self.limits = limits or SourceLimits()
        # A viewer who has liked no #tags (a community that writes none) gets no `tags`
        # lookups, and the room those would have brought goes to `peers`, the source that
        # finds strangers' untagged posts (docs/benchmarks.md, "learn, stop 22/23"): the
        # page's candidates stay within the bound a viewer with #tags has, no new constant.
        # (One more text of the candidate statement: with and without the `tags` lookups.)
        self._untagged_limits = replace(
            self.limits,
            peer_posts=self.limits.peer_posts + LIKED_TAGS * self.limits.per_liked_tag,
        )
        self.scorer = Scorer(self.weights, embedder.match_range)

    @property
    def weights(self) -> Weights:
        return self.parameters.weights

    @property
    def model_version(self) -> int:
        """The ranker version serving (0: the hand-set `Weights`)."""
        return self.parameters.version

    async def _refresh_ranker(self) -> None:
        """Rank with the model in force (read at most once a minute, see `ServingRanker`)."""
        if self._fixed:
            return
        parameters = await self.ranker.parameters()
        if parameters is not self.parameters:
            self.parameters = parameters
            self.scorer = Scorer(parameters.weights, self.embedder.match_range, parameters.learned)

    async def rank(
        self,
        viewer: Account,
        profile: TasteProfile | None,
        *,
        exclude: Collection[int] = (),
        seen: dict[int, int] | None = None,
        safe: bool = False,
    ) -> list[RankedPost]:
        """Every candidate the viewer may see, best first (no paging, no side effects);
        `safe`: sensitive posts left out."""
        scored = await self.score(viewer, profile, exclude=exclude, seen=seen, safe=safe)
        sources = scored.sources
        return [RankedPost(b, sources.get(b.post_id, set())) for b in rank(scored.breakdowns)]

    async def score(
        self,
        viewer: Account,
        profile: TasteProfile | None,
        *,
        exclude: Collection[int] = (),
        seen: dict[int, int] | None = None,
        safe: bool = False,
        also: int | None = None,
    ) -> Scored:
        """Every candidate the viewer may see, and the post `also` wherever it comes from,
        scored together: some parts measure a post against the others (`following`: is a
        newer post of its author among them; `standout`: how it compares with posts of its
        #tags), so a post is scored the same in the feed and in `/why`."""
        await self._refresh_ranker()
        state = TasteState.of(profile) if profile is not None else TasteState()
        steering = steering_vectors(profile, self.embedder.model_id)
        now = self.clock.now()
        engaged_authors = _engaged_authors(state.authors, viewer.id)
        liked_tags = _favourites(state.tags, LIKED_TAGS)
        # The candidate statement and how crowded the viewer's #tags are, side by side. Its
        # lists are padded to their maximum length with values that match nothing, so that
        # the statement keeps one text and PostgreSQL can reuse its prepared plan.
        found, crowding, liked = await asyncio.gather(
            gather(
                viewer.id,
                safe=safe,
                buckets=_padded(self._buckets(state, steering), BUCKETS_MAX, NO_BUCKET),
                terms=_padded(_tagged_terms(steering), TAGGED_TERMS_MAX, ""),
                tags=_padded(liked_tags, LIKED_TAGS, "") if liked_tags else (),
                now=now,
                engaged=state.engaged,
                authors=_padded(engaged_authors, ENGAGED_AUTHORS, NO_AUTHOR)
                if engaged_authors
                else (),
                limits=self.limits if liked_tags else self._untagged_limits,
            ),
            volumes(state.tags, now),
            _vectors(state.engaged[-LIKED_VECTORS:], self.embedder.model_id),
        )
        excluded = set(exclude)
        rows = [r for r in found.features if r["id"] not in excluded]
        if also is not None and all(r["id"] != also for r in rows):
            rows += await features_of(Post.filter(id=also))
        features = self._feature_table(rows)
        taste = self._viewer(viewer.id, now, state, found.followees, steering, seen or {}, crowding)
        taste = replace(taste, liked=liked)  # the liked posts' vectors, read beside the rest
        ids = features.post_ids.tolist()
        bits = np.array([found.bits.get(i, 0) for i in ids], dtype=np.int64)
        peer_likes = found.peer_likes
        weights = np.array([peer_likes.get(i, 0.0) for i in ids])
        breakdowns = self.scorer.score(taste, features, bits, weights)
        return Scored(breakdowns, found.sources, found.followees)

    def _feature_table(self, rows: Sequence[Any]) -> FeatureTable:
        """Rows of `features_of` (dicts of the ORM, or rows as the driver returns them) as
        the ranker's columns."""
        model = self.embedder.model_id
        return FeatureTable.build(
            post_ids=[row["id"] for row in rows],
            author_ids=[row["author_id"] for row in rows],
            created=[_instant(row["created"]).timestamp() for row in rows],
            likes=effective_likes(
                np.array([row["like_count"] for row in rows], dtype=float),
                np.array([row["fan_likes"] or 0 for row in rows], dtype=float),
            ),
            comments=[row["comment_count"] for row in rows],
            remixes=[row["remix_count"] for row in rows],
            newcomer=[bool(row["newcomer"]) for row in rows],
            shown=[row["shown"] or 0 for row in rows],
            embeddings=unpack_matrix(
                [row["embedding"] if row["embedding_model"] == model else None for row in rows]
            ),
            tags=[post_tags(row["prompt"], row["caption"]) for row in rows],
            quality=[row["quality"] or 0.0 for row in rows],
        )

    def _viewer(
        self,
        viewer_id: int,
        now: datetime,
        state: TasteState,
        followees: set[int],
        steering: tuple[SteeringVector, ...],
        seen: dict[int, int],
        crowding: dict[str, float],
    ) -> ViewerTaste:
        factor = decay_factor(now - state.updated_at) if state.updated_at else 1.0
        same_model = state.model == self.embedder.model_id
        return ViewerTaste(
            account_id=viewer_id,
            now=now,
            followees=frozenset(followees),
            taste=state.mean if same_model else None,
            authors={int(k): v * factor for k, v in state.authors.items()},
            steering=steering,
            seen=seen,
            engaged=frozenset(state.engaged),
            tags=state.tags,
            crowding=crowding,
        )

    def _buckets(self, state: TasteState, steering: tuple[SteeringVector, ...]) -> list[int]:
        """Taste buckets to look in: where liked posts were, where the taste points, and where
        each "more"/"only" term points."""
        chosen = [int(bucket) for bucket in _favourites(state.buckets, BUCKETS_FROM_HISTORY)]
        mean = state.mean if state.model == self.embedder.model_id else None
        if mean is not None:
            chosen += nearest_buckets(mean, BUCKETS_FROM_TASTE)
        for term in steering:
            if term.weight > 0 and term.vector is not None:
                chosen += nearest_buckets(term.vector, 1)
        return list(dict.fromkeys(chosen))[:BUCKETS_MAX]


async def _vectors(post_ids: list[int], model: str) -> np.ndarray | None:
    """The vectors of these posts made by `model`, one a row (None if none has one). Always
    one statement, also for no posts: a page costs the same queries whoever views it. The
    ids are padded to `LIKED_VECTORS` with an id no post has, as the candidate statement's
    lists are: one statement text, so PostgreSQL reuses its prepared plan."""
    padded = _padded(post_ids, LIKED_VECTORS, NO_POST)
    blobs = await Post.filter(id__in=padded, embedding_model=model).values_list(
        "embedding", flat=True
    )
    return unpack_matrix([bytes(blob) for blob in blobs if blob])


def _tagged_terms(steering: tuple[SteeringVector, ...]) -> list[str]:
    found: list[str] = []
    for term in steering:
        if term.weight > 0:
            found += [term.text.replace(" ", "-"), *words(term.text)]
    return list(dict.fromkeys(found))[:TAGGED_TERMS_MAX]


def _instant(value: datetime | str) -> datetime:
    """A timestamp as PostgreSQL (datetime) or SQLite (ISO text) returns it, in UTC."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _padded(values: list, size: int, filler: object) -> list:
    return values + [filler] * (size - len(values))


def _engaged_authors(authors: dict[str, float], viewer_id: int) -> list[int]:
    """The `ENGAGED_AUTHORS` authors of the most engagement (`TasteState.authors`), the
    viewer and authors of net negative engagement left out."""
    liked = {k: v for k, v in authors.items() if v > 0 and k != str(viewer_id)}
    return [int(author) for author in _favourites(liked, ENGAGED_AUTHORS)]


def _favourites(weights: dict[str, float], count: int) -> list[str]:
    """The `count` heaviest keys, ties by name: the same profile gives the same query on
    either database (a JSON column's key order is the database's: PostgreSQL's jsonb sorts
    keys by length, SQLite keeps them as written, so dict order must not break ties)."""
    return [key for key, _ in sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:count]]
