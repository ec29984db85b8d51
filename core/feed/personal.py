"""The personalized feed: candidates → features → one score → diversity → pages.

A page costs a constant number of queries (eight), whatever the size of the network:

1. the viewer's feed session (pages of this session, what they saw lately), and side by side
2. the viewer's taste profile (taste vector, authors, buckets, #tags, tuning)
3. candidates from every source (followees' latest posts, new posts of the viewer's
   favourite #tags, posts liked by the viewer's peers, taste buckets, trending, newcomers,
   tuning), whom the viewer follows, and the features of the candidates that pass
   `visible_to` (audience, blocks, deletions): one statement (`candidates.gather`), and side
   by side with it
4. how crowded the viewer's #tags were lately (`crowding.volumes`)
5. the posts of the page, with authors, to show them (and, when the page shows remixes, the
   posts they remix with their authors: two more), and side by side with it
6. the session again, saved with a version check (another process may serve the same viewer;
   a viewer's first session is created here), and side by side with both
7. the page's impressions, one multi-row INSERT (`impressions.ImpressionLog`), then
8. the shown posts' `shown` counts (what exploration weighs likes against), one UPDATE

Once a minute (`ranker.REFRESH_SECONDS`) a page also reads which fitted ranker is active.

Sessions: `/feed` starts one; "next" continues it. Every page of a session is stored, so a
later page never repeats an earlier one, and any process can serve it. Each new page is
ranked afresh, so a like on page 1 already shapes page 2; posts of earlier sessions sink a
little each time they were shown (`seen`).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Collection, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Literal

import numpy as np
from tortoise.exceptions import IntegrityError
from tortoise.expressions import RawSQL
from tortoise.queryset import QuerySet, ValuesQuery

from core.clock import Clock
from core.errors import Conflict, InvalidInput, NotFound
from core.feed.candidates import SourceLimits, Visible, gather
from core.feed.crowding import volumes
from core.feed.diversity import paginate
from core.feed.embeddings import (
    EmbeddingUnavailable,
    TextEmbedder,
    nearest_buckets,
    unpack_matrix,
)
from core.feed.exploration import EXPLORE_SHARE, explore
from core.feed.fans import effective_likes
from core.feed.features import FeatureTable, PostFeatures, source_bits
from core.feed.impressions import ImpressionLog, Shown, Surface, pack
from core.feed.ranker import RankerParameters, ServingRanker
from core.feed.scoring import (
    PARTS,
    Breakdown,
    Scorer,
    SteeringVector,
    ViewerTaste,
    Weights,
    rank,
)
from core.feed.steering import Direction, SteeringTerm, as_written, parse_steering
from core.feed.taste import TasteState, decay_factor
from core.feed.terms import post_tags, words
from core.persistence.models import Account, FeedSession, Post, TasteProfile
from core.social.visibility import visible_to

SEEN_MEMORY = 500  # posts remembered as shown, per viewer: weeks of daily pages
SAVE_ATTEMPTS = 3  # two processes racing for one viewer settle in one retry; three is ample
MAX_JUMP = 20  # `/feed 30` on a fresh session ranks at most this many pages ahead
# Taste buckets searched: the three most engaged, two nearest the taste vector, room for a
# `/feed tune` term; each bucket costs two small index scans (`similar`, `new`).
BUCKETS_FROM_HISTORY, BUCKETS_FROM_TASTE, BUCKETS_MAX = 3, 2, 6
LIKED_TAGS = 4  # the viewer's favourite #tags whose newest posts are candidates
TAGGED_TERMS_MAX = 4  # `/feed tune` terms looked up as words or #tags (as `LIKED_TAGS`)
NO_BUCKET = -1  # no post is in it (a post without a vector has no bucket: NULL)

FEATURE_FIELDS = (
    "id",
    "author_id",
    "like_count",
    "comment_count",
    "remix_count",
    "embedding",
    "embedding_model",
    "newcomer",
    "shown",
    "fan_likes",
    "prompt",
    "caption",
)


@dataclass(slots=True)  # not frozen: a page makes hundreds, and frozen ones cost twice as much
class RankedPost:
    breakdown: Breakdown
    sources: AbstractSet[str]  # which candidate sources brought it

    @property
    def features(self) -> PostFeatures:
        return self.breakdown.features

    @property
    def post_id(self) -> int:
        return self.breakdown.post_id

    @property
    def author_id(self) -> int:
        return self.breakdown.author_id


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
class _Scored:
    breakdowns: list[Breakdown]
    sources: dict[int, set[str]]
    followees: set[int]


@dataclass(frozen=True, slots=True)
class FeedPage:
    number: int
    posts: list[Post]
    has_more: bool


@dataclass(frozen=True, slots=True)
class Tuning:
    text: str
    terms: tuple[SteeringTerm, ...]


@dataclass(frozen=True, slots=True)
class Explanation:
    post: Post
    breakdown: Breakdown
    weights: Weights
    model: int  # the ranker version whose weights these are (0: the hand-set prior)
    followed: bool
    own: bool
    position: tuple[int, int] | None  # (page, place) in the viewer's current feed session


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
        self.ranker = ranker or ServingRanker(clock)
        self.explore_share = explore_share
        self.rng = rng or np.random.default_rng()
        self._fixed = weights is not None
        self.parameters = RankerParameters(weights=weights or Weights())
        self.limits = limits or SourceLimits()
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

    # ------------------------------------------------------------------ pages

    async def page(
        self, viewer: Account, number: int | None = None, *, safe: bool = False
    ) -> FeedPage:
        """`number=None` starts a new session at page 1; a number shows that page of the
        current session (ranking the pages up to it that were not shown yet). `safe`: no
        sensitive posts (the page is shown in a place with NSFW off)."""
        for _ in range(SAVE_ATTEMPTS):
            stored, profile = await asyncio.gather(
                FeedSession.get_or_none(account_id=viewer.id),
                TasteProfile.get_or_none(account_id=viewer.id),
            )
            session = stored or FeedSession(account_id=viewer.id)  # `_save` creates a first one
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
                _ranked_posts(planned.ids),
                self._save(session, version, planned.pages),
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
        ids = session.pages[number - 1]
        return FeedPage(number, await self._posts(viewer.id, ids), has_more=True)

    async def _next(
        self,
        viewer: Account,
        profile: TasteProfile | None,
        session: FeedSession,
        number: int,
        *,
        safe: bool,
    ) -> _Planned:
        shown = set(itertools.chain.from_iterable(session.pages))
        ranked = await self._rank(viewer, profile, exclude=shown, seen=_seen(session), safe=safe)
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

    async def _save(self, session: FeedSession, version: int, new_pages: list[list[int]]) -> bool:
        """Store the new pages, if nobody else stored a page for the viewer since `version`
        was read (else False: read the session again and rank again)."""
        seen = _seen(session)
        for post_id in itertools.chain.from_iterable(new_pages):
            seen[post_id] = seen.pop(post_id, 0) + 1  # re-inserted: most recent last
        values = {
            "number": session.number,
            "pages": [*session.pages, *new_pages],
            "seen": [[post_id, times] for post_id, times in seen.items()][-SEEN_MEMORY:],
            "version": version + 1,
            "updated_at": self.clock.now(),
        }
        if session.id is None:  # the viewer's first session, created with its first pages
            try:
                await FeedSession.create(account_id=session.account_id, **values)
            except IntegrityError:  # another process created it meanwhile
                return False
            return True
        return await FeedSession.filter(id=session.id, version=version).update(**values) == 1

    async def _posts(self, viewer_id: int, ids: list[int]) -> list[Post]:
        """The posts of a stored page, with authors, in its order; any no longer visible (since
        it was ranked, maybe days ago) are left out."""
        return await _in_order(Post.filter(visible_to(viewer_id), id__in=ids), ids)

    async def top(
        self, viewer: Account, *, limit: int, offset: int = 0, safe: bool = False
    ) -> list[Post]:
        """The viewer's best posts, without touching their feed session (for digests)."""
        ranked = await self.rank(viewer, safe=safe)
        return await _ranked_posts([r.post_id for r in ranked[offset : offset + limit]])

    # ------------------------------------------------------------------ ranking

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
        profile = await TasteProfile.get_or_none(account_id=viewer.id)
        return await self._rank(viewer, profile, exclude=exclude, seen=seen, safe=safe)

    async def _rank(
        self,
        viewer: Account,
        profile: TasteProfile | None,
        *,
        exclude: Collection[int] = (),
        seen: dict[int, int] | None = None,
        safe: bool = False,
    ) -> list[RankedPost]:
        scored = await self._score(viewer, profile, exclude=exclude, seen=seen, safe=safe)
        sources = scored.sources
        return [RankedPost(b, sources.get(b.post_id, set())) for b in rank(scored.breakdowns)]

    async def _score(
        self,
        viewer: Account,
        profile: TasteProfile | None,
        *,
        exclude: Collection[int] = (),
        seen: dict[int, int] | None = None,
        safe: bool = False,
        also: int | None = None,
    ) -> _Scored:
        """Every candidate the viewer may see, and the post `also` wherever it comes from,
        scored together: some parts measure a post against the others (`following`: is a
        newer post of its author among them; `standout`: how it compares with posts of its
        #tags), so a post is scored the same in the feed and in `/why`."""
        await self._refresh_ranker()
        state = TasteState.of(profile) if profile is not None else TasteState()
        steering = self._steering_vectors(profile)
        now = self.clock.now()
        # The candidate statement and how crowded the viewer's #tags are, side by side. Its
        # lists are padded to their maximum length with values that match nothing, so that
        # the statement keeps one text and PostgreSQL can reuse its prepared plan.
        found, crowding = await asyncio.gather(
            gather(
                viewer.id,
                _visible_features(viewer.id, safe=safe),
                buckets=_padded(self._buckets(state, steering), BUCKETS_MAX, NO_BUCKET),
                terms=_padded(self._tagged_terms(steering), TAGGED_TERMS_MAX, ""),
                tags=_padded(_favourites(state.tags, LIKED_TAGS), LIKED_TAGS, ""),
                now=now,
                engaged=state.engaged,
                limits=self.limits,
            ),
            volumes(state.tags, now),
        )
        excluded = set(exclude)
        rows = [r for r in found.features if r["id"] not in excluded]
        if also is not None and all(r["id"] != also for r in rows):
            rows += await _with_features(Post.filter(id=also))
        features = self._feature_table(rows)
        taste = self._viewer(viewer.id, now, state, found.followees, steering, seen or {}, crowding)
        sources = found.sources
        bits = np.array([source_bits(sources.get(i, ())) for i in features.post_ids.tolist()])
        breakdowns = self.scorer.score(taste, features, bits.astype(np.int64))
        return _Scored(breakdowns, sources, found.followees)

    def _feature_table(self, rows: Sequence[Any]) -> FeatureTable:
        """Rows of `_with_features` (dicts of the ORM, or rows as the driver returns them) as
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
        history = sorted(state.buckets.items(), key=lambda item: -item[1])
        chosen = [int(bucket) for bucket, _ in history[:BUCKETS_FROM_HISTORY]]
        mean = state.mean if state.model == self.embedder.model_id else None
        if mean is not None:
            chosen += nearest_buckets(mean, BUCKETS_FROM_TASTE)
        for term in steering:
            if term.weight > 0 and term.vector is not None:
                chosen += nearest_buckets(term.vector, 1)
        return list(dict.fromkeys(chosen))[:BUCKETS_MAX]

    @staticmethod
    def _tagged_terms(steering: tuple[SteeringVector, ...]) -> list[str]:
        found: list[str] = []
        for term in steering:
            if term.weight > 0:
                found += [term.text.replace(" ", "-"), *words(term.text)]
        return list(dict.fromkeys(found))[:TAGGED_TERMS_MAX]

    def _steering_vectors(self, profile: TasteProfile | None) -> tuple[SteeringVector, ...]:
        if profile is None:
            return ()
        terms = []
        for item in profile.steering:
            term = _term(item)
            vector = item.get("vector") if item.get("model") == self.embedder.model_id else None
            terms.append(
                SteeringVector(
                    term.text,
                    term.direction,
                    term.weight,
                    None if vector is None else _array(vector),
                    term.strength,
                )
            )
        return tuple(terms)

    # ------------------------------------------------------------------ /why

    async def explain(self, viewer: Account, post: Post) -> Explanation:
        """The score of one post (already checked visible) for the viewer, part by part, as
        the feed would rank it now."""
        profile, session = await asyncio.gather(
            TasteProfile.get_or_none(account_id=viewer.id),
            FeedSession.get_or_none(account_id=viewer.id),
        )
        seen = _seen(session) if session else {}
        scored = await self._score(viewer, profile, seen=seen, also=post.id)
        breakdown = next((b for b in scored.breakdowns if b.post_id == post.id), None)
        if breakdown is None:
            raise NotFound("error.unknown_post", post=post.id)
        return Explanation(
            post=post,
            breakdown=breakdown,
            weights=self.weights,
            model=self.model_version,
            followed=post.author_id in scored.followees,
            own=post.author_id == viewer.id,
            position=_position(session, post.id),
        )

    # ------------------------------------------------------------------ /feed tune

    async def tuning(self, viewer: Account) -> Tuning:
        profile = await TasteProfile.get_or_none(account_id=viewer.id)
        if profile is None:
            return Tuning("", ())
        return Tuning(profile.steering_text, tuple(_term(item) for item in profile.steering))

    async def tune(self, viewer: Account, text: str) -> Tuning:
        """Store the viewer's steering; it applies from the next page on."""
        terms = parse_steering(text)
        if not terms:
            raise InvalidInput("error.tune_empty")
        try:
            vectors = await self.embedder.embed([as_written(term, text) for term in terms])
        except EmbeddingUnavailable:
            raise InvalidInput("error.tune_unavailable") from None
        stored = [
            {
                "text": term.text,
                "direction": term.direction.value,
                "strength": term.strength,
                "model": self.embedder.model_id,
                "vector": [round(float(x), 5) for x in vector],
            }
            for term, vector in zip(terms, vectors, strict=True)
        ]
        profile, _ = await TasteProfile.get_or_create(account_id=viewer.id)
        profile.steering_text = text.strip()
        profile.steering = stored
        await profile.save(update_fields=["steering_text", "steering"])
        return Tuning(profile.steering_text, tuple(terms))

    async def reset_tuning(self, viewer: Account) -> None:
        await TasteProfile.filter(account_id=viewer.id).update(steering_text="", steering=[])


