"""Fitting from likes where impressions are few: a like in a young community leaves a like
sample (the liked post and other candidates as ranked just before it), the refit learns from
such samples alone, and the fit compares posts ranked together, not viewers."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from bot.bootstrap import App
from core.clock import FakeClock
from core.errors import Conflict
from core.feed import like_samples
from core.feed.fitting import RankerRefit, TrainingSet, fit, pairs
from core.feed.impressions import Outcome, Surface, pack
from core.feed.ranker import RankerParameters, ServingRanker
from core.feed.scoring import PARTS
from core.persistence.models import Account, Impression, Post
from tests.core.test_feed import WATERCOLOR, people, post


async def test_a_like_in_a_young_community_records_what_was_a_candidate(app: App) -> None:
    alice, bob = await people(app, "alice", "bob")
    await app.services.graph.follow(bob, alice)
    posts = [await post(app, alice, f"{WATERCOLOR} number {i}") for i in range(6)]
    liked = posts[2]
    await app.services.engagement.like(bob, liked.id)
    rows = await Impression.filter(surface=int(Surface.LIKED)).order_by("id").values()
    assert rows, "no feed outcomes yet: the like leaves a sample"
    assert {r["viewer_id"] for r in rows} == {bob.id}
    assert {r["position"] for r in rows} == {0}, "nothing was shown"
    assert [r["post_id"] for r in rows if r["outcome"]] == [liked.id]
    assert rows[0]["outcome"] == int(Outcome.LIKE)
    assert {r["post_id"] for r in rows} == {p.id for p in posts}, "the other candidates"
    assert len({r["shown_at"] for r in rows}) == 1, "ranked together"
    values = np.frombuffer(rows[0]["parts"], dtype=np.float16)
    assert values[PARTS.index("engaged")] == 0, "ranked before the like was written"
    assert await Post.filter(shown__gt=0).count() == 0, "a sample is no showing"
    # A later comment joins an impression that showed the post, never the sample.
    assert not await app.services.feed.impressions.outcome(bob.id, liked.id, Outcome.COMMENT)


async def _samples() -> dict[object, list[tuple[int, int]]]:
    """The like samples' rows, (post, outcome) in order, by the moment they were ranked."""
    groups: dict[object, list[tuple[int, int]]] = {}
    for row in await Impression.filter(surface=int(Surface.LIKED)).order_by("id").values():
        groups.setdefault(row["shown_at"], []).append((row["post_id"], row["outcome"]))
    return groups


