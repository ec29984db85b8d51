"""Fitting the ranker to the community: weights and time scales from impressions and outcomes.

Training data: the impressions of the last `FIT_WINDOW` that the feed's ranker scored (feed
pages and `/suggest`: they carry the score's parts), labelled 1 when a like, comment, remix or
follow came of them (and the like was not taken back), else 0; and, where those are few (a
young community, a dataset without impressions), like samples: before a like, the liker's
candidates as ranked then, the liked one labelled 1 and a draw of the others 0
(like_samples.py). Their position is 0 (nothing was shown): the reference bucket.

Features: the hand-written parts' values (except `steering`, which is the viewer's own say and
keeps its weight), the post's age as e^(−age / τ) over `TIMESCALES` (the fit picks how newness
pays: the mix of τ is the `recency` part), the same again for the posts of people the viewer
follows (the `network` source: their pace is often not the topic posts'), the candidate
sources (a column each: `source`),
and the position it was shown at, in `POSITION_BUCKETS`. Position bias: the position columns
take up what being shown first did, so the other weights are what a post is liked for; at
serving time every post is scored as if first (the position columns are dropped).

The model is scikit-learn's `LogisticRegression` (L2, lbfgs) on standardized columns; its
coefficients, unstandardized, become the weights. They are scaled so that the fitted scores
spread as much as the prior's on the same rows: `/feed tune` terms and the thresholds that
hide posts keep their meaning. Beyond `MAX_FIT_ROWS` impressions, the database returns every
impression with an outcome and every k-th of the others (weighted k), so the read and the fit
take bounded time whatever the community's size (AUC does not change under such sampling).

Where impressions come in groups ranked together (a page, a like sample: same viewer, same
moment), the fit compares within them: for each post with an outcome and each other post of
its group (`pairs`), which of the two it was, by a logistic regression on the difference of
their columns (no intercept): what sets a liked post apart from those it was ranked with,
not which viewers like much. Without groups (or too few with an outcome) it is pointwise.

A new model is written to `ranker_model` and switched on only when it beats the model in
force (or the prior) on held-out impressions, judged by *cross-fitting*: the viewers are
dealt into `FOLDS` folds, and each fold's impressions are scored by a model fitted on the
other folds only, so every impression is held out once and no score comes from a model that
saw that viewer. The measure is `grouped_ndcg` (how high each post with an outcome is among
those ranked with it: what a page is judged by) where groups were compared, else AUC; the
model switched on is the one fitted on all of them. And only when the held-out evidence
says the gain is no accident of which impressions it holds: the lower end of the 95 %
interval of the gain, from a paired bootstrap over viewers (`paired_gain`), must be above 0.
A fixed margin would be too strict for a large community and too lax for a small one: a
refit on random outcomes with one more column beat a margin of 0.002 nDCG. A model that
does not win is kept, inactive, with its figures and the reason.

Why folds of viewers and not the newest fifth by time (the check until 2026-12-07): a young
community's like samples come from a few hundred likers; the newest fifth held 40-70 of
them, too few for the interval to exclude 0 for gains of 0.01-0.03 nDCG, so such refits
were never switched on. Cross-fitting judges on every viewer (about five times the evidence)
at the cost of `FOLDS` more fits, which are cheap next to the read. What it does not check
is the future: the model in force may have been fitted on these same impressions, which
favours it (a stricter check, not a laxer one).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from tortoise.transactions import in_transaction

from core.clock import Clock
from core.feed.background_refit import BackgroundRefit
from core.feed.features import SOURCES
from core.feed.impressions import Outcome, Surface
from core.feed.impressions import unpack as unpack_parts
from core.feed.like_samples import WINDOW
from core.feed.ranker import RankerParameters, ServingRanker
from core.feed.scoring import PARTS, Learned, Weights, learned_recency, learned_source
from core.persistence.models import Impression, RankerModel

log = logging.getLogger(__name__)

# Four weeks: long enough for a small community to gather a few thousand outcomes, short
# enough that the fit follows how the community's habits change.
FIT_WINDOW = WINDOW
# Cross-fitting's folds: each fold's model is fitted on four fifths of the viewers (as the
# one time split did on four fifths of the impressions), and five fits of a pairwise logistic
# regression take seconds to a minute next to the read's minutes (bench/ranker_fit.py).
FOLDS = 5
# Cross-fitted scores are not independent of the data they are judged on: a bootstrap that
# holds them fixed makes the interval too narrow (measured: 2 of 3 refits on random outcomes
# of one viewer were switched on). The correction of Nadeau and Bengio (2003, "Inference for
# the generalization error") for K folds: the variance of the mean is (1/K + n_test/n_train)
# over the variance of one fold's estimate, i.e. 1 + K/(K−1) times the naive one; the
# interval's half-width grows by its square root (1.5 for 5 folds).
CROSS_FIT_WIDENING = (1.0 + FOLDS / (FOLDS - 1)) ** 0.5
# Time scales the fit may mix for newness: from "within the hour" to "over a week and a
# half", three per decade-ish, so any decay between them is approximated by two neighbours.
TIMESCALES = tuple(
    t.total_seconds()
    for t in (
        timedelta(hours=1),
        timedelta(hours=6),
        timedelta(days=1),
        timedelta(days=3),
        timedelta(days=9),
    )
)
# Positions in buckets that get coarser down the page (people look at the top closely).
POSITION_BUCKETS = (1, 2, 3, 5, 10, 20)
# The read's and the regression's time grow with rows: beyond this many, impressions without
# an outcome are sampled (and weighted back). ~30 coefficients need far fewer rows than a
# million for standard errors well below their size; a million rows fit in about a minute.
MAX_FIT_ROWS = 1_000_000
MIN_POSITIVES = 50  # fewer outcomes than this say too little to move the weights
# The switch-on check (`paired_gain`): a paired bootstrap of the held-out gain, resampling
# viewers. Viewers, not impressions: one person's pages and likes hang together (a model
# that suits three heavy users wins on hundreds of their impressions), so the unit that
# varies independently is the person. With fewer than `MIN_VIEWERS` of them (a community
# of a few, or a test) the unit is the group ranked together (a page, a like sample), and
# without groups the impression. A bootstrap, not a paired standard error: nDCG is a mean
# over liked posts, which viewers have in different numbers (a ratio), and AUC is no mean
# of per-viewer terms at all; resampling needs no variance formula for either.
# `BOOTSTRAP` resamples put the 2.5 % quantile within about ±0.1 standard error of where a
# million would; its seed is fixed, so the same data gives the same decision.
MIN_VIEWERS = 10
BOOTSTRAP = 1000
# The gain's two-sided interval; its lower end must be above 0, so by chance alone one refit
# in 40 that is no better is switched on. Measured: of 80 refits on random outcomes (40
# viewers, pages of 10, every part random) against a model fitted to a real signal, 3 were
# switched on (3.8 %); under the fixed margin of 0.002 before, one of the test's was.
CONFIDENCE = 0.95
# A page shows 5-20 posts and a like sample holds up to 200 others: all pair with its like.
PAIRS_PER_POSITIVE = 200
# The paired fit's L2 strength (C of scikit-learn, on columns scaled to unit spread): one
# tenth of the default, so that a few hundred like samples move the prior's mix only where
# they agree; with tens of thousands of pairs the data outweighs it.
PAIRED_C = 0.1
POSITIVE = Outcome.LIKE | Outcome.COMMENT | Outcome.REMIX | Outcome.FOLLOW
POSITIVE |= Outcome.CHOSEN  # a /rate vote: preferred to the post beside it (rating.py)
FITTED_PARTS = tuple(p for p in PARTS if p not in ("steering", "recency", "source"))
SIGNS = {"seen": -1.0, "engaged": -1.0}  # parts that count against (as in `Scorer`)
CHUNK = 200_000  # rows read per query
# What the fit reads: the surfaces the feed's ranker scored, and like samples (what was a
# candidate when someone liked a post; like_samples.py), which a young community has instead,
# and /rate's pairs (rating.py): which of two posts the person chose.
FITTED_SURFACES: tuple[Surface, ...] = (Surface.FEED, Surface.SUGGEST, Surface.LIKED)
FITTED_SURFACES += (Surface.RATE,)


class NotEnoughData(Exception):
    pass


@dataclass(slots=True)
class TrainingSet:
    """Impressions as columns (row i is one impression), oldest first."""

    values: np.ndarray  # (rows, len(PARTS)) float32: the parts' values when it was shown
    ages: np.ndarray  # float32 seconds: the post's age when shown
    sources: np.ndarray  # int64 bits of `SOURCES`
    positions: np.ndarray  # int32
    labels: np.ndarray  # bool
    weights: np.ndarray  # float32: how many impressions each row stands for (sampling)
    # int64: rows ranked together (one page, one like sample) share a value; None: unknown
    groups: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.labels)

    def rows(self, chosen: slice | np.ndarray) -> TrainingSet:
        return TrainingSet(
            self.values[chosen],
            self.ages[chosen],
            self.sources[chosen],
            self.positions[chosen],
            self.labels[chosen],
            self.weights[chosen],
            None if self.groups is None else self.groups[chosen],
        )

    @classmethod
    def concatenate(cls, parts: Sequence[TrainingSet]) -> TrainingSet:
        if not parts:
            return cls.empty()
        columns = {
            f.name: None
            if any(getattr(p, f.name) is None for p in parts)
            else np.concatenate([getattr(p, f.name) for p in parts])
            for f in fields(cls)
        }
        return cls(**columns)  # type: ignore[arg-type]  # only `groups` may be None

    @classmethod
    def empty(cls) -> TrainingSet:
        return cls(
            np.zeros((0, len(PARTS)), np.float32),
            np.zeros(0, np.float32),
            np.zeros(0, np.int64),
            np.zeros(0, np.int32),
            np.zeros(0, bool),
            np.zeros(0, np.float32),
        )


@dataclass(frozen=True, slots=True)
class FitResult:
    parameters: RankerParameters
    metric: float  # held-out `measure` of the new model's serving scores
    baseline: float  # the same for the model in force
    rows: int
    seconds: float
    measure: str = "AUC"  # or "nDCG" (`grouped_ndcg`)
    low: float = 0.0  # the lower end of the gain's interval (`paired_gain`)
    units: int = 0  # how many viewers (or groups, or impressions) it resampled
    unit: str = "viewers"

    @property
    def wins(self) -> bool:
        """Switched on: the held-out gain is above 0 with 95 % confidence."""
        return self.low > 0.0


def labels_of(outcomes: np.ndarray) -> np.ndarray:
    """1 for an impression that led to a like (not taken back), comment, remix or follow."""
    liked = (outcomes & int(POSITIVE)) != 0
    unliked_only = (outcomes & int(Outcome.UNLIKE) != 0) & (
        outcomes & int(POSITIVE & ~Outcome.LIKE) == 0
    )
    return liked & ~unliked_only


def design(data: TrainingSet, *, with_positions: bool) -> np.ndarray:
    """The fit's columns: fitted parts, recency basis, sources, and (at fit time) positions."""
    columns = [data.values[:, PARTS.index(p)] for p in FITTED_PARTS]
    columns += [np.exp(-data.ages / tau) for tau in TIMESCALES]
    network = ((data.sources >> SOURCES.index("network")) & 1).astype(np.float32)
    columns += [network * np.exp(-data.ages / tau) for tau in TIMESCALES]
    columns += [((data.sources >> i) & 1).astype(np.float32) for i in range(len(SOURCES))]
    if with_positions:
        columns += _position_columns(data.positions)
    return np.column_stack(columns).astype(np.float32)