async def _ranked_posts(ids: list[int]) -> list[Post]:
    """The posts just ranked, with authors, in ranking order. `rank` took them from the posts
    `visible_to` allowed in this request, so they are not checked again (the ORM took ~1 ms to
    write that check)."""
    return await _in_order(Post.filter(id__in=ids), ids)


async def _in_order(query: QuerySet[Post], ids: list[int]) -> list[Post]:
    """The posts of `query` among `ids`, with their authors, in the order of `ids`. The posts
    they remix, with their authors, come by a second query, only when there are any: joining
    them always took a third of a page's ORM time, for pages that mostly have none."""
    if not ids:
        return []
    rows = await query.select_related("author").prefetch_related("remix_of__author")
    by_id = {post.id: post for post in rows}
    return [by_id[i] for i in ids if i in by_id]


def _with_features(query: QuerySet[Post]) -> ValuesQuery[Literal[False]]:
    """The columns the ranker reads, `created_at` raw (as `created`, parsed by `_instant`):
    the ORM's pure-Python ISO parser took ~8 ms of a SQLite page for ~400 candidates,
    `datetime.fromisoformat` is C."""
    created = RawSQL('"post"."created_at"')
    return query.annotate(created=created).values(*FEATURE_FIELDS, "created")


def _visible_features(viewer_id: int, *, safe: bool) -> Visible:
    """The features of the posts the viewer may see (and, if `safe`, that are not sensitive),
    as SQL for the candidate statement, written by the ORM from `visible_to` (never restated
    by hand): once per kind of database, with the viewer's id put in its places."""
    written = _visible_for_anyone(safe, Post._meta.db.capabilities.dialect)
    values = [viewer_id if value == _ANY_VIEWER else value for value in written.values]
    return Visible(written.sql, values, written.columns)


