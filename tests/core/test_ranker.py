"""The fitted ranker on SQLite and PostgreSQL: a refit switches a model on only when it beats
the one in force on held-out impressions, a corrupt or missing model keeps what serves, and
`/why` shows the weights in force."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from bot.bootstrap import App
from core.clock import FakeClock
from core.feed.features import SOURCES
from core.feed.fitting import (
    RankerRefit,
    TrainingSet,
    fit,
    paired_gain,
    serving_scores,
    weighted_aucs,
)
from core.feed.impressions import Outcome, Surface, pack
from core.feed.ranker import CorruptModel, RankerParameters, ServingRanker
from core.feed.scoring import PARTS, Weights
from core.persistence.models import Impression, RankerModel
from tests.core.test_feed import WATERCOLOR, people, post
from tests.support.chat import ChatUser


async def impressions(
    app: App, clock: FakeClock, count: int, *, learnable: bool, seed: int
) -> None:
    """`count` feed impressions of a few posts with random part values. `learnable`: liked
    when close to the viewer's taste and little liked by others (the prior weights
    engagement up); else liked at random."""
    rng = np.random.default_rng(seed)
    author, viewer = await people(app, f"author{seed}", f"viewer{seed}")
    posts = [await post(app, author, WATERCOLOR) for _ in range(4)]
    rows = []
    for index in range(count):
        values = rng.random(len(PARTS)).astype(np.float32)
        values[PARTS.index("seen")] = 0
        values[PARTS.index("engaged")] = 0
        similarity, engagement = (
            values[PARTS.index("similarity")],
            values[PARTS.index("engagement")],
        )
        chance = 1 / (1 + np.exp(-(6 * similarity - 6 * engagement - 1))) if learnable else 0.2
        liked = rng.random() < chance
        rows.append(
            Impression(
                viewer_id=viewer.id,
                post_id=posts[index % len(posts)].id,
                surface=int(Surface.FEED),
                position=int(rng.integers(1, 20)),
                sources=1,
                parts=pack(values.tolist()),
                shown_at=clock.now() - timedelta(minutes=count - index),
                outcome=int(Outcome.LIKE) if liked else 0,
            )
        )
    await Impression.bulk_create(rows, batch_size=1000)


async def test_a_model_is_switched_on_only_when_it_wins_on_held_out_impressions(
    app: App, clock: FakeClock
) -> None:
    serving = ServingRanker(clock)
    refit = RankerRefit(clock, serving)
    assert await refit.refit() is None, "no impressions: nothing to fit, the prior serves"
    await impressions(app, clock, 3000, learnable=True, seed=1)
    first = await refit.refit()
    assert first is not None and first.active and first.version == 1
    assert first.metric > first.baseline + 0.05, (first.metric, first.baseline)
    assert serving.current.version == 1
    assert serving.current.weights.engagement < 0 < serving.current.weights.similarity
    # The same community, now liking at random: a refit learns nothing better and stays off.
    await Impression.all().delete()
    await impressions(app, clock, 3000, learnable=False, seed=2)
    second = await refit.refit()
    assert second is not None and not second.active and "kept off" in second.note
    assert serving.current.version == 1
    assert await RankerModel.filter(active=True).values_list("version", flat=True) == [1]


async def test_a_corrupt_or_missing_model_keeps_what_serves(app: App, clock: FakeClock) -> None:
    fresh = ServingRanker(clock)
    assert (await fresh.reload()).version == 0, "none stored: the hand-set prior"
    good = RankerParameters(1, Weights(similarity=4.0, engagement=-1.0))
    await RankerModel.create(
        version=1, created_at=clock.now(), parameters=good.to_json(), active=True
    )
    assert (await fresh.reload()).weights.similarity == 4.0
    broken = good.to_json()
    broken["weights"]["following"] = "lots"
    await RankerModel.filter(version=1).update(active=False)
    await RankerModel.create(version=2, created_at=clock.now(), parameters=broken, active=True)
    assert (await fresh.reload()).version == 1, "corrupt: the previous one keeps serving"
    await RankerModel.create(
        version=3, created_at=clock.now(), parameters={"weights": {}}, active=False
    )
    await RankerModel.filter(version=2).delete()
    assert (await fresh.reload()).version == 1, "missing: the previous one keeps serving"
    starting = ServingRanker(clock)
    await RankerModel.create(
        version=4, created_at=clock.now(), parameters={"recency": [[-1, 1]]}, active=True
    )
    assert (await starting.reload()).version == 0, "corrupt and nothing before: the prior"


async def test_why_shows_the_weights_in_force(app: App) -> None:
    alice, _ = await people(app, "alice", "viewer")
    lake = await post(app, alice, WATERCOLOR)
    viewer = ChatUser(app, "viewer")
    before = await viewer.text(f"/why {lake.id}")
    assert "starting values" in before and "× 0.5 " in before, before  # freshness's prior
    live = RankerParameters(7, Weights(freshness=2.75, recency=1.0))
    await RankerModel.create(
        version=7, created_at=app.services.clock.now(), parameters=live.to_json(), active=True
    )
    await app.services.feed.ranker.reload()
    after = await viewer.text(f"/why {lake.id}")
    assert "ranker version 7" in after and "× 2.75 " in after, after


def test_the_fit_sees_through_position_bias() -> None:
    """Liked for being first, not for any part: the fitted serving score must not learn the
    part that merely correlates with position."""
    rng = np.random.default_rng(5)
    count = 20000
    positions = rng.integers(1, 21, count).astype(np.int32)
    values = rng.random((count, len(PARTS))).astype(np.float32)
    # the feed put high-`match` posts first: match correlates with position
    values[:, PARTS.index("match")] = np.clip(1 - positions / 20 + rng.normal(0, 0.1, count), 0, 1)
    values[:, PARTS.index("similarity")] = rng.random(count)
    chance = 0.5 / positions + 0.3 * values[:, PARTS.index("similarity")]
    labels = rng.random(count) < chance
    data = TrainingSet(
        values,
        np.full(count, 3600.0, np.float32),
        np.zeros(count, np.int64),
        positions,
        labels,
        np.ones(count, np.float32),
    )
    result = fit(data, RankerParameters(), 1)
    weights = result.parameters.weights
    assert weights.similarity > 3 * abs(weights.match), weights
    assert serving_scores(result.parameters, data).shape == (count,)


def test_followees_posts_get_a_time_scale_of_their_own() -> None:
    """Followees' posts are liked within hours while other posts keep for days: one decay
    for all cannot say both; the fitted `network_recency` must (and serve, and round-trip)."""
    rng = np.random.default_rng(7)
    groups, size = 1500, 12
    count = groups * size
    network = np.arange(count) % 2 == 0  # half of each group from people one follows
    ages = rng.uniform(0, 4 * 86_400, count).astype(np.float32)
    pace = np.where(network, 3 * 3600.0, 3 * 86_400.0)
    appeal = np.exp(-ages / pace)
    group = np.repeat(np.arange(groups), size)
    # in each group (one like sample) the liked one is drawn in proportion to its appeal
    labels = np.zeros(count, bool)
    for g in range(groups):
        rows = np.arange(g * size, (g + 1) * size)
        labels[rng.choice(rows, p=appeal[rows] / appeal[rows].sum())] = True
    data = TrainingSet(
        np.zeros((count, len(PARTS)), np.float32),
        ages,
        network.astype(np.int64) << SOURCES.index("network"),
        np.zeros(count, np.int32),
        labels,
        np.ones(count, np.float32),
        group.astype(np.int64),
    )
    result = fit(data, RankerParameters(), 1)
    learned = result.parameters.learned
    assert learned.network_recency, learned
    fast_share = dict(learned.network_recency)[3600.0] + dict(learned.network_recency)[6 * 3600.0]
    assert fast_share > 0, learned
    # a followee's day-old post now loses to a topic post of the same age, a fresh one wins
    scores = serving_scores(
        result.parameters,
        TrainingSet(
            np.zeros((3, len(PARTS)), np.float32),
            np.array([86_400, 86_400, 600], np.float32),
            np.array([1, 0, 1], np.int64) << SOURCES.index("network"),
            np.zeros(3, np.int32),
            np.zeros(3, bool),
            np.ones(3, np.float32),
        ),
    )
    assert scores[0] < scores[1] < scores[2], scores
    assert result.metric > result.baseline
    again = RankerParameters.from_json(1, result.parameters.to_json())
    assert again.learned.network_recency == learned.network_recency
    stored_before = result.parameters.to_json()
    del stored_before["network_recency"]  # a model stored before this part existed serves
    assert RankerParameters.from_json(1, stored_before).learned.network_recency == ()


def test_a_model_stored_before_a_part_existed_serves_it_with_weight_0_others_are_corrupt() -> None:
    stored = RankerParameters(1, Weights(similarity=4.0, peers=1.5)).to_json()
    assert RankerParameters.from_json(1, stored).weights.peers == 1.5
    del stored["weights"]["peers"]
    older = RankerParameters.from_json(1, stored)
    assert older.weights.peers == 0.0 and older.weights.similarity == 4.0
    del stored["weights"]["quality"]  # stored before the ranker read /rate's quality
    assert RankerParameters.from_json(1, stored).weights.quality == 0.0
    del stored["weights"]["similarity"]
    with pytest.raises(CorruptModel):
        RankerParameters.from_json(1, stored)


def community(seed: int, *, signal: str | None, grouped: bool) -> TrainingSet:
    """6,000 impressions of 40 viewers with random values in every part (the quality column
    among them). `signal`: liked by that rule, else at random (one in five). `grouped`:
    pages of 10 ranked together, else one impression per moment (pointwise, AUC)."""
    rng = np.random.default_rng(seed)
    count, size = 6000, 10
    values = rng.random((count, len(PARTS))).astype(np.float32)
    values[:, PARTS.index("seen")] = values[:, PARTS.index("engaged")] = 0
    column = {name: values[:, PARTS.index(name)] for name in PARTS}
    if signal == "taste":  # close to the viewer's taste and not yet popular
        chance = 1 / (1 + np.exp(-(6 * column["similarity"] - 6 * column["engagement"] - 1)))
    elif signal == "quality":  # preferred in /rate: only the quality column says so
        chance = 1 / (1 + np.exp(-(5 * column["quality"] - 4)))
    else:
        chance = np.full(count, 0.2)
    labels = rng.random(count) < chance
    if grouped:
        moments = np.arange(count) // size
        viewers = rng.integers(1, 41, count // size)[moments]
    else:
        moments = np.arange(count)
        viewers = rng.integers(1, 41, count)
    return TrainingSet(
        values,
        rng.uniform(0, 86_400, count).astype(np.float32),
        np.ones(count, np.int64),
        rng.integers(1, 20, count).astype(np.int32),
        labels,
        np.ones(count, np.float32),
        (viewers.astype(np.int64) << 34) | moments,
    )


@pytest.mark.parametrize("grouped", [False, True], ids=["pointwise", "pages"])
def test_a_refit_on_random_outcomes_is_not_switched_on(grouped: bool) -> None:
    """The switch-on check is evidence from the held-out set (a paired bootstrap over
    viewers), not a fixed margin: a model fitted to a real signal wins, and refits on
    outcomes that are random (every part's column random, the quality one too) do not beat
    it, for each of several communities. A fixed margin of 0.002 let one of them through."""
    first = fit(community(1, signal="taste", grouped=grouped), RankerParameters(), 1)
    # Cross-fitted: every one of the 40 viewers is held out once (a time split held out some).
    assert first.wins and first.unit == "viewers" and first.units == 40, first
    assert first.metric > first.baseline + 0.05
    for seed in SEEDS:
        again = fit(community(seed, signal=None, grouped=grouped), first.parameters, 2)
        assert not again.wins, (seed, again.metric, again.baseline, again.low)


# Seeds fixed before the check was first run: at a 95 % interval about one refit in 40 on
# random outcomes is switched on by chance (measured: see `fitting.CONFIDENCE`).
SEEDS = (2, 3, 4, 5, 6)


def test_a_signal_in_the_quality_column_alone_is_found_and_switched_on() -> None:
    """Outcomes that follow the post's /rate quality: the fit weighs `quality` most and the
    check switches it on (against the prior, which gives quality no weight)."""
    result = fit(community(9, signal="quality", grouped=True), RankerParameters(), 1)
    assert result.wins, (result.metric, result.baseline, result.low)
    weights = result.parameters.weights
    assert weights.quality > 0 and weights.quality > 3 * abs(weights.similarity), weights


def test_the_gain_interval_is_paired_and_centred_on_the_gain() -> None:
    """The same scores against themselves: a gain of exactly 0 whatever is resampled; a
    model that puts every liked post first against one that puts it last: a sure gain."""
    data = community(4, signal="taste", grouped=True)
    scores = serving_scores(RankerParameters(), data)
    same = paired_gain(scores, scores, data, grouped=True)
    assert same.low == same.high == 0.0 and same.unit == "viewers"
    best = np.where(data.labels, 1.0, 0.0)
    sure = paired_gain(best, -best, data, grouped=True)
    assert sure.low > 0.1  # ties count as the worse place: liked posts share the top
    assert paired_gain(-best, best, data, grouped=False).high < 0


def test_the_bootstraps_auc_is_roc_auc_score_with_those_weights() -> None:
    """The bootstrap judges 200 resamples at once (`weighted_aucs`): each row's AUC is what
    scikit-learn's `roc_auc_score` gives with that row as sample weights, ties included."""
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(3)
    count = 500
    scores = np.round(rng.random(count), 2)  # many ties
    labels = rng.random(count) < 0.3
    weights = rng.integers(0, 3, (6, count)).astype(float) * rng.random(count)
    weights[4, labels] = 0.0  # nothing liked left: no AUC
    aucs, judged = weighted_aucs(scores, labels, weights)
    assert judged.tolist() == [True, True, True, True, False, True]
    for row, (auc, weight) in enumerate(zip(aucs, weights, strict=True)):
        if judged[row]:
            assert auc == pytest.approx(roc_auc_score(labels, scores, sample_weight=weight))


def one_viewer(seed: int, *, learnable: bool) -> TrainingSet:
    """What `impressions` stores, as the refit reads it: 3,000 impressions of one viewer, one
    a minute (no pages: pointwise, AUC), drawn row by row in the same order."""
    rng = np.random.default_rng(seed)
    rows, labels, positions = [], [], []
    for _ in range(3000):
        values = rng.random(len(PARTS)).astype(np.float32)
        values[PARTS.index("seen")] = values[PARTS.index("engaged")] = 0
        similarity, engagement = (
            values[PARTS.index("similarity")],
            values[PARTS.index("engagement")],
        )
        chance = 1 / (1 + np.exp(-(6 * similarity - 6 * engagement - 1))) if learnable else 0.2
        labels.append(rng.random() < chance)
        positions.append(int(rng.integers(1, 20)))
        rows.append(values)
    count = len(rows)
    return TrainingSet(
        np.array(rows, np.float16).astype(np.float32),  # stored as float16 (`pack`)
        np.zeros(count, np.float32),
        np.ones(count, np.int64),
        np.array(positions, np.int32),
        np.array(labels),
        np.ones(count, np.float32),
        (7 << 34) | np.arange(count, dtype=np.int64) * 60,
    )


def test_cross_fitted_scores_do_not_switch_on_a_chance_pattern() -> None:
    """Every impression is judged by a model fitted on the other folds, which share the whole
    set's chance patterns: judged as if they were independent, refits on random outcomes of
    one viewer won on two of these three seeds. With the widened interval none does."""
    first = fit(one_viewer(1, learnable=True), RankerParameters(), 1)
    assert first.wins and first.unit == "groups" and first.units == 3000, first
    for seed in (2, 3, 4):
        again = fit(one_viewer(seed, learnable=False), first.parameters, 2)
        assert not again.wins, (seed, again.metric, again.baseline, again.low)
