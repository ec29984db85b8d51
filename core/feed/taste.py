"""Taste: what someone likes, updated a little on every like, comment, remix, follow and post.

A taste is kept as decayed sums (half-life `HALF_LIFE`): the vector is Σ wᵢ·eᵢ over the
embeddings eᵢ of posts engaged with, next to the total weight Σ wᵢ, so `vector / weight` is
the (recency-weighted) average post the person liked. Small maps keep the same for authors
(affinity), taste buckets (where to look for similar posts), prompt words (prompt ideas) and
#tags (where to look for new posts of a kind the person likes).
Each write decays what is stored to "now" and adds the new signal: O(1), no history replay.
`TasteKeeper` is the feed's implementation of the social core's `TasteUpdater` port.
"""

from __future__ import annotations

import contextlib
import logging
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from tortoise.backends.base.client import TransactionalDBClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.clock import Clock
from core.feed.embeddings import pack_exact, unpack, unpack_exact
from core.feed.fans import fan_of
from core.feed.hot import hot_sql, refresh_hot
from core.feed.impressions import ImpressionLog, Outcome
from core.feed.indexing import PostIndexer
from core.feed.like_samples import LikeSamples
from core.feed.terms import post_tags, words
from core.persistence.columns import column
from core.persistence.models import Account, Destination, Post, TasteProfile
from core.social.counters import post_counts_changed
from core.social.taste_updates import Signal, changes

log = logging.getLogger(__name__)

HALF_LIFE = timedelta(days=21)
SIGNAL_WEIGHT = {Signal.LIKE: 1.0, Signal.COMMENT: 1.5, Signal.REMIX: 2.0}
OWN_POST_WEIGHT = 0.5  # what you post says something about what you like
FOLLOW_WEIGHT = 0.5  # spread over the followee's recent posts
# A /rate choice: half a like. It says "rather this than that", which is less than "I like it",
# and it says it against the other post: the taste vector moves towards the chosen one and
# away from the other at half that (`PREFERRED_CONTRAST`), so that what the two share cancels.
PREFERRED_WEIGHT = 0.5
PREFERRED_CONTRAST = 0.5
FOLLOW_SAMPLE = 10
MAX_AUTHORS, MAX_BUCKETS, MAX_TERMS, MAX_TAGS, MAX_ENGAGED = 200, 16, 60, 30, 200
FORGET_BELOW = 0.01


def decay_factor(elapsed: timedelta) -> float:
    return 0.5 ** (max(elapsed, timedelta(0)) / HALF_LIFE)


def _top(weights: dict[str, float], keep: int) -> dict[str, float]:
    """The `keep` heaviest, ties by key: a JSON column's key order is the database's
    (PostgreSQL's jsonb sorts keys by length, SQLite keeps them as written), so it must
    never decide which are kept."""
    kept = [(k, v) for k, v in weights.items() if v >= FORGET_BELOW]
    kept.sort(key=lambda item: (-item[1], item[0]))
    return {k: round(v, 4) for k, v in kept[:keep]}


@dataclass(slots=True)
class Engagement:
    """One signal about one post, as numbers (no ORM)."""

    weight: float
    embedding: np.ndarray | None  # unit vector, or None when the post has none
    author_id: int | None = None
    bucket: int | None = None
    words: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    post_id: int | None = None