_ANY_VIEWER = -7_340_033  # no account's id: marks the viewer's places in the written SQL


@lru_cache(maxsize=8)
def _visible_for_anyone(safe: bool, dialect: str) -> Visible:
    """`_visible_features` for `_ANY_VIEWER`. Writing it took the ORM ~1 ms, as long as
    ranking a page's candidates; the text is the same for every viewer (the id is a
    parameter), so it is written once per `dialect`."""
    allowed = Post.filter(visible_to(_ANY_VIEWER))
    query = _with_features(allowed.filter(sensitive=False) if safe else allowed)
    query.sql()  # builds `query.query`, whose parameters are then read in placeholder style
    text, values = query.query.get_parameterized_sql()
    if str(_ANY_VIEWER) in text:  # written into the text, not a parameter: cannot be reused
        raise RuntimeError("visible_to wrote the viewer's id into the SQL text")
    return Visible(text, list(values), (*FEATURE_FIELDS, "created"))


def _instant(value: datetime | str) -> datetime:
    """A timestamp as PostgreSQL (datetime) or SQLite (ISO text) returns it, in UTC."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _padded(values: list, size: int, filler: object) -> list:
    return values + [filler] * (size - len(values))


def _favourites(weights: dict[str, float], count: int) -> list[str]:
    """The `count` heaviest keys (ties by name, so the same profile gives the same query)."""
    return [key for key, _ in sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:count]]


def _seen(session: FeedSession) -> dict[int, int]:
    """Post id → times shown, in the order last shown (a JSON list keeps its order; JSON
    objects lose theirs on PostgreSQL, which stores them as jsonb)."""
    return {int(post_id): int(times) for post_id, times in session.seen}


def _term(item: dict) -> SteeringTerm:
    return SteeringTerm(item["text"], Direction(item["direction"]), float(item["strength"]))


def _array(values: list[float]) -> np.ndarray:
    return np.asarray(values, dtype=np.float32)


def _position(session: FeedSession | None, post_id: int) -> tuple[int, int] | None:
    if session is None:
        return None
    for page_number, ids in enumerate(session.pages, start=1):
        if post_id in ids:
            return page_number, ids.index(post_id) + 1
    return None
