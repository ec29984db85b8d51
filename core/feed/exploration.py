"""Exploration: a small share of feed places goes to new posts, so every new post is shown
and its appeal is learned fast, instead of waiting for likes it cannot get unseen.

A page holds an exploration place with chance `EXPLORE_SHARE` × its size (so about that
share of all places). The post for it is drawn by Thompson sampling among the candidates
of the `new` source (the last hours, close to the viewer's taste, by people they don't
follow) that are not on the page: each post's like rate per showing is drawn from
Beta(likes + a, showings − likes + b), where a : b is the rate of those candidates together
(empirical Bayes) with the weight of `PRIOR_SHOWINGS` showings, and the highest draw wins.
A post shown rarely has a wide Beta and gets its chances; one shown often without likes
fades. The pick takes the page's last place, marked with the `explore` source, so its
impressions (and their outcomes) measure the share and what exploration brings.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import Protocol

import numpy as np

# One place in twenty: over a page of five, one page in four carries one new post. Enough
# that in a community with a few hundred pages an hour each new post in a taste bucket gets
# showings within the hour; small enough that the ranked feed keeps 95 % of the places.
EXPLORE_SHARE = 0.05
# The pooled rate counts as this many showings: a post's own record outweighs it after ten.
PRIOR_SHOWINGS = 10.0


class Explorable(Protocol):
    @property
    def post_id(self) -> int: ...

    @property
    def author_id(self) -> int: ...

    @property
    def likes(self) -> float: ...  # as `PostFeatures.likes` (fans' likes count for less)

    @property
    def shown(self) -> int: ...  # as `PostFeatures.shown`

    sources: frozenset[str] | set[str]


def thompson_pick(pool: Sequence[Explorable], rng: np.random.Generator) -> int | None:
    """The index in `pool` of the post whose sampled like rate is highest (None: empty)."""
    if not pool:
        return None
    # Read as two numbers each, not as `PostFeatures` (built per call: twice per candidate
    # of the pool, it was a tenth of a page's Python, docs/benchmarks.md "page, stop 23").
    likes = np.array([item.likes for item in pool], dtype=float)
    shown = np.array([item.shown for item in pool], dtype=float)
    shown = np.maximum(shown, likes)
    pooled = (likes.sum() + 1.0) / (shown.sum() + 2.0)
    draws = rng.beta(likes + PRIOR_SHOWINGS * pooled, shown - likes + PRIOR_SHOWINGS * (1 - pooled))
    return int(np.argmax(draws))


def explore(
    page: list,
    ranked: Sequence,
    viewer_id: int,
    rng: np.random.Generator,
    *,
    share: float = EXPLORE_SHARE,
    taken: Collection[int] = (),
) -> list:
    """`page` with its last place given to a new post drawn by `thompson_pick`, with chance
    `share` × its size; unchanged otherwise (or when there is nothing new). `taken`: posts
    on other pages being stored with it."""
    if not page or share <= 0 or rng.random() >= share * len(page):
        return page
    skip = {item.post_id for item in page} | set(taken)
    authors = {item.author_id for item in page[:-1]} | {viewer_id}
    pool = [
        item
        for item in ranked
        if "new" in item.sources and item.post_id not in skip and item.author_id not in authors
    ]
    picked = thompson_pick(pool, rng)
    if picked is None:
        return page
    chosen = pool[picked]
    return [*page[:-1], replace(chosen, sources=frozenset({*chosen.sources, "explore"}))]