def _position_columns(positions: np.ndarray) -> list[np.ndarray]:
    """One column per bucket after the first (position 1 is the reference)."""
    bucket = np.searchsorted(POSITION_BUCKETS, positions, side="left")
    return [(bucket == b).astype(np.float32) for b in range(1, len(POSITION_BUCKETS) + 1)]


def serving_scores(parameters: RankerParameters, data: TrainingSet) -> np.ndarray:
    """What `parameters` would have scored each impression (as if shown first): the sum the
    `Scorer` makes, from the stored values, the age and the sources."""
    weights = parameters.weights
    total = np.zeros(len(data))
    for name in PARTS:
        if name in ("recency", "source"):
            continue
        total += SIGNS.get(name, 1.0) * weights.of(name) * data.values[:, PARTS.index(name)]
    ages = data.ages.astype(float)
    total += weights.recency * learned_recency(parameters.learned, ages, data.sources)
    total += weights.source * learned_source(parameters.learned, data.sources)
    return total


def fit(data: TrainingSet, current: RankerParameters, version: int) -> FitResult:
    """Fit on every impression; judge the fit by cross-fitting (see the docstring): each
    fold of viewers is scored by a model fitted without them, against the model in force."""
    started = _now()
    if data.labels.sum() < MIN_POSITIVES:
        raise NotEnoughData(f"{int(data.labels.sum())} outcomes in {len(data)} impressions")
    if data.labels.all():
        raise NotEnoughData("the impressions have one outcome only")
    every_pair = pairs(data)
    paired = len(every_pair[0]) >= MIN_POSITIVES and len(np.unique(every_pair[0])) >= MIN_POSITIVES
    units, unit = resampling_units(data)
    fold = _folds(units)
    new_scores = np.zeros(len(data))
    for k in range(FOLDS):
        held = fold == k
        if not held.any():
            continue
        train = data.rows(~held)
        if not train.labels.any() or train.labels.all():
            raise NotEnoughData(f"fold {k} leaves one outcome only to fit on")
        # The fold's model, scored on the fold's rows only (version 0: never stored).
        fold_model = _fitted(train, current, 0, paired=paired)
        new_scores[held] = serving_scores(fold_model, data.rows(held))
    fitted = _fitted(data, current, version, paired=paired)
    current_scores = serving_scores(current, data)
    if paired:
        metric = grouped_ndcg(new_scores, data)
        baseline = grouped_ndcg(current_scores, data)
    else:
        from sklearn.metrics import roc_auc_score

        judged = {"sample_weight": data.weights}
        metric = float(roc_auc_score(data.labels, new_scores, **judged))
        baseline = float(roc_auc_score(data.labels, current_scores, **judged))
    gain = paired_gain(new_scores, current_scores, data, grouped=paired)
    # The bootstrap holds the fold models fixed, but each was fitted on the other folds'
    # impressions, so the folds' errors are correlated (a chance pattern of the whole set
    # is learnt by every fold model and found again in every fold): widen the interval.
    low = (metric - baseline) - CROSS_FIT_WIDENING * ((metric - baseline) - gain.low)
    measure = "nDCG" if paired else "AUC"
    rows = int(data.weights.sum())
    return FitResult(
        fitted,
        metric,
        baseline,
        rows,
        _now() - started,
        measure,
        low,
        gain.units,
        unit,
    )