@dataclass(slots=True)
class TasteState:
    model: str | None = None
    vector: np.ndarray | None = None
    weight: float = 0.0
    authors: dict[str, float] = field(default_factory=dict)
    buckets: dict[str, float] = field(default_factory=dict)
    terms: dict[str, float] = field(default_factory=dict)
    tags: dict[str, float] = field(default_factory=dict)
    engaged: list[int] = field(default_factory=list)
    updated_at: datetime | None = None

    @classmethod
    def of(cls, profile: TasteProfile) -> TasteState:
        return cls(
            model=profile.embedding_model,
            vector=unpack_exact(profile.vector),
            weight=profile.total_weight,
            authors=dict(profile.authors),
            buckets=dict(profile.buckets),
            terms=dict(profile.terms),
            tags=dict(profile.tags),
            engaged=list(profile.engaged),
            updated_at=profile.updated_at,
        )

    def write(self, profile: TasteProfile) -> list[str]:
        """Copy into the row; returns the fields to save."""
        profile.embedding_model = self.model
        profile.vector = None if self.vector is None else pack_exact(self.vector)
        profile.total_weight = self.weight
        profile.authors = _top(self.authors, MAX_AUTHORS)
        profile.buckets = _top(self.buckets, MAX_BUCKETS)
        profile.terms = _top(self.terms, MAX_TERMS)
        profile.tags = _top(self.tags, MAX_TAGS)
        profile.engaged = self.engaged[-MAX_ENGAGED:]
        profile.updated_at = self.updated_at
        return [
            "embedding_model",
            "vector",
            "total_weight",
            "authors",
            "buckets",
            "terms",
            "tags",
            "engaged",
            "updated_at",
        ]

    def decay_to(self, now: datetime) -> None:
        if self.updated_at is not None:
            factor = decay_factor(now - self.updated_at)
            if self.vector is not None:
                self.vector = self.vector * factor
            self.weight *= factor
            for weights in (self.authors, self.buckets, self.terms, self.tags):
                for key in weights:
                    weights[key] *= factor
        self.updated_at = max(now, self.updated_at) if self.updated_at else now

    def add(self, signal: Engagement, model: str, *, sign: float = 1.0) -> None:
        """Add (sign +1) or take back (sign −1) one signal, already decayed to now."""
        amount = sign * signal.weight
        if signal.embedding is not None:
            if self.model != model or self.vector is None:  # a new embedder: start over
                self.model, self.vector, self.weight = model, np.zeros_like(signal.embedding), 0.0
            self.vector = self.vector + amount * signal.embedding
            self.weight = max(self.weight + amount, 0.0)
        if signal.author_id is not None:
            _bump(self.authors, str(signal.author_id), amount)
        if signal.bucket is not None:
            _bump(self.buckets, str(signal.bucket), amount)
        for word in signal.words:
            _bump(self.terms, word, amount / max(len(signal.words), 1))
        for tag in signal.tags:
            _bump(self.tags, tag, amount / len(signal.tags))
        if signal.post_id is not None:
            if signal.post_id in self.engaged:
                self.engaged.remove(signal.post_id)
            if sign > 0:
                self.engaged.append(signal.post_id)

    @property
    def mean(self) -> np.ndarray | None:
        """The average post liked (not unit length: its length says how focused the taste is)."""
        if self.vector is None or self.weight <= 0:
            return None
        return self.vector / self.weight


def _bump(weights: dict[str, float], key: str, amount: float) -> None:
    weights[key] = max(weights.get(key, 0.0) + amount, 0.0)


def signal_from(post: Post, weight: float, *, model: str) -> Engagement:
    """A post as an engagement signal; its vector counts only if made by `model`."""
    embedding = unpack(post.embedding) if post.embedding_model == model else None
    return Engagement(
        weight=weight,
        embedding=embedding,
        author_id=post.author_id,
        bucket=post.taste_bucket,
        words=tuple(dict.fromkeys(words(post.prompt or post.caption or "")))[:12],
        tags=post_tags(post.prompt, post.caption),
        post_id=post.id,
    )


OUTCOMES = {Signal.LIKE: Outcome.LIKE, Signal.COMMENT: Outcome.COMMENT, Signal.REMIX: Outcome.REMIX}


