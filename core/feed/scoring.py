"""The one scoring function of the feed: a weighted sum of a few features, each explained.

For a viewer and a post:

| part         | value (0–1 unless noted)                                                       |
|--------------|--------------------------------------------------------------------------------|
| affinity     | 1 for your own post; 0.6 if you follow the author, plus up to 0.4 for how much |
|              | you liked, commented on and remixed their posts lately                         |
| following    | the latest of someone you follow, however old, until they post again: the      |
|              | chance it is the post of theirs you come to next, if you look back about 1½    |
|              | days and a day passes before you do (`_come_to`); halved for each time it      |
|              | was shown to you; shared out when you follow many (× min(1, 20 / follows))     |
| similarity   | how close the post is to the posts you liked lately nearest it (the mean       |
|              | cosine to the `NEAREST` closest), relative to how close each of those is to    |
|              | its own nearest (1 = as close as a typical one); with too few liked posts, the |
|              | closeness to the average post you liked, relative to the same of theirs        |
| tags         | how much you like the post's #tags: the mean of their weights in your taste,  |
|              | relative to your favourite tag                                                 |
| match        | similarity³ × e^(−age / 3 days) × how well liked it is (1 + ln(1 + likes + …)) |
|              | ÷ (1 + ln 21): close to your taste, new and liked, all at once (about 0–1)     |
| standout     | a new post that stands out among the posts of its #tags, for the attention you |
|              | give those tags: (the tags' share of what you like ÷ how many posts they had   |
|              | lately, `crowding`) × e^(−age / 2 days) × standing (`_standing`: its likes for |
|              | its age, relative to other posts of its #tags). Small numbers: weight 400      |
| engagement   | likes + 2·comments + 3·remixes, decayed by the post's age, on a log scale      |
| freshness    | e^(−age / 1 day)                                                               |
| steering     | Σ (weight of each `/feed tune` term × how clearly the post matches it)          |
| newcomer     | 1 for one of the first posts of an author you don't follow                    |
| seen         | how often the feed showed it to you already (0–3), counts against it           |
| engaged      | 1 if you already liked, commented on or remixed it, counts against it          |
| recency      | learned (`Learned.recency`): how newness pays in this community, a mix of       |
|              | e^(−age / τ) over a few time scales τ, with the shares the fit gave them; for  |
|              | followees' posts (`network`) a second mix of its own (`network_recency`)        |
| source       | learned (`Learned.sources`): what the candidate sources that brought the post  |
|              | say about it, by the shares the fit gave each                                  |
| peers        | the post's co-like weight among the viewer's peers (people who                 |
|              | liked what you liked; the `peers` source), relative to the candidate with the  |
|              | highest (1)                                                                    |
| quality      | learned weight: how people prefer it in /rate pairs (quality.py): its          |
|              | Bradley–Terry strength, log-odds against the average post (0 without votes),  |
|              | within ±`QUALITY_CAP`                                                          |

score = Σ weight × value. The weights are the hand-set `Weights` until a ranker fitted to the
community's own impressions wins on held-out ones (ranker.py, fitting.py); then it sets them,
and `recency` and `source`, which are 0 in the prior.

`following`, `standout` and `match` are the ways people find what they like next: the latest
post of someone they follow, and a new, well-liked post of a kind they like (in the feed
benchmark these parts moved recall@20 most). The same code ranks the feed and explains it
(`/why`), so the explanation is the ranking, not a story about it.
Vectorized with numpy over all candidates.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

from core.feed.features import SOURCES, FeatureTable, PostFeatures, TagMembership
from core.feed.hot import engagement
from core.feed.steering import Direction

# Why the constants below have their values. They shape the parts; how much each part counts,
# and how newness pays overall (the `recency` mix of time scales from an hour to nine days),
# is fitted to the community's own impressions (fitting.py). So the time scales here are
# units more than answers: they were set as the human rhythm of a chat feed (a day, a few
# days), and the fit corrects for them where a community's pace differs (a fast community
# gets a large weight on the one-hour `recency` term and a small one on `following`).
FRESH_TIMESCALE = timedelta(hours=24)  # `freshness`: one day, the rhythm of daily visits
NEWS_TIMESCALE = timedelta(days=3)  # `match`: a weekend's worth; older posts need likes
LOOK_BACK = timedelta(hours=36)  # `following`: a day and a half, about two visits back …
LOOK_DELAY = timedelta(days=1)  # … and about a day until the next visit (daily use)
SEEN_FADE = 0.5  # `following`: halved per showing: shown twice and skipped is a no
FOLLOWS_REFERENCE = 20  # `following`: about how many people one can keep up with daily
# `similarity`: a post is compared with the few liked posts nearest it, not with their average:
# the average of several tastes lies between them, near none (docs/benchmarks.md, "learn,
# stop 22/24"). A few, not one: a single near-duplicate says less than three close ones.
NEAREST = 3
MATCH_SHARPNESS = 3  # `match`: cubed, so a typical-closeness post scores 1 and a loose one ~0
ATTENTION_TIMESCALE = timedelta(days=2)  # `standout`: posts get most of their likes in days
# `standout`: half a like and 5 % of attention as pseudo-counts, so that a post without likes
# yet is small but comparable (not zero, not divided by zero)
LIKES_PRIOR, ATTENTION_PRIOR = 0.5, 0.05
STANDING_PRIOR = 5.0  # `standout`: a tag's mean needs ~5 posts before it outweighs all's
ENGAGEMENT_TIMESCALE = timedelta(hours=36)  # `engagement`: likes of the last day or two
ENGAGEMENT_REFERENCE = 20.0  # decayed engagement that counts as fully trending (value 1): a
# post that twenty people engaged with lately is as trending as a small community gets
AUTHOR_SCALE = 3.0  # `affinity`: three recent likes of an author's posts give ~63 % of it
SEEN_CAP = 3  # `seen`: after three showings more say nothing new
QUALITY_CAP = 3.0  # `quality`: past 20:1 odds more votes say nothing new to a feed
HIDE_AT = 0.4  # a "no …" term hides posts matching it at least this clearly
ONLY_PENALTY = 2.0  # with "only …" terms, a post matching none of them loses this much

PARTS = (
    "affinity",
    "following",
    "similarity",
    "tags",
    "match",
    "standout",
    "engagement",
    "freshness",
    "steering",
    "newcomer",
    "seen",
    "engaged",
    "recency",
    "source",
    "peers",  # new parts go at the end: impressions store the values in this order
    "quality",
)


@dataclass(frozen=True, slots=True)
class Weights:
    affinity: float = 1.0
    following: float = 5.0  # a followee's latest post is the likeliest like of all
    similarity: float = 1.5
    match: float = 1.5
    tags: float = 1.0
    standout: float = 400.0  # its values are small: a share of a few % over dozens of posts
    engagement: float = 1.0
    freshness: float = 0.5
    steering: float = 1.0
    newcomer: float = 0.15
    seen: float = 0.35  # per earlier showing
    engaged: float = 3.0
    recency: float = 0.0  # learned parts: nothing until a fitted ranker serves
    source: float = 0.0
    # `peers` in the prior: the weight the product's own fits gave this part, none chosen
    # here: 0.8–1.2 on every `notags` refit, 0.4–1.9 on every refit of every family (tenth
    # round, docs/benchmarks.md), so 1. Those refits ran on bench.workload's generated
    # communities, so the value is a sample: a community whose co-likes say less (likes that
    # follow popularity) gets its own weight from its first refit that wins on held-out
    # impressions. Without #tags, co-likes are the sign that finds and orders strangers'
    # posts, and a young community's refits are rarely proven better than the prior
    # ("learn, stop 22"), so the prior counts them already.
    peers: float = 1.0
    # 0 in the prior: how much a vote of strangers should move a person's feed is the
    # community's to say, so only a fit that wins on held-out impressions gives it one.
    quality: float = 0.0

    def of(self, part: str) -> float:
        return float(getattr(self, part))


@dataclass(frozen=True, slots=True)
class Learned:
    """What a fitted ranker adds to the hand-written parts: how newness pays, as shares of
    e^(−age / τ) per time scale τ (seconds), and what each candidate source says."""

    recency: tuple[tuple[float, float], ...] = ()
    sources: tuple[tuple[str, float], ...] = ()
    # The same basis again for the posts the `network` source brought (the people one
    # follows): how fast a followee's post goes stale is a pace of its own, often hours
    # where topic posts keep for days; the fit sets both, in the `recency` part's unit.
    network_recency: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True, slots=True)
class SteeringVector:
    text: str
    direction: Direction
    weight: float
    vector: np.ndarray | None
    strength: float = 1.0  # the term's (`SteeringTerm.strength`), already in `weight`


@dataclass(frozen=True, slots=True)
class ViewerTaste:
    """What the ranker knows about the viewer at the moment of ranking."""

    account_id: int
    now: datetime
    followees: frozenset[int] = frozenset()
    taste: np.ndarray | None = None  # the average post liked (`TasteState.mean`)
    liked: np.ndarray | None = None  # the vectors of the posts liked lately, one a row
    authors: dict[int, float] | None = None  # decayed engagement per author
    steering: tuple[SteeringVector, ...] = ()
    seen: dict[int, int] | None = None  # post id → times shown
    engaged: frozenset[int] = frozenset()
    tags: dict[str, float] | None = None  # weight per #tag of posts engaged with
    crowding: dict[str, float] | None = None  # #tag → its recent posts, decayed (`crowding`)


class Breakdown:
    """One post's score, part by part: `values` are the features, `parts` value × weight.

    The ranking needs only `total`; the parts are read from the arrays of the whole scoring
    when asked for (`/why`, suggestions), so hundreds of candidates cost no dictionaries."""

    __slots__ = ("_row", "_table", "author_id", "hidden", "post_id", "total")

    def __init__(
        self, post_id: int, author_id: int, total: float, hidden: bool, table: _Table, row: int
    ) -> None:
        self.post_id = post_id
        self.author_id = author_id
        self.total = total
        self.hidden = hidden  # a "no …" term matches it
        self._table = table
        self._row = row

    def value(self, name: str) -> float:
        return float(self._table.values[name][self._row])

    @property
    def values(self) -> dict[str, float]:
        return {name: float(self._table.values[name][self._row]) for name in PARTS}

    @property
    def parts(self) -> dict[str, float]:
        return {name: float(self._table.parts[name][self._row]) for name in PARTS}

    @property
    def features(self) -> PostFeatures:
        """What the ranker knew about the post."""
        return self._table.posts.post(self._row)

    @property
    def likes(self) -> float:
        """`features.likes` without building the `PostFeatures`."""
        return float(self._table.posts.likes[self._row])

    @property
    def shown(self) -> int:
        """`features.shown` without building the `PostFeatures`."""
        return int(self._table.posts.shown[self._row])

    @property
    def matches(self) -> tuple[tuple[SteeringVector, float], ...]:
        """Each tuning term and how clearly the post matches it (0–1)."""
        return tuple((term, float(m[self._row])) for term, m in self._table.matches)

    def __repr__(self) -> str:
        return f"Breakdown(post_id={self.post_id}, total={self.total:.3f})"


@dataclass(frozen=True, slots=True)
class _Table:
    posts: FeatureTable
    values: dict[str, np.ndarray]
    parts: dict[str, np.ndarray]
    matches: list[tuple[SteeringVector, np.ndarray]]


class Scorer:
    def __init__(
        self, weights: Weights, match_range: tuple[float, float], learned: Learned = Learned()
    ) -> None:
        self.weights = weights
        self.learned = learned
        self.match_low, self.match_high = match_range

    def score(
        self,
        viewer: ViewerTaste,
        posts: FeatureTable | Sequence[PostFeatures],
        sources: np.ndarray | None = None,
        peer_likes: np.ndarray | None = None,
    ) -> list[Breakdown]:
        """`sources`: per post, the bits (`SOURCES`) of the candidate sources that brought it;
        `peer_likes`: per post, its co-like weight among the viewer's peers
        (`Candidates.peer_likes`)."""
        table = posts if isinstance(posts, FeatureTable) else FeatureTable.of(posts)
        if not len(table):
            return []
        values = self._values(viewer, table)
        ages = np.maximum(viewer.now.timestamp() - table.created, 0.0)
        bits = np.zeros(len(table), dtype=np.int64) if sources is None else sources
        values["recency"] = learned_recency(self.learned, ages, bits)
        values["source"] = learned_source(self.learned, bits)
        peers = np.zeros(len(table)) if peer_likes is None else peer_likes.astype(float)
        strongest = float(peers.max()) if len(peers) else 0.0
        # relative to the viewer's most co-liked candidate: a scale of the viewer's own (one
        # with many peers has large sums), no constant; the fit weighs it
        values["peers"] = peers / strongest if strongest > 0 else peers
        matches, steering, hidden = self._steering(viewer, table.embeddings, len(table))
        values["steering"] = steering
        signs = {"seen": -1.0, "engaged": -1.0}
        parts = {
            name: signs.get(name, 1.0) * self.weights.of(name) * values[name] for name in PARTS
        }
        totals = sum(parts.values(), np.zeros(len(table))).tolist()
        scored = _Table(table, values, parts, matches)
        ids, authors, flags = table.post_ids.tolist(), table.author_ids.tolist(), hidden.tolist()
        return [
            Breakdown(ids[i], authors[i], totals[i], flags[i], scored, i) for i in range(len(table))
        ]

    def _values(self, viewer: ViewerTaste, posts: FeatureTable) -> dict[str, np.ndarray]:
        ages = np.maximum(viewer.now.timestamp() - posts.created, 0.0)
        own = posts.author_ids == viewer.account_id
        followed = _among(posts.author_ids, viewer.followees)
        authors = viewer.authors or {}
        liked_author = np.array([authors.get(a, 0.0) for a in posts.author_ids.tolist()])
        affinity = 0.6 * followed + 0.4 * (1.0 - np.exp(-liked_author / AUTHOR_SCALE))
        affinity = np.where(own, 1.0, affinity)

        raw = engagement(posts.likes, posts.comments, posts.remixes).astype(float)
        decayed = raw * np.exp(-ages / ENGAGEMENT_TIMESCALE.total_seconds())
        engagement_value = np.minimum(np.log1p(decayed) / math.log1p(ENGAGEMENT_REFERENCE), 1.0)

        seen = viewer.seen or {}
        shown = np.array([seen.get(i, 0) for i in posts.post_ids.tolist()], dtype=float)
        freshness = np.exp(-ages / FRESH_TIMESCALE.total_seconds())
        news = np.exp(-ages / NEWS_TIMESCALE.total_seconds())
        attention = min(1.0, FOLLOWS_REFERENCE / max(len(viewer.followees), 1))
        newer = _newer_post_ages(posts.author_ids, posts.post_ids, ages)
        similarity = self._similarity(viewer, posts.embeddings, len(posts))
        liked = (1.0 + np.log1p(raw)) / (1.0 + math.log1p(ENGAGEMENT_REFERENCE))
        lifetimes = ages / ATTENTION_TIMESCALE.total_seconds()  # `standout`'s age unit
        return {
            "affinity": affinity,
            "following": np.where(
                followed & ~own, attention * _come_to(ages, newer) * SEEN_FADE**shown, 0.0
            ),
            "similarity": similarity,
            "tags": _tag_affinity(viewer.tags or {}, posts.membership),
            "match": similarity**MATCH_SHARPNESS * news * liked,
            "standout": _tag_pull(viewer.tags or {}, viewer.crowding or {}, posts.membership)
            * np.exp(-lifetimes)
            * _standing(posts.membership, raw, lifetimes),
            "engagement": engagement_value,
            "freshness": freshness,
            "newcomer": posts.newcomer & ~followed & ~own,
            "seen": np.minimum(shown, SEEN_CAP),
            "engaged": _among(posts.post_ids, viewer.engaged).astype(float),
            "quality": np.clip(posts.quality, -QUALITY_CAP, QUALITY_CAP),
        }

    @staticmethod
    def _similarity(viewer: ViewerTaste, matrix: np.ndarray | None, count: int) -> np.ndarray:
        liked = viewer.liked
        # each liked post needs NEAREST others to be compared with; else the average post liked
        if (
            matrix is not None
            and liked is not None
            and len(liked) > NEAREST
            and liked.shape[1] == matrix.shape[1]
        ):
            return _nearest_closeness(matrix, liked)
        taste = viewer.taste
        if taste is None or not np.any(taste) or matrix is None or matrix.shape[1] != taste.size:
            return np.zeros(count)
        return np.clip((matrix @ taste) / float(taste @ taste), 0.0, 1.0)

    def _steering(
        self, viewer: ViewerTaste, matrix: np.ndarray | None, count: int
    ) -> tuple[list[tuple[SteeringVector, np.ndarray]], np.ndarray, np.ndarray]:
        total = np.zeros(count)
        hidden = np.zeros(count, dtype=bool)
        terms = [t for t in viewer.steering if t.vector is not None]
        if matrix is not None:
            width = matrix.shape[1]
            terms = [t for t in terms if t.vector is not None and t.vector.shape[0] == width]
        if not terms or matrix is None:
            return [], total, hidden
        matches = []
        best_only = np.zeros(count)
        for term in terms:
            cosine = matrix @ term.vector
            match = np.clip((cosine - self.match_low) / (self.match_high - self.match_low), 0, 1)
            matches.append((term, match))
            total += term.weight * match
            if term.direction is Direction.NO:
                hidden |= match >= HIDE_AT
            if term.direction is Direction.ONLY:
                best_only = np.maximum(best_only, match)
        if any(t.direction is Direction.ONLY for t in terms):
            total -= ONLY_PENALTY * (1.0 - best_only)
        return matches, total, hidden


def learned_recency(
    learned: Learned, ages: np.ndarray, bits: np.ndarray | None = None
) -> np.ndarray:
    """The `recency` part for posts of these ages (seconds), brought by these sources (bits
    of `SOURCES`; the `network` ones also decay by `Learned.network_recency`)."""
    total = np.zeros(len(ages))
    for timescale, share in learned.recency:
        total += share * np.exp(-ages / timescale)
    if learned.network_recency and bits is not None:
        network = ((bits >> SOURCES.index("network")) & 1).astype(float)
        for timescale, share in learned.network_recency:
            total += share * network * np.exp(-ages / timescale)
    return total


def learned_source(learned: Learned, bits: np.ndarray) -> np.ndarray:
    """The `source` part for posts brought by these sources (bits of `SOURCES`)."""
    total = np.zeros(len(bits))
    for name, share in learned.sources:
        if name in SOURCES:
            total += share * ((bits >> SOURCES.index(name)) & 1)
    return total


def _tag_affinity(weights: dict[str, float], tags: TagMembership) -> np.ndarray:
    """For each post, the mean over its #tags (`post_tags`) of how much the viewer likes each,
    relative to their favourite tag (0–1)."""
    top = max(weights.values(), default=0.0)
    if top <= 0:
        return np.zeros(len(tags.per_post))
    return tags.mean(tags.lookup(weights) / top)


def _tag_pull(
    weights: dict[str, float], crowding: dict[str, float], tags: TagMembership
) -> np.ndarray:
    """For each post, the mean over its #tags of the tag's share of the viewer's tag weights
    (what they engaged with carried it) over how many posts the tag had lately (at least 1):
    the attention the viewer gives a tag, shared by the posts that compete for it."""
    total = sum(weights.values())
    if total <= 0:
        return np.zeros(len(tags.per_post))
    return tags.mean(tags.lookup(weights) / (total * np.maximum(tags.lookup(crowding), 1.0)))


def _standing(tags: TagMembership, engaged: np.ndarray, lifetimes: np.ndarray) -> np.ndarray:
    """How a post stands out among the posts with its #tags: its appeal over theirs.

    Attention to a post fades as e^(−age / `ATTENTION_TIMESCALE`) (`lifetimes` is its age in
    that unit), so by now it has had 1 − e^(−lifetimes) of all it will get, and its likes ÷
    that share estimate the likes it will end with: its appeal, comparable between old and new
    posts.
    The typical appeal of a tag is the mean over the candidates with that tag, drawn towards
    the mean of all candidates (`STANDING_PRIOR`), so that a tag seen once is not its own
    yardstick; a post's yardstick is the mean over its tags. Posts without tags stand at 1."""
    had = -np.expm1(-lifetimes)
    appeal = (engaged + LIKES_PRIOR) / (had + ATTENTION_PRIOR)
    overall = float(appeal.mean()) if len(appeal) else 0.0
    sums, counts = tags.totals(appeal)
    typical = (sums + STANDING_PRIOR * overall) / (counts + STANDING_PRIOR)
    return appeal / tags.mean(typical, untagged=appeal)