def _folds(units: np.ndarray) -> np.ndarray:
    """Per row, its fold 0..`FOLDS`−1: the units (viewers, groups or impressions) dealt into
    folds at random with a fixed seed, so the same data gives the same decision."""
    count = int(units.max()) + 1 if len(units) else 0
    dealt = np.random.default_rng(0).permutation(count) % FOLDS
    return dealt[units]


def _fitted(
    train: TrainingSet, current: RankerParameters, version: int, *, paired: bool
) -> RankerParameters:
    """The model fitted on `train`: by pairs ranked together where `paired`, else pointwise."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    matrix = design(train, with_positions=True)
    train_pairs = pairs(train) if paired else (np.zeros(0, np.int64), np.zeros(0, np.int64))
    if len(train_pairs[0]):  # which of two posts ranked together was liked: the ranking's own
        # question. One more column, the prior's score: the penalty then costs least for
        # keeping the prior's mix, so few outcomes move the weights away from it little.
        prior = matrix @ _prior_coefficients(matrix.shape[1]).astype(np.float32)
        matrix = np.hstack([matrix, prior[:, None]])
        differences = matrix[train_pairs[0]] - matrix[train_pairs[1]]
        sample_weight = train.weights[train_pairs[1]].astype(float)
        scale = np.sqrt(np.average(differences**2, axis=0, weights=sample_weight))
        scale = np.where(scale > 0, scale, 1.0)
        model = LogisticRegression(C=PAIRED_C, max_iter=500, fit_intercept=False)
        both = np.concatenate([differences, -differences]) / scale
        outcome = np.r_[np.ones(len(differences)), np.zeros(len(differences))]
        model.fit(both, outcome, sample_weight=np.r_[sample_weight, sample_weight])
        coefficients = model.coef_[0] / scale
        coefficients = coefficients[:-1] + coefficients[-1] * _prior_coefficients(len(scale) - 1)
    else:  # rows without groups: which impressions were liked, all pooled
        sample_weight = train.weights.astype(float)
        scaler = StandardScaler().fit(matrix, sample_weight=sample_weight)
        scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
        model = LogisticRegression(C=1.0, max_iter=300)
        model.fit((matrix - scaler.mean_) / scale, train.labels, sample_weight=sample_weight)
        coefficients = model.coef_[0] / scale  # per unit of each raw column
    return _parameters(coefficients, current, version, train)


@dataclass(frozen=True, slots=True)
class Gain:
    low: float  # the lower end of the interval of (new − current)
    high: float
    units: int
    unit: str  # "viewers", "groups" or "impressions"


def resampling_units(data: TrainingSet) -> tuple[np.ndarray, str]:
    """Per row, the unit the bootstrap resamples (see `MIN_VIEWERS`), numbered 0..k−1."""
    if data.groups is None:
        return np.arange(len(data)), "impressions"
    viewers = data.groups >> 34  # `_columns`: the viewer in the high bits, the moment below
    with_outcome = np.unique(viewers[data.labels])
    if len(with_outcome) >= MIN_VIEWERS:
        return np.unique(viewers, return_inverse=True)[1], "viewers"
    return np.unique(data.groups, return_inverse=True)[1], "groups"


def paired_gain(new: np.ndarray, current: np.ndarray, held: TrainingSet, *, grouped: bool) -> Gain:
    """The `CONFIDENCE` interval of the held-out gain of scores `new` over `current` (nDCG
    where `grouped`, else AUC): a paired bootstrap resampling units (viewers, see
    `MIN_VIEWERS`) with replacement, both models judged on the same resample each time."""
    units, unit = resampling_units(held)
    count = int(units.max()) + 1 if len(units) else 0
    rng = np.random.default_rng(0)
    tail = (1.0 - CONFIDENCE) / 2
    if count < 2:
        return Gain(0.0, 0.0, count, unit)
    if grouped:  # nDCG: sums per unit of each liked post's gain under both models
        liked, new_gain = _liked_gains(new, held)
        _, current_gain = _liked_gains(current, held)
        difference = np.bincount(units[liked], weights=new_gain - current_gain, minlength=count)
        posts = np.bincount(units[liked], minlength=count).astype(float)
        gains = []
        batch = max(1, 4_000_000 // count)  # resamples at a time: bounded memory
        for start in range(0, BOOTSTRAP, batch):
            size = min(batch, BOOTSTRAP - start)
            draws = rng.multinomial(count, np.full(count, 1.0 / count), size=size)
            judged = draws @ posts
            gains.append(np.where(judged > 0, draws @ difference / np.maximum(judged, 1), 0.0))
        spread = np.concatenate(gains)
    else:  # AUC: recomputed on each resample, impressions weighted by their unit's draws
        spread_list = []
        resamples = BOOTSTRAP // 5  # fewer than for nDCG: as before, when each cost a sort
        batch = max(1, 4_000_000 // max(len(held), 1))  # resamples at a time: bounded memory
        for start in range(0, resamples, batch):
            size = min(batch, resamples - start)
            draws = rng.multinomial(count, np.full(count, 1.0 / count), size=size)
            weight = held.weights * draws[:, units]
            new_auc, judged = weighted_aucs(new, held.labels, weight)
            current_auc, _ = weighted_aucs(current, held.labels, weight)
            spread_list.append((new_auc - current_auc)[judged])
        spread = np.concatenate(spread_list)
    if not len(spread):
        return Gain(0.0, 0.0, count, unit)
    low, high = np.quantile(spread, [tail, 1.0 - tail])
    return Gain(float(low), float(high), count, unit)


def weighted_aucs(
    scores: np.ndarray, labels: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The AUC of `scores` under each row of `weights` (resamples × impressions): the
    weighted share of (liked, not liked) pairs that the scores put in the right order, a tie
    counting one half, which is the area `roc_auc_score` gives with those sample weights.
    The scores are sorted once for every row (a resample changes weights, not order). Also,
    per row, whether it holds both outcomes (else it has no AUC: the value is then 0)."""
    order = np.argsort(scores, kind="stable")
    ordered = scores[order]
    ties = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])  # runs of one score
    weight = weights[:, order]
    liked = labels[order]
    positive = np.add.reduceat(np.where(liked, weight, 0.0), ties, axis=1)
    negative = np.add.reduceat(np.where(liked, 0.0, weight), ties, axis=1)
    below = np.cumsum(negative, axis=1) - negative  # not liked and scored lower
    pairs_total = positive.sum(axis=1) * negative.sum(axis=1)
    judged = pairs_total > 0
    area = (positive * (below + 0.5 * negative)).sum(axis=1)
    return np.where(judged, area / np.where(judged, pairs_total, 1.0), 0.0), judged