class TasteKeeper:
    """Keeps taste profiles and trending scores up to date (the `TasteUpdater` port), and
    joins each like, comment, remix, unlike and follow to the impression that led to it."""

    def __init__(
        self, indexer: PostIndexer, clock: Clock, impressions: ImpressionLog | None = None
    ) -> None:
        """`impressions`: where outcomes are joined (None: nowhere, as in a benchmark's
        replay that records no impressions to join them to)."""
        self._indexer = indexer
        self._clock = clock
        self._impressions = impressions
        self._samples: LikeSamples | None = None

    @property
    def model(self) -> str:
        return self._indexer.model_id

    async def post_created(self, post: Post) -> None:
        await self._indexer.index(post)
        own = signal_from(post, OWN_POST_WEIGHT, model=self.model)
        own.post_id = None  # your own post is not "engaged with": it may show in your feed
        own.author_id = None  # nor does it make you your own favourite author
        await self._apply(own, account_id=post.author_id)
        if post.remix_of_id is not None:
            parent = await Post.get_or_none(id=post.remix_of_id)
            if parent is not None:
                await refresh_hot(parent.id)
                weight = SIGNAL_WEIGHT[Signal.REMIX]
                await self._apply(signal_from(parent, weight, model=self.model), post.author_id)
                if self._impressions is not None:
                    await self._impressions.outcome(post.author_id, parent.id, Outcome.REMIX)
        if post.origin_chat_id is not None:
            place = await Destination.get_or_none(
                platform=post.origin_platform, chat_id=post.origin_chat_id
            )
            if place is not None:  # a channel's taste: what is posted there
                await self._apply(signal_from(post, 1.0, model=self.model), destination=place)

    def sample_likes(self, samples: LikeSamples) -> None:
        """Record like samples before likes (like_samples.py; the feed ranks them, and the
        feed is made after this keeper)."""
        self._samples = samples

    async def before_like(self, account: Account, post: Post) -> None:
        if self._samples is not None:
            await self._samples.before_like(account, post.id)

    async def engaged(self, account: Account, post: Post, signal: Signal) -> None:
        await self._apply(signal_from(post, SIGNAL_WEIGHT[signal], model=self.model), account.id)
        if self._impressions is not None:
            await self._impressions.outcome(account.id, post.id, OUTCOMES[signal])

    async def count(self, account: Account, post: Post, signal: Signal, by: int) -> int:
        """The counters, the fans' likes and `hot` in one UPDATE; whether it is a fan's like
        is read first (a like taken back: as far as can be told now, the like being gone
        already, so with one more)."""
        fans = 0
        if signal is Signal.LIKE:
            now = self._clock.now()
            fans = by if await fan_of(account.id, post.author_id, now, extra=int(by < 0)) else 0
        likes, comments = changes(signal, by)
        return await post_counts_changed(
            post.id, likes=likes, comments=comments, fans=fans, hot=hot_sql, read=post.like_count
        )

    async def unliked(self, account: Account, post: Post) -> None:
        signal = signal_from(post, SIGNAL_WEIGHT[Signal.LIKE], model=self.model)
        await self._apply(signal, account.id, sign=-1.0)
        if self._impressions is not None:
            await self._impressions.outcome(account.id, post.id, Outcome.UNLIKE)

    async def preferred(self, account: Account, post: Post, over: Post) -> None:
        """`account` chose `post` over `over` in /rate (rating.py): their taste moves towards
        it and away from the other (see `PREFERRED_CONTRAST`); neither is "engaged with"
        (both may still show in their feed).

        The contrast holds for every part of the taste, not the vector alone: the other
        post's author, bucket, words and #tags lose `PREFERRED_CONTRAST` of what the chosen
        one's gain, so what the two share counts for half. The pair is /rate's choice, not
        the person's: with the author counted in full, a vote between two posts of one
        author read as "more of this author" whatever the vote said, and the feed's
        `authors` source (candidates.py) brought that author's newest posts of every style
        into the next pairs (tests/core/test_rate_teaches_the_feed.py)."""
        signal = signal_from(post, PREFERRED_WEIGHT, model=self.model)
        signal.post_id = None
        against = signal_from(over, PREFERRED_WEIGHT * PREFERRED_CONTRAST, model=self.model)
        against.post_id = None
        if signal.embedding is not None and against.embedding is not None:
            signal.embedding = signal.embedding - PREFERRED_CONTRAST * against.embedding
        against.embedding = None  # the vector's contrast is in `signal` (its weight kept)
        await self._apply(signal, account.id, then=against)

    async def followed(self, follower: Account, followee: Account) -> None:
        rows = await column(
            Post.filter(author_id=followee.id, deleted_at=None, embedding_model=self.model)
            .order_by("-created_at")
            .limit(FOLLOW_SAMPLE),
            "embedding",
        )
        vectors = [v for v in (unpack(r) for r in rows) if v is not None]
        embedding = np.mean(vectors, axis=0) if vectors else None
        signal = Engagement(weight=FOLLOW_WEIGHT, embedding=embedding)  # affinity: the follow
        await self._apply(signal, follower.id)
        if self._impressions is not None:
            await self._impressions.followed(follower.id, followee.id)

    async def unfollowed(self, follower: Account, followee: Account) -> None:
        async with in_transaction():
            profile = await _locked(account_id=follower.id)
            state = TasteState.of(profile)
            state.authors.pop(str(followee.id), None)
            await profile.save(update_fields=state.write(profile))

    async def _apply(
        self,
        signal: Engagement,
        account_id: int | None = None,
        *,
        destination: Destination | None = None,
        sign: float = 1.0,
        then: Engagement | None = None,
    ) -> None:
        """Add `signal` (sign +1) or take it back (−1); `then`: a signal taken back in the
        same write (a /rate vote's other post)."""
        async with _transaction():
            if destination is not None:
                profile = await _locked(destination_id=destination.id)
            else:
                profile = await _locked(account_id=account_id)
            state = TasteState.of(profile)
            state.decay_to(self._clock.now())
            state.add(signal, self.model, sign=sign)
            if then is not None:
                state.add(then, self.model, sign=-1.0)
            await profile.save(update_fields=state.write(profile))