def _nearest_closeness(matrix: np.ndarray, liked: np.ndarray) -> np.ndarray:
    """For each row of `matrix`, the mean cosine to its `NEAREST` closest rows of `liked`,
    relative to the same for each liked post among the others (their mean): 1 for a post as
    close to what one liked as those are to each other, whatever the embedder's scale.
    On one thread: for a page's few hundred rows BLAS's threads cost more than they save
    (measured: 0.75 ms of CPU a page instead of 4-5 for 600 × 50 products of 512 values)."""
    with _blas().limit(limits=1, user_api="blas"):
        closeness = _mean_of_highest(matrix @ liked.T, NEAREST)
        among = liked @ liked.T
    np.fill_diagonal(among, -np.inf)  # not itself
    typical = float(_mean_of_highest(among, NEAREST).mean())
    if typical <= 0:
        return np.zeros(len(matrix))
    return np.clip(closeness / typical, 0.0, 1.0)


@functools.cache
def _blas() -> ThreadpoolController:
    """numpy's BLAS, to limit its threads (read once: it lists the loaded libraries)."""
    return ThreadpoolController()


def _mean_of_highest(cosines: np.ndarray, count: int) -> np.ndarray:
    """Per row, the mean of its `count` highest values."""
    return np.partition(cosines, -count, axis=1)[:, -count:].mean(axis=1)


