"""Hold-out splits and ranking metrics of the feed quality benchmark.

- `split_at` (the default): a moment `cut` a few days before the end of the data; the
  database gets the world as it was at `cut` (posts, follows and likes up to then) and each
  user's likes after it — their most recent ones — are the test set (only likes of posts that
  existed at `cut`: no list could hold the others). The feed's clock is at `cut`.
- `hold_out` (`--split user`): each user's most recent likes (a fraction, at least one)
  become the test set, for users with at least `min_likes` likes; everything else is the
  training set, the only likes the feed gets to see.
- `recall_at(ranked, relevant, k)`: the share of the relevant items found in the first k.
- `ndcg_at(ranked, relevant, k)`: binary-relevance nDCG: Σ 1/log2(rank + 1) over the hits in
  the first k, divided by the same sum for a perfect list (all relevant items first).
- `ratio_interval(ours, theirs)`: how sure a ratio of two mean scores over the same users is:
  a 95 % paired bootstrap interval (users drawn again with replacement, both lists alike);
  `percentile_ratio_interval` the same for a ratio of two percentiles (of latencies).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence

import numpy as np

from bench.dataset import Dataset


def hold_out(
    likes: np.ndarray, *, fraction: float = 0.2, min_likes: int = 5
) -> tuple[np.ndarray, dict[int, set[int]]]:
    """(training likes, user id → held-out post ids). `likes` rows: user, post, time."""
    if not len(likes):
        return likes, {}
    order = np.lexsort((likes[:, 1], likes[:, 2], likes[:, 0]))  # by user, then time
    rows = likes[order]
    _users, starts, counts = np.unique(rows[:, 0], return_index=True, return_counts=True)
    held = np.maximum(np.ceil(counts * fraction).astype(np.int64), 1)
    held = np.where(counts >= min_likes, held, 0)
    rank = np.arange(len(rows)) - np.repeat(starts, counts)
    test = rank >= np.repeat(counts - held, counts)
    heldout: dict[int, set[int]] = {}
    for user, post in rows[test, :2].tolist():
        heldout.setdefault(user, set()).add(post)
    return rows[~test], heldout


def recall_at(ranked: Sequence[int], relevant: Collection[int], k: int) -> float:
    if not relevant:
        raise ValueError("recall needs at least one relevant item")
    hits = sum(1 for item in ranked[:k] if item in relevant)
    return hits / len(relevant)


def ndcg_at(ranked: Sequence[int], relevant: Collection[int], k: int) -> float:
    if not relevant:
        raise ValueError("nDCG needs at least one relevant item")
    gain = sum(1 / math.log2(i + 2) for i, item in enumerate(ranked[:k]) if item in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), k)))
    return gain / ideal


def split_at(dataset: Dataset, cut: float) -> tuple[Dataset, np.ndarray, dict[int, set[int]]]:
    """The world as it was at `cut` and what came after: (the dataset without the posts and
    follows made later, the likes up to `cut`, user id → posts they liked after `cut` among
    those that existed at `cut`)."""
    keep = dataset.post_created <= cut
    posts = np.flatnonzero(keep)
    existed = set(dataset.post_ids[keep].tolist())
    before = dataset.likes[dataset.likes[:, 2] <= cut]
    heldout: dict[int, set[int]] = {}
    for user, post, _ in dataset.likes[dataset.likes[:, 2] > cut].tolist():
        if post in existed:
            heldout.setdefault(user, set()).add(post)
    past = Dataset(
        user_ids=dataset.user_ids,
        handles=dataset.handles,
        user_created=dataset.user_created,
        follows=dataset.follows[dataset.follows[:, 2] <= cut],
        post_ids=dataset.post_ids[keep],
        post_authors=dataset.post_authors[keep],
        post_created=dataset.post_created[keep],
        audiences=[dataset.audiences[i] for i in posts],
        prompts=[dataset.prompts[i] for i in posts],
        captions=[dataset.captions[i] for i in posts],
        likes=before,
        meta=dataset.meta,
    )
    return past, before, heldout


def ratio_interval(
    ours: Sequence[float], theirs: Sequence[float], *, rounds: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """95 % interval of mean(ours) / mean(theirs), scores of the same users in the same order:
    `rounds` resamples of the users (the same ones for both lists), 2.5th and 97.5th
    percentiles of the ratio. Resamples whose `theirs` sums to 0 are left out."""
    return _paired_interval(ours, theirs, lambda m: m.mean(axis=1), rounds, seed)


def percentile_ratio_interval(
    ours: Sequence[float], theirs: Sequence[float], q: float, *, rounds: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """95 % interval of the q-th percentile of `ours` over that of `theirs` (paired as in
    `ratio_interval`)."""
    return _paired_interval(ours, theirs, lambda m: np.percentile(m, q, axis=1), rounds, seed)


def _paired_interval(
    ours: Sequence[float],
    theirs: Sequence[float],
    statistic: Callable[[np.ndarray], np.ndarray],
    rounds: int,
    seed: int,
) -> tuple[float, float]:
    a, b = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    if a.shape != b.shape or not len(a):
        raise ValueError("the same users, at least one, in both lists")
    picks = np.random.default_rng(seed).integers(0, len(a), size=(rounds, len(a)))
    top, bottom = statistic(a[picks]), statistic(b[picks])
    kept = bottom > 0
    if not kept.any():
        return math.nan, math.nan
    low, high = np.percentile(top[kept] / bottom[kept], [2.5, 97.5])
    return float(low), float(high)