def _prior_coefficients(width: int) -> np.ndarray:
    """The prior's score as coefficients of `design`'s columns (`width` of them)."""
    prior = Weights()
    out = np.zeros(width)
    for index, name in enumerate(FITTED_PARTS):
        out[index] = SIGNS.get(name, 1.0) * prior.of(name)
    return out  # `recency` and `source` weigh 0 in the prior; positions are not in it


def pairs(data: TrainingSet) -> tuple[np.ndarray, np.ndarray]:
    """Rows (positive, negative) of every pair ranked together (same group) where one had an
    outcome and the other not: at most `PAIRS_PER_POSITIVE` negatives per positive, the
    nearest in the group's order. Empty without groups."""
    if data.groups is None or not len(data):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = np.argsort(data.groups, kind="stable")
    groups = data.groups[order]
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    ends = np.r_[starts[1:], len(groups)]
    positives, negatives = [], []
    labels = data.labels[order]
    liked_count = np.add.reduceat(labels.astype(np.int64), starts)
    mixed = (liked_count > 0) & (liked_count < ends - starts)  # only these make pairs
    for begin, end in zip(starts[mixed].tolist(), ends[mixed].tolist(), strict=True):
        liked = labels[begin:end]
        rows = order[begin:end]
        good, bad = rows[liked], rows[~liked][:PAIRS_PER_POSITIVE]
        positives.append(np.repeat(good, len(bad)))
        negatives.append(np.tile(bad, len(good)))
    if not positives:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(positives), np.concatenate(negatives)