def _newer_post_ages(authors: np.ndarray, ids: np.ndarray, ages: np.ndarray) -> np.ndarray:
    """For each post, the age (seconds) of the next newer post of its author among these, or
    NaN for the author's newest (of two made at the same moment, the later id is the newer)."""
    order = np.lexsort((-ids, ages, authors))  # by author, newest first
    newer = np.full(len(ids), np.nan)
    same = authors[order[1:]] == authors[order[:-1]]
    newer[order[1:][same]] = ages[order[:-1][same]]
    return newer


def _come_to(ages: np.ndarray, newer: np.ndarray) -> np.ndarray:
    """The chance that a post is the one of its author's you come to next: you look back
    X ~ Exp(`LOOK_BACK`) from a moment `LOOK_DELAY` ahead and see their latest post as of
    then, so P(newer post's age + delay < X ≤ age + delay); for their newest, P(X ≤ age + delay).
    An author's latest post stays news until they post again, however old it is."""
    back, delay = LOOK_BACK.total_seconds(), LOOK_DELAY.total_seconds()
    before_newer = np.where(np.isnan(newer), 1.0, np.exp(-(np.nan_to_num(newer) + delay) / back))
    return np.clip(before_newer - np.exp(-(ages + delay) / back), 0.0, 1.0)


def _among(ids: np.ndarray, members: frozenset[int]) -> np.ndarray:
    """Whether each id is one of `members`, as `np.isin` says, by set lookups: a page's few
    hundred ids against a set took `np.isin` (a sort of both) ~5 % of a page's Python."""
    return np.fromiter(map(members.__contains__, ids.tolist()), dtype=bool, count=len(ids))


def rank(breakdowns: list[Breakdown]) -> list[Breakdown]:
    """Best first (newer first on a tie); posts a "no …" term hides are left out."""
    shown = [b for b in breakdowns if not b.hidden]
    return sorted(shown, key=lambda b: (-b.total, -b.post_id))
