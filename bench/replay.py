"""The replay protocol of `bench.ranking` (the default): each held-out like ranked as of just
before it happened.

    python -m bench.ranking --dataset /tmp/feed-2k                 # replay, 500 likes

1. The test window is the last `--window-days` (2) of the data. Of the likes in it,
   `--likes` (500) are drawn without replacement with `--seed` (7): the held-out likes.
   Each is (user, post, t).
2. The database gets the world `--train-days` (4) before the window's start exactly as the
   time split loads it (`bench/loading.py`: posts, follows and likes up to then; tastes
   decayed to then).
3. Then the clock walks through those days and the window. Every post, follow and like in
   them is applied with the code production runs for it (`TasteKeeper.post_created` / `followed` /
   `engaged`, the like counter, the reaction row with its time), in time order, and the
   clock reads each event's own time. Before the events at t are applied, each held-out like
   at t is ranked: the user's feed session is cleared (a new `/feed`, so no earlier
   benchmark page sinks a post), then page 1 of `PersonalizedFeed`, `ChronologicalFeed`,
   the trending order (`hot`) and the oracle (`bench/oracle.py`, with `hidden.npz`) are
   asked for 20 posts. Nothing after t is in the database, the tastes or the counters.
4. A hit when the liked post is in the list: recall@20 is the share of hits, nDCG@20 the
   mean of 1/log2(rank + 1) over hits (one relevant post per like). Ratios carry 95 %
   paired bootstrap intervals over the likes (`ratio_interval`).

**The fitted ranker** (`Fitting`): the walk starts `--train-days` (4) before the window, so
the ranker can be fitted on what happened before each ranking only. Before a like is applied,
`LikeSamples` (production's, core/feed/like_samples.py) ranks the liker's candidates with the
model in force and stores the liked post and 20 other candidates (`--samples` such samples
before the window; the same share of likes after it): the dataset has no impressions of its
own, so the fit learns from likes with negatives drawn from what was a candidate then. The
scheduler leader's `RankerRefit.refit` runs at the window's start and every 6 hours of the
clock after it, on the samples before that moment; a model serves only if it beats the one in
force on them, cross-fitted over five folds of likers (`fitting.fit`). `--train-days 0`
measures the hand-set prior alone. The replay's own pages record no impressions
(`Unshown`): nobody saw them.

Likes are sampled, not users: active people weigh as much as they like, which is what a
feed is for. Posts the user liked before t are skipped in the baselines and the oracle (the
personalized feed sinks them itself). Every held-out like stays in the events: the walk
applies it after ranking it, as production would have.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import numpy as np

from bench.dataset import Dataset
from bench.evaluation import ratio_interval, split_at
from bench.loading import load, stamp
from core.feed import ChronologicalFeed, HashedNgramEmbedder, PersonalizedFeed
from core.feed.embeddings import TextEmbedder
from core.feed.fitting import REFIT_EVERY, RankerRefit
from core.feed.impressions import ImpressionLog
from core.feed.indexing import PostIndexer
from core.feed.like_samples import LikeSamples
from core.feed.taste import TasteKeeper
from core.persistence.models import Account, FeedSession, Follow, Post, Reaction
from core.social.taste_updates import Signal
from core.social.visibility import visible_to

K = 20
DAY = 86_400
# Four days walked before the window: at 2k users about 7,000 likes, of which `SAMPLES` are
# sampled (each costs a ranking; 800 give ~17,000 rows, ample for ~30 coefficients).
TRAIN_DAYS, SAMPLES = 4.0, 800
POST, FOLLOW, LIKE = 0, 1, 2  # at one moment: posts first, then follows, then likes
PLACE_BANDS = ((0, 20), (20, 50), (50, 100), (100, 200), (200, 10**9))  # `--coverage` report


class RankingOracle(Protocol):
    """A dataset's ceiling: the `k` posts `user` most likely likes at `moment` among those
    made before it, leaving out their own and `skip` (`bench/oracle.py`'s `ReplayOracle`,
    `bench/foreign_workload.py`'s `ForeignOracle`)."""

    def ranking_at(self, user: int, moment: int, skip: Collection[int], k: int) -> list[int]: ...


class ReplayClock:
    """The clock the walk sets to each event's time."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


def held_out(likes: np.ndarray, begin: float, count: int, seed: int) -> np.ndarray:
    """`count` likes after `begin` drawn without replacement (all if fewer), by time."""
    window = np.flatnonzero(likes[:, 2] > begin)
    rng = np.random.default_rng(seed)
    chosen = rng.choice(window, size=min(count, len(window)), replace=False)
    rows = likes[np.sort(chosen)]
    return rows[np.argsort(rows[:, 2], kind="stable")]


def timeline(dataset: Dataset, begin: float) -> np.ndarray:
    """Every event after `begin` as rows (time, kind, a, b) in the order they are applied:
    posts (row, author), follows (follower, followee), likes (user, post)."""
    posts = np.flatnonzero(dataset.post_created > begin)
    follows = dataset.follows[dataset.follows[:, 2] > begin]
    likes = dataset.likes[dataset.likes[:, 2] > begin]
    rows = np.concatenate(
        [
            np.column_stack([dataset.post_created[posts], np.full(len(posts), POST), posts, posts]),
            np.column_stack(
                [follows[:, 2], np.full(len(follows), FOLLOW), follows[:, 0], follows[:, 1]]
            ),
            np.column_stack([likes[:, 2], np.full(len(likes), LIKE), likes[:, 0], likes[:, 1]]),
        ]
    ).astype(np.int64)
    return rows[np.lexsort((rows[:, 1], rows[:, 0]))]


@dataclass(slots=True)
class Replayed:
    """Per held-out like, the rank (0-based, or None) of its post in each list."""

    likes: np.ndarray
    ranks: dict[str, list[int | None]] = field(default_factory=dict)
    covered: list[bool] = field(default_factory=list)
    # `--coverage` also: per held-out like, the sources that brought the liked post (empty:
    # not a candidate), its place among all ranked candidates, and whether the liker
    # followed its author
    found_by: list[frozenset[str]] = field(default_factory=list)
    places: list[int | None] = field(default_factory=list)
    followed: list[bool] = field(default_factory=list)
    seconds: float = 0.0
    applied: int = 0
    models: list[int] = field(default_factory=list)  # the ranker version of each ranking
    fits: list[dict[str, Any]] = field(default_factory=list)
    samples: int = 0  # like samples recorded

    def recall(self, name: str) -> list[float]:
        return [0.0 if r is None else 1.0 for r in self.ranks[name]]

    def ndcg(self, name: str) -> list[float]:
        return [0.0 if r is None else 1 / math.log2(r + 2) for r in self.ranks[name]]


class Walk:
    """Applies the events of the window with production's write paths, in time order; a like
    is first offered to `samples` (what `Engagement.like` does before its write)."""

    def __init__(
        self,
        dataset: Dataset,
        clock: ReplayClock,
        embedder: TextEmbedder,
        samples: LikeSamples | None = None,
    ):
        self.dataset, self.clock = dataset, clock
        self.keeper = TasteKeeper(PostIndexer(embedder), clock)
        self.samples = samples
        self.accounts: dict[int, Account] = {}
        # each post as read once (what a like's taste update reads of it never changes)
        self.posts: dict[int, Post] = {}

    async def start(self) -> None:
        self.accounts = {a.id: a for a in await Account.all()}

    async def apply(self, moment: int, kind: int, a: int, b: int) -> None:
        self.clock.moment = stamp(moment)
        data = self.dataset
        if kind == POST:
            post = await Post.create(
                id=int(data.post_ids[a]),
                author_id=int(data.post_authors[a]),
                prompt=data.prompts[a],
                caption=data.captions[a],
                audience=data.audiences[a],
                origin_platform="console",
                created_at=stamp(moment),
            )
            await self.keeper.post_created(post)
            self.posts[post.id] = post
        elif kind == FOLLOW:
            await Follow.create(follower_id=a, followee_id=b, created_at=stamp(moment))
            await self.keeper.followed(self.accounts[a], self.accounts[b])
        else:
            if self.samples is not None:
                await self.samples.before_like(self.accounts[a], b)
            await Reaction.create(post_id=b, account_id=a, kind="like", created_at=stamp(moment))
            post = self.posts.get(b) or await Post.get(id=b)
            self.posts[b] = post
            await self.keeper.engaged(self.accounts[a], post, Signal.LIKE)
            await self.keeper.count(self.accounts[a], post, Signal.LIKE, 1)


class Unshown(ImpressionLog):
    """The replay's pages are shown to nobody: they record no impressions (which the fit
    would read as posts shown and not liked) and count no showings."""

    async def record(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass(frozen=True, slots=True)
class Fitting:
    """How the replay fits the ranker: like samples from `train_days` before the window on
    (`samples` of them before the window; the same share of likes after), and the
    scheduler's refit at the window's start and every `every` after, each on what happened
    before it. `train_days=0`: no fit (the hand-set prior serves, as in a new community)."""

    train_days: float = TRAIN_DAYS
    samples: int = SAMPLES
    every: timedelta = REFIT_EVERY


async def replay(
    dataset: Dataset,
    *,
    window_days: float,
    count: int,
    seed: int,
    oracle: RankingOracle | None,
    postgres: bool,
    coverage: bool = False,
    embedder: TextEmbedder | None = None,
    fitting: Fitting | None = None,
) -> Replayed:
    """Run the protocol (see the module's docstring) on an empty, open database."""
    embedder = embedder or HashedNgramEmbedder()
    fitting = fitting or Fitting()
    end = int(max(dataset.likes[:, 2].max(initial=0), dataset.post_created.max(initial=0)))
    begin = end - window_days * DAY
    start = begin - fitting.train_days * DAY
    targets = held_out(dataset.likes, begin, count, seed)
    past, train, _ = split_at(dataset, start)
    began = time.perf_counter()
    await load(past, train, embedder, now=start, postgres=postgres)
    print(
        f"world at {fitting.train_days:g} days before the window loaded in "
        f"{time.perf_counter() - began:.1f} s"
    )

    clock = ReplayClock(stamp(start))
    feed = PersonalizedFeed(embedder, clock, page_size=K, impressions=Unshown(clock))
    samples = None
    if fitting.train_days > 0:
        walked = int(
            np.count_nonzero((dataset.likes[:, 2] > start) & (dataset.likes[:, 2] <= begin))
        )
        share = min(1.0, fitting.samples / max(walked, 1))
        samples = LikeSamples(feed, clock, share=share, rng=np.random.default_rng(seed))
    walk = Walk(dataset, clock, embedder, samples)
    await walk.start()
    refit = RankerRefit(clock, feed.ranker)
    next_fit = float(begin) if samples is not None else math.inf
    chronological = ChronologicalFeed()
    liked: dict[int, set[int]] = {}
    for user, post in train[:, :2].tolist():
        liked.setdefault(user, set()).add(post)
    events = timeline(dataset, start)
    result = Replayed(targets, {"personalized": [], "chronological": [], "popularity": []})
    author_of = dict(zip(dataset.post_ids.tolist(), dataset.post_authors.tolist(), strict=True))
    if oracle is not None:
        result.ranks["oracle"] = []
    began = time.perf_counter()
    position = 0
    for user, post, moment in targets.tolist():
        while True:
            upcoming = events[position, 0] if position < len(events) else math.inf
            if next_fit <= min(upcoming, moment):  # the leader's refit, before what follows
                clock.moment = stamp(next_fit)
                result.fits.append(await _refit(refit, clock))
                next_fit += fitting.every.total_seconds()
                continue
            if upcoming >= moment:
                break
            event = events[position].tolist()
            await walk.apply(*event)
            if event[1] == LIKE:
                liked.setdefault(event[2], set()).add(event[3])
            position += 1
        clock.moment = stamp(moment)
        seen = liked.get(user, set())
        viewer = walk.accounts[user]
        await FeedSession.filter(account_id=user).delete()
        page = await feed.page(viewer)
        result.models.append(feed.model_version)
        lists = {"personalized": [p.id for p in page.posts]}
        newest = await chronological.page(viewer, limit=K + len(seen))
        lists["chronological"] = [p.id for p in newest if p.id not in seen][:K]
        hottest = (
            await Post.filter(visible_to(user))
            .order_by("-hot", "-id")
            .limit(K + len(seen))
            .values_list("id", flat=True)
        )
        lists["popularity"] = [i for i in hottest if i not in seen][:K]
        if oracle is not None:
            lists["oracle"] = oracle.ranking_at(user, moment, seen, K)
        for name, ranked in lists.items():
            result.ranks[name].append(ranked.index(post) if post in ranked else None)
        if coverage:
            ranked_all = await feed.rank(viewer)
            place = next((i for i, r in enumerate(ranked_all) if r.post_id == post), None)
            result.covered.append(place is not None)
            result.places.append(place)
            result.found_by.append(
                frozenset(ranked_all[place].sources) if place is not None else frozenset()
            )
            author = author_of[post]
            result.followed.append(
                await Follow.filter(follower_id=user, followee_id=author).exists()
            )
    result.seconds, result.applied = time.perf_counter() - began, position
    result.samples = samples.recorded if samples is not None else 0
    save = getattr(embedder, "save", None)
    if save is not None:
        save()
    return result


async def _refit(refit: RankerRefit, clock: ReplayClock) -> dict[str, Any]:
    """The scheduler leader's refit at the clock's time, as a line of the report."""
    row = await refit.refit()
    moment = clock.now().isoformat(timespec="minutes")
    if row is None:
        return {"at": moment, "version": None, "note": "not enough data"}
    print(f"  refit at {moment}: version {row.version}, {row.note}")
    return {
        "at": moment,
        "version": row.version,
        "active": row.active,
        "auc": row.metric,
        "baseline": row.baseline,
        "rows": row.impressions,
        "note": row.note,
        "parameters": row.parameters,
    }


def _gap(result: Replayed) -> dict[str, Any]:
    """Where the held-out likes are lost: not a candidate, or ranked below the page; by
    source and by whether the liker followed the author. Printed, and returned for `--json`."""
    n = len(result.covered)
    followed, covered = np.array(result.followed, bool), np.array(result.covered, bool)
    among_followed = float(covered[followed].mean()) if followed.any() else math.nan
    among_others = float(covered[~followed].mean()) if (~followed).any() else math.nan
    print(
        f"    liked post's author followed: {followed.mean():.1%}; candidates among those "
        f"{among_followed:.1%}, among the others {among_others:.1%}"
    )
    places = [p for p in result.places if p is not None]
    bands = {f"{a}-{b}": sum(a <= p < b for p in places) / n for a, b in PLACE_BANDS}
    print("    place among the candidates: " + ", ".join(f"{k}: {v:.1%}" for k, v in bands.items()))
    brought: dict[str, list[float]] = {}
    for source in sorted({s for found in result.found_by for s in found}):
        alone = sum(1 for f in result.found_by if f == {source}) / n
        share = sum(1 for f in result.found_by if source in f) / n
        brought[source] = [share, alone]
        print(f"    source {source:<9} brought {share:5.1%} of the liked posts ({alone:.1%} alone)")
    return {
        "covered": float(covered.mean()),
        "followed": float(followed.mean()),
        "covered_followed": among_followed,
        "covered_others": among_others,
        "places": bands,
        "sources": brought,
    }


def report(result: Replayed, oracle_note: str | None) -> dict:
    """Print the scores and ratios; return them (for `--json`)."""
    n = len(result.likes)
    users = len(set(result.likes[:, 0].tolist()))
    print(
        f"\nReplay: {n} held-out likes of {users} users ranked as of just before each "
        f"({result.applied:,} events applied; {result.seconds:.1f} s)"
    )
    scores: dict[str, dict[str, float]] = {}
    gap: dict[str, Any] = {}
    for name in result.ranks:
        recall, ndcg = statistics.fmean(result.recall(name)), statistics.fmean(result.ndcg(name))
        scores[name] = {"recall": recall, "ndcg": ndcg}
        print(f"  {name:<14} recall@{K} {recall:.4f}   nDCG@{K} {ndcg:.4f}")
    if result.covered:
        print(f"  held-out posts among the personalized candidates: {np.mean(result.covered):.1%}")
        gap = _gap(result)
    ratios: dict[str, dict[str, list[float]]] = {}
    pairs = [("personalized", "chronological"), ("personalized", "popularity")]
    if "oracle" in result.ranks:
        pairs += [("oracle", "chronological"), ("personalized", "oracle")]
    for ours, theirs in pairs:
        key = f"{ours}/{theirs}"
        ratios[key] = {}
        parts = []
        for metric in ("recall", "ndcg"):
            a, b = getattr(result, metric)(ours), getattr(result, metric)(theirs)
            value = statistics.fmean(a) / statistics.fmean(b) if sum(b) else math.nan
            low, high = ratio_interval(a, b) if sum(b) else (math.nan, math.nan)
            ratios[key][metric] = [value, low, high]
            parts.append(f"{metric} {value:5.2f}× (95 % {low:.2f}–{high:.2f})")
        print(f"  {key:<28} " + "   ".join(parts))
    if oracle_note:
        print(f"  no oracle: {oracle_note}")
    fitted = sum(1 for version in result.models if version) / max(len(result.models), 1)
    print(
        f"  like samples {result.samples:,}; refits {len(result.fits)}; rankings served by a "
        f"fitted model {fitted:.0%}"
    )
    return {
        "likes": n,
        "users": users,
        "scores": scores,
        "ratios": ratios,
        "fits": result.fits,
        "fitted_share": fitted,
        "samples": result.samples,
        "gap": gap,
    }