def grouped_ndcg(scores: np.ndarray, data: TrainingSet) -> float:
    """How high `scores` put the posts with an outcome among those ranked with them: the mean
    over such posts of 1 / log2(1 + their rank in their group), rank 1 the best (a tie
    counts as the worse place). What a page is judged by: the top matters most."""
    _, gains = _liked_gains(scores, data)
    return float(np.mean(gains)) if len(gains) else 0.0


def _liked_gains(scores: np.ndarray, data: TrainingSet) -> tuple[np.ndarray, np.ndarray]:
    """`grouped_ndcg`'s terms: the rows of the posts with an outcome (in groups that also
    hold one without), ascending, and each one's 1 / log2(1 + rank)."""
    assert data.groups is not None
    order = np.lexsort((-scores, data.groups))
    groups, labels, ordered = data.groups[order], data.labels[order], scores[order]
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    ends = np.r_[starts[1:], len(groups)]
    rows: list[np.ndarray] = []
    gains: list[np.ndarray] = []
    for begin, end in zip(starts.tolist(), ends.tolist(), strict=True):
        liked = labels[begin:end]
        if liked.all() or not liked.any():
            continue
        own = ordered[begin:end]
        worse_place = np.searchsorted(-own, -own[liked], side="right")  # ties: the worse
        rows.append(order[begin:end][liked])
        gains.append(1.0 / np.log2(1.0 + worse_place))
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0)
    row_array, gain_array = np.concatenate(rows), np.concatenate(gains)
    ascending = np.argsort(row_array, kind="stable")
    return row_array[ascending], gain_array[ascending]