async def test_likes_in_a_row_join_the_sample_ranked_for_the_first(
    app: App, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second and third like within `JOIN_WITHIN` mark their posts in the first like's
    sample (no ranking of their own); one after it, or of a post that sample did not rank,
    is sampled afresh."""
    alice, bob = await people(app, "alice", "bob")
    await app.services.graph.follow(bob, alice)
    posts = [await post(app, alice, f"{WATERCOLOR} number {i}") for i in range(6)]
    feed = app.services.feed
    rankings = 0
    rank = feed.rank

    async def counted(viewer: Account) -> object:
        nonlocal rankings
        rankings += 1
        return await rank(viewer)

    monkeypatch.setattr(feed, "rank", counted)
    await app.services.engagement.like(bob, posts[0].id)
    clock.advance(seconds=30)
    await app.services.engagement.like(bob, posts[3].id)
    clock.advance(seconds=like_samples.JOIN_WITHIN.total_seconds() - 31)
    await app.services.engagement.like(bob, posts[5].id)
    assert rankings == 1, "the later likes joined the first one's sample"
    (first,) = (await _samples()).values()
    assert {p for p, _ in first} == {p.id for p in posts}
    liked = {posts[0].id, posts[3].id, posts[5].id}
    assert {p for p, outcome in first if outcome} == liked
    assert all(outcome == int(Outcome.LIKE) for p, outcome in first if p in liked)

    newer = await post(app, alice, f"{WATERCOLOR} newer")
    await app.services.engagement.like(bob, newer.id)
    assert rankings == 2, "the sample did not rank the newer post: a sample of its own"
    clock.advance(seconds=like_samples.JOIN_WITHIN.total_seconds() + 1)
    await app.services.engagement.like(bob, posts[1].id)
    assert rankings == 3, "too late to join: sampled afresh"
    groups = list((await _samples()).values())
    assert len(groups) == 3
    assert [p for p, outcome in groups[1] if outcome] == [newer.id]
    assert [p for p, outcome in groups[2] if outcome] == [posts[1].id]
    assert {p for p, outcome in groups[0] if outcome} == liked, "the old sample unchanged"


async def test_a_like_joins_only_its_own_likers_sample(app: App) -> None:
    alice, bob, carol = await people(app, "alice", "bob", "carol")
    posts = [await post(app, alice, f"{WATERCOLOR} number {i}") for i in range(3)]
    await app.services.engagement.like(bob, posts[0].id)
    await app.services.engagement.like(carol, posts[1].id)
    rows = await Impression.filter(surface=int(Surface.LIKED)).values(
        "viewer_id", "post_id", "outcome"
    )
    liked = sorted((r["viewer_id"], r["post_id"]) for r in rows if r["outcome"])
    assert liked == sorted([(bob.id, posts[0].id), (carol.id, posts[1].id)])


async def test_a_like_refused_as_a_duplicate_leaves_no_samples(app: App) -> None:
    """Found by the fuzzer: liking a post again was refused, but its samples were written."""
    alice, bob = await people(app, "alice", "bob")
    posts = [await post(app, alice, f"{WATERCOLOR} number {i}") for i in range(3)]
    await app.services.engagement.like(bob, posts[0].id)
    before = await Impression.all().count()
    assert before > 0
    with pytest.raises(Conflict):
        await app.services.engagement.like(bob, posts[0].id)
    assert await Impression.all().count() == before


async def test_no_samples_once_the_feed_has_enough_outcomes(
    app: App, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(like_samples, "ENOUGH_OUTCOMES", 2)
    alice, bob = await people(app, "alice", "bob")
    first, second = [await post(app, alice, WATERCOLOR) for _ in range(2)]
    shown = [
        Impression(
            viewer_id=bob.id,
            post_id=p.id,
            surface=int(Surface.FEED),
            position=1,
            shown_at=clock.now(),
            outcome=int(Outcome.LIKE),
        )
        for p in (first, second)
    ]
    await Impression.bulk_create(shown)
    await app.services.engagement.like(bob, first.id)
    assert await Impression.filter(surface=int(Surface.LIKED)).count() == 0


async def test_the_refit_learns_from_like_samples_alone(app: App, clock: FakeClock) -> None:
    """Samples of 21 candidates, the liked one the closest to the viewer's taste; the fit
    (pairs within each sample) finds `similarity` and the model is switched on."""
    author, viewer = await people(app, "author", "viewer")
    made = [await post(app, author, WATERCOLOR) for _ in range(21)]
    rng = np.random.default_rng(3)
    rows = []
    for sample in range(150):
        values = rng.random((21, len(PARTS))).astype(np.float32)
        values[:, PARTS.index("seen")] = values[:, PARTS.index("engaged")] = 0
        chance = np.exp(4 * values[:, PARTS.index("similarity")])
        liked = rng.choice(21, p=chance / chance.sum())
        at = clock.now() - timedelta(minutes=300 - sample)
        rows += [
            Impression(
                viewer_id=viewer.id,
                post_id=made[i].id,
                surface=int(Surface.LIKED),
                position=0,
                parts=pack(values[i].tolist()),
                shown_at=at,
                outcome=int(Outcome.LIKE) if i == liked else 0,
            )
            for i in range(21)
        ]
    await Impression.bulk_create(rows, batch_size=1000)
    serving = ServingRanker(clock)
    model = await RankerRefit(clock, serving).refit()
    assert model is not None and model.active, model and model.note
    assert model.metric > model.baseline, (model.metric, model.baseline)
    weights = serving.current.weights
    assert weights.similarity > 2 * max(abs(weights.match), abs(weights.tags)), weights


def test_the_fit_compares_posts_ranked_together() -> None:
    """Viewers who like a lot see posts with a high `affinity` (the same on their whole
    page); within a page, only `similarity` tells the liked post apart. Compared within
    pages, `affinity` gets no weight."""
    rng = np.random.default_rng(8)
    pages, size = 600, 10
    count = pages * size
    groups = np.repeat(np.arange(pages), size).astype(np.int64)
    values = rng.random((count, len(PARTS))).astype(np.float32)
    keen = rng.random(pages)
    values[:, PARTS.index("affinity")] = keen[groups]
    chance = 0.05 + 0.5 * keen[groups] * values[:, PARTS.index("similarity")]
    labels = rng.random(count) < chance
    data = TrainingSet(
        values,
        np.full(count, 3600.0, np.float32),
        np.zeros(count, np.int64),
        np.tile(np.arange(1, size + 1), pages).astype(np.int32),
        labels,
        np.ones(count, np.float32),
        groups,
    )
    positive, negative = pairs(data)
    assert (groups[positive] == groups[negative]).all() and labels[positive].all()
    assert not labels[negative].any()
    weights = fit(data, RankerParameters(), 1).parameters.weights
    assert abs(weights.affinity) < 0.01 * weights.similarity, weights


async def test_a_like_sample_ranks_on_generic_plans_in_its_transaction_only(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: the sample's ranking runs with `plan_cache_mode = force_generic_plan` (a
    pooled connection seldom runs the candidates' statement 5 times, so custom plans would be
    planned for nearly every sample), set for the like's transaction only."""
    alice, bob = await people(app, "alice", "bob")
    await app.services.graph.follow(bob, alice)
    posts = [await post(app, alice, f"{WATERCOLOR} number {i}") for i in range(3)]
    db = Impression._meta.db
    if db.capabilities.dialect != "postgres":
        pytest.skip("SQLite has no plan cache to steer")
    feed = app.services.feed
    rank = feed.rank
    modes: list[str] = []

    async def observed(viewer: Account) -> object:
        (row,) = await Impression._meta.db.execute_query_dict("SHOW plan_cache_mode")
        modes.append(row["plan_cache_mode"])
        return await rank(viewer)

    monkeypatch.setattr(feed, "rank", observed)
    await app.services.engagement.like(bob, posts[1].id)
    assert modes == ["force_generic_plan"], "the sample's ranking"
    for _ in range(3):  # any pooled connection, after the like's commit
        (row,) = await db.execute_query_dict("SHOW plan_cache_mode")
        assert row["plan_cache_mode"] == "auto", "the setting ended with the like's transaction"
    assert len(await _samples()) == 1