def _transaction() -> AbstractAsyncContextManager[object]:
    """A transaction to hold the profile's lock: the one open (a like's, a comment's: the lock
    lasts until it ends, and a failure here fails it all), or a new one. A savepoint inside
    the open one cost two round trips a like and bought nothing."""
    if isinstance(TasteProfile._meta.db, TransactionalDBClient):
        return contextlib.nullcontext()
    return in_transaction()


async def _locked(**owner: int | None) -> TasteProfile:
    """The owner's profile row, locked until the transaction ends (created on first use)."""
    profile = await TasteProfile.filter(**owner).select_for_update().first()
    if profile is not None:
        return profile
    try:
        async with in_transaction():  # a savepoint: a concurrent first write may win
            # using_db named: the owner columns in **owner are never taken for it
            return await TasteProfile.create(using_db=None, **owner)
    except IntegrityError:
        found = await TasteProfile.filter(**owner).select_for_update().first()
        if found is None:
            raise
        return found


def bulk_tastes(
    owners: np.ndarray,
    times: np.ndarray,
    weights: np.ndarray,
    embeddings: np.ndarray,
    *,
    now: float,
    count: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Taste vectors and weights of `count` owners at `now` from a whole history at once:
    exactly what replaying the events one by one through `TasteState` gives (used to load
    benchmark data; tested against the incremental path). Times in seconds."""
    factors = weights * 0.5 ** ((now - times) / HALF_LIFE.total_seconds())
    vectors = np.zeros((count, embeddings.shape[1]), dtype=np.float32)
    if len(owners):  # grouped sums (sort + reduceat: much faster than np.add.at)
        order = np.argsort(owners, kind="stable")
        grouped = owners[order]
        starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
        weighted = embeddings[order] * factors[order, None].astype(np.float32)
        vectors[grouped[starts]] = np.add.reduceat(weighted, starts, axis=0)
    totals = np.bincount(
        owners, weights=factors * (np.abs(embeddings).sum(axis=1) > 0), minlength=count
    )
    return vectors, totals
