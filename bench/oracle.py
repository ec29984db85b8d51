"""The best any ranker could do on a `bench/workload.py` dataset: the ceiling of the ratios.

`ReplayOracle` (the replay protocol, every family): for a held-out like by a user at moment
t, the family's own like process is asked at t for that user: `LikeProcess.choose` with
`draws` draws at t (bincount of where they land), or for the `exposure` family the mean
like probability over `sessions` surfaces shown at t (`bench/exposure.py`, the followees'
likes before t); a spam account's target's posts first. Posts that existed before t are
ordered by that chance, newest first among equals, leaving out the user's own and those
they liked before t.

The rest of this docstring is the time split's `Oracle` (default-like families only).

`bench.workload` writes `hidden.npz` next to its files: the variables its likes were drawn
from (see `Hidden`). `Oracle` replays that like process for one user over the test window:
`draws` moments uniform in (cut, end], each sent through `LikeProcess.choose` as the
generator's own draws are, with a random generator of its own. Where they land estimates the
chance that the user likes each post in the window. No ranker can know more than the
process the likes came from, so ordering the posts that existed at the cut by that chance
reaches the highest expected recall@k there is, give or take Monte-Carlo noise.

    oracle = Oracle(dataset, Hidden.load(directory), cut)   # the full dataset, not the past
    ranked = oracle.ranking(user_id, skip=liked_before, k=20)
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np

from bench.dataset import Dataset
from bench.exposure import Surfaces
from bench.workload import Hidden, LikeProcess


class Oracle:
    """Each user's chance of liking each post in (cut, end], by replaying the generator."""

    def __init__(
        self, dataset: Dataset, hidden: Hidden, cut: float, *, draws: int = 4000, seed: int = 0
    ) -> None:
        _check(dataset, hidden)
        if hidden.family.exposure:
            raise ValueError("the time split's oracle replays bench.workload's LikeProcess only")
        follows = dataset.follows.copy()
        follows[:, :2] -= 1
        self.process = LikeProcess(hidden, follows, dataset.post_authors - 1, dataset.post_created)
        self.dataset, self.hidden, self.draws = dataset, hidden, draws
        self.rng = np.random.default_rng(seed)
        self.first = int(np.floor(cut)) + 1  # the window's moments: [first, end)
        self.existing = dataset.post_created <= cut
        # The generator's draws go to users ∝ activity at moments uniform in [begin, end).
        window = (hidden.end - self.first) / (hidden.end - hidden.begin)
        self.expected = hidden.draws * window * hidden.activity / hidden.activity.sum()

    def chances(self, user: int) -> np.ndarray:
        """P(`user` (an id) likes the post in the window), per post of the dataset; 0 for
        the posts made after the cut. The user's draws in the window are taken as Poisson
        (many draws, each rarely theirs); that a pair is liked at most once is ignored."""
        liker = np.full(self.draws, user - 1)
        moment = self.rng.integers(self.first, self.hidden.end, size=self.draws)
        post = self.process.choose(self.rng, liker, moment)
        share = np.bincount(post[post >= 0], minlength=len(self.existing)) / self.draws
        return np.where(self.existing, -np.expm1(-self.expected[user - 1] * share), 0.0)

    def ranking(self, user: int, skip: Collection[int], k: int) -> list[int]:
        """The ids of the `k` posts `user` most likely likes in the window among those that
        existed at the cut, leaving out their own and those in `skip`; ties newest first."""
        chance = self.chances(user)
        data = self.dataset
        allowed = self.existing & (data.post_authors != user)
        allowed &= ~np.isin(data.post_ids, np.fromiter(skip, dtype=np.int64, count=len(skip)))
        rows = np.flatnonzero(allowed)
        order = np.lexsort((-data.post_created[rows], -chance[rows]))[:k]
        return data.post_ids[rows[order]].tolist()


class ReplayOracle:
    """Each user's chance of liking each post at a moment, by asking the family's process."""

    def __init__(
        self,
        dataset: Dataset,
        hidden: Hidden,
        *,
        draws: int = 2000,
        sessions: int = 48,
        seed: int = 0,
    ) -> None:
        _check(dataset, hidden)
        follows = dataset.follows.copy()
        follows[:, :2] -= 1
        author, created = dataset.post_authors - 1, dataset.post_created
        self.dataset, self.hidden = dataset, hidden
        self.draws, self.sessions = draws, sessions
        self.rng = np.random.default_rng(seed)
        self.spam = {int(a) + 1: int(t) + 1 for a, t in hidden.spam.tolist()}
        mechanics = hidden.family
        self.surfaces: Surfaces | None = None
        if mechanics.exposure:
            surfaces = Surfaces(
                mechanics, follows, author, created, hidden.taste, hidden.topic, hidden.quality
            )
            spam_pairs = {(a, t) for a, t in hidden.spam.tolist()}
            for user, post, moment in dataset.likes.tolist():  # in time order
                if (user - 1, int(author[post - 1])) not in spam_pairs:  # the generator's likes
                    surfaces.add_like(user - 1, post - 1, moment)
            self.surfaces = surfaces
        else:
            self.process = LikeProcess(hidden, follows, author, created)

    def chances(self, user: int, moment: int, skip: Collection[int]) -> np.ndarray:
        """Per post of the dataset, how likely `user` (an id) likes it at `moment` (relative)."""
        count = len(self.dataset.post_ids)
        if self.surfaces is not None:
            total = np.zeros(count)
            liked = {p - 1 for p in skip}
            for _ in range(self.sessions):
                _, posts, followers = self.surfaces.show(self.rng, user - 1, moment)
                if len(posts):
                    chance = self.surfaces.chances(user - 1, moment, posts, followers, liked)
                    np.add.at(total, posts, chance)
            chance = total / self.sessions
        else:
            liker = np.full(self.draws, user - 1)
            post = self.process.choose(self.rng, liker, np.full(self.draws, moment))
            chance = np.bincount(post[post >= 0], minlength=count) / self.draws
        target = self.spam.get(user)
        if target is not None:  # a spam account: its target's posts before anything else
            chance = chance + (self.dataset.post_authors == target)
        return chance

    def ranking_at(self, user: int, moment: int, skip: Collection[int], k: int) -> list[int]:
        """The ids of the `k` posts `user` most likely likes at `moment` among those made
        before it, leaving out their own and those in `skip`; ties newest first."""
        data = self.dataset
        chance = self.chances(user, moment, skip)
        allowed = (data.post_created < moment) & (data.post_authors != user)
        allowed &= ~np.isin(data.post_ids, np.fromiter(skip, dtype=np.int64, count=len(skip)))
        rows = np.flatnonzero(allowed)
        order = np.lexsort((-data.post_created[rows], -chance[rows]))[:k]
        return data.post_ids[rows[order]].tolist()


def _check(dataset: Dataset, hidden: Hidden) -> None:
    posts, users = len(hidden.topic), len(hidden.taste)
    if not (
        np.array_equal(dataset.post_ids, np.arange(1, posts + 1))
        and np.array_equal(dataset.user_ids, np.arange(1, users + 1))
    ):
        raise ValueError("the hidden variables are not those of this dataset")