def _parameters(
    coefficients: np.ndarray, current: RankerParameters, version: int, train: TrainingSet
) -> RankerParameters:
    """The coefficients as `Weights` and `Learned` (position columns dropped), scaled so the
    scores spread like the prior's on the training rows."""
    count = len(FITTED_PARTS)
    parts = dict(zip(FITTED_PARTS, coefficients[:count], strict=True))
    scales = len(TIMESCALES)
    recency = coefficients[count : count + scales]
    network = coefficients[count + scales : count + 2 * scales]
    sources = coefficients[count + 2 * scales : count + 2 * scales + len(SOURCES)]
    recency_total = float(np.abs(recency).sum() + np.abs(network).sum()) or 1.0
    sources_total = float(np.abs(sources).sum()) or 1.0
    learned = Learned(
        tuple((tau, float(c) / recency_total) for tau, c in zip(TIMESCALES, recency, strict=True)),
        tuple((name, float(c) / sources_total) for name, c in zip(SOURCES, sources, strict=True)),
        tuple((tau, float(c) / recency_total) for tau, c in zip(TIMESCALES, network, strict=True)),
    )
    raw = {name: SIGNS.get(name, 1.0) * float(c) for name, c in parts.items()}
    raw |= {"recency": recency_total, "source": sources_total, "steering": 0.0}
    unscaled = RankerParameters(version, Weights(**raw), learned)
    prior = RankerParameters()
    spread = float(np.std(serving_scores(unscaled, train)))
    target = float(np.std(serving_scores(prior, train)))
    factor = target / spread if spread > 0 and target > 0 else 1.0
    scaled = {name: value * factor for name, value in raw.items()}
    scaled["steering"] = current.weights.steering  # the viewer's say keeps its weight
    return RankerParameters(version, Weights(**scaled), learned)


