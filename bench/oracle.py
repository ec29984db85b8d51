"""The best any ranker could do on a `bench/workload.py` dataset: the time split's ceiling.

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
from bench.workload import Hidden, LikeProcess


class Oracle:
    """Each user's chance of liking each post in (cut, end], by replaying the generator."""

    def __init__(
        self, dataset: Dataset, hidden: Hidden, cut: float, *, draws: int = 4000, seed: int = 0
    ) -> None:
        posts, users = len(hidden.topic), len(hidden.taste)
        if not (
            np.array_equal(dataset.post_ids, np.arange(1, posts + 1))
            and np.array_equal(dataset.user_ids, np.arange(1, users + 1))
        ):
            raise ValueError("the hidden variables are not those of this dataset")
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