def _now() -> float:
    return time.perf_counter()


# ---------------------------------------------------------------------- reading impressions


async def load(since: datetime, *, chunk: int = CHUNK, max_rows: int = MAX_FIT_ROWS) -> TrainingSet:
    """The ranked impressions (with parts, of a person) shown since `since`, oldest first,
    read in chunks of ids so that memory stays the size of the columns; beyond `max_rows`,
    those without an outcome are sampled (every k-th id, weighted k)."""
    db = Impression._meta.db
    total = await Impression.filter(shown_at__gte=since).count()
    stride = max(1, -(-total // max_rows))
    postgres = db.capabilities.dialect == "postgres"
    mark = (lambda i: f"${i}") if postgres else (lambda i: "?")
    surfaces = ", ".join(str(int(s)) for s in FITTED_SURFACES)
    # The age is computed by the database: parsing two timestamps per row in Python took
    # most of the read.
    if postgres:
        age = "EXTRACT(EPOCH FROM i.shown_at - p.created_at)"
        shown = "EXTRACT(EPOCH FROM i.shown_at)"
    else:
        age = "(julianday(i.shown_at) - julianday(p.created_at)) * 86400.0"
        shown = "(julianday(i.shown_at) - 2440587.5) * 86400.0"
    sql = (
        f"SELECT i.id, i.parts, i.position, i.sources, i.outcome, {age} AS age, "
        f"i.viewer_id, {shown} AS shown "
        "FROM impression AS i JOIN post AS p ON p.id = i.post_id "
        f"WHERE i.id > {mark(1)} AND i.shown_at >= {mark(2)} AND i.parts IS NOT NULL "
        f"AND i.viewer_id IS NOT NULL AND i.surface IN ({surfaces}) "
        f"AND (i.outcome <> 0 OR i.id % {int(stride)} = 0) "
        f"ORDER BY i.id LIMIT {int(chunk)}"
    )
    parts: list[TrainingSet] = []
    last = 0
    while True:
        _, rows = await db.execute_query(sql, [last, since])
        if not rows:
            break
        parts.append(await asyncio.to_thread(_columns, rows, stride))
        last = int(rows[-1]["id"])
        if len(rows) < chunk:
            break
    data = TrainingSet.concatenate(parts)
    return data


def _columns(rows: Sequence[Any], stride: int) -> TrainingSet:
    """Rows of `load`'s query as columns, a column at a time (not a row at a time)."""
    width = len(PARTS) * 2  # bytes of one row's packed parts
    blobs = [bytes(row[1]) for row in rows]
    if all(len(blob) == width for blob in blobs):
        flat = np.frombuffer(b"".join(blobs), dtype=np.float16)
        values = flat.reshape(len(rows), len(PARTS)).astype(np.float32)
    else:  # parts from another list of parts: one by one
        values = np.array([unpack_parts(blob) for blob in blobs], dtype=np.float32)
    ages = np.maximum(np.array([float(row[5]) for row in rows], dtype=np.float32), 0.0)
    outcomes = np.array([row[4] for row in rows], dtype=np.int64)
    # A page's (or a like sample's) rows share the viewer and the moment: its group.
    viewers = np.array([row[6] for row in rows], dtype=np.int64)
    moments = np.rint(np.array([float(row[7]) for row in rows])).astype(np.int64)
    return TrainingSet(
        values.reshape(len(rows), len(PARTS)),
        ages,
        np.array([row[3] for row in rows], dtype=np.int64),
        np.array([row[2] for row in rows], dtype=np.int32),
        labels_of(outcomes),
        np.where(outcomes != 0, 1.0, float(stride)).astype(np.float32),
        (viewers << 34) | moments,  # seconds fit in 34 bits until the year 2514
    )


# ---------------------------------------------------------------------- the scheduled refit


# Every six hours: a day's outcomes move the weights, and four fits a day cost a few minutes
# of one core at most (see bench/ranker_fit.py).
REFIT_EVERY = timedelta(hours=6)


class RankerRefit(BackgroundRefit):
    """The scheduler leader's refit: load, fit in a worker thread, store, switch on if it
    wins; the first `every` after starting. A fit that fails or loses leaves the model in
    force alone."""

    what = "ranker refit"

    def __init__(self, clock: Clock, serving: ServingRanker, *, every: timedelta = REFIT_EVERY):
        super().__init__(clock, every, first_at_start=False)
        self._serving = serving

    async def refit(self) -> RankerModel | None:
        """One fit now; the stored model (active or not), or None when there was too little."""
        current = await self._serving.reload()
        now = self._clock.now()
        data = await load(now - FIT_WINDOW)
        latest = await RankerModel.all().order_by("-version").first()
        version = (latest.version if latest else 0) + 1
        try:
            result = await asyncio.to_thread(fit, data, current, version)
        except NotEnoughData as reason:
            log.info("ranker not refitted: %s", reason)
            return None
        wins = result.wins
        note = (
            f"held-out {result.measure} {result.metric:.4f} vs {result.baseline:.4f} of version "
            f"{current.version}, gain ≥ {result.low:+.4f} (95 %, {result.units} "
            f"{result.unit} in {FOLDS} folds): "
            + ("switched on" if wins else "kept off, it does not win")
        )
        row = await RankerModel.create(
            version=version,
            created_at=now,
            parameters=result.parameters.to_json(),
            metric=result.metric,
            baseline=result.baseline,
            impressions=result.rows,
            active=False,
            note=note[:200],
        )
        if wins:
            async with in_transaction():
                await RankerModel.filter(active=True).update(active=False)
                await RankerModel.filter(id=row.id).update(active=True)
            row.active = True
            await self._serving.reload()
        log.info(
            "ranker version %d fitted on %d impressions in %.1f s: %s",
            version,
            result.rows,
            result.seconds,
            note,
        )
        return row
