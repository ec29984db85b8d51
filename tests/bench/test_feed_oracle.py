"""The oracle: the generator's hidden variables, saved, and its like process replayed."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import numpy as np

from bench.evaluation import recall_at, split_at
from bench.oracle import Oracle
from bench.workload import Hidden, simulate

K = 20


def test_the_hidden_variables_survive_saving_and_loading(tmp_path: Path) -> None:
    _, hidden = simulate(30, 200, 600, seed=2, weeks=1, follows_per_user=4)
    hidden.save(tmp_path)
    back = Hidden.load(tmp_path)
    for field in fields(Hidden):
        assert np.array_equal(getattr(back, field.name), getattr(hidden, field.name))
    assert isinstance(back.draws, int) and isinstance(back.social, float)


def test_the_oracle_expects_the_likes_the_generator_drew_and_finds_them() -> None:
    made, hidden = simulate(100, 800, 4000, seed=4, weeks=2, follows_per_user=5)
    cut = float(made.likes[:, 2].max()) - 2 * 86_400
    _, train, held = split_at(made, cut)
    oracle = Oracle(made, hidden, cut, draws=2000)
    liked: dict[int, set[int]] = {}
    for user, post in train[:, :2].tolist():
        liked.setdefault(user, set()).add(post)

    # Summed over everyone, the chances of posts not liked yet ≈ the likes held out. (A
    # little below: the generator keeps a pair's first draw, not its earliest like, so
    # fewer held-out likes repeat a training one than the oracle assumes.)
    expected = sum(
        oracle.chances(user)[~np.isin(made.post_ids, list(liked.get(user, ())))].sum()
        for user in made.user_ids.tolist()
    )
    assert 0.8 < expected / sum(map(len, held.values())) < 1.1

    # And its lists find far more of them than the newest posts of one's followees do.
    followees: dict[int, set[int]] = {}
    for follower, followee in made.follows[:, :2].tolist():
        followees.setdefault(follower, set()).add(followee)
    newest_first = np.argsort(-made.post_created, kind="stable")
    newest_first = newest_first[made.post_created[newest_first] <= cut]
    ours, theirs = [], []
    for user, posts in held.items():
        seen = liked.get(user, set())
        ours.append(recall_at(oracle.ranking(user, seen, K), posts, K))
        authors = followees.get(user, set())
        newest = [
            int(made.post_ids[i])
            for i in newest_first
            if made.post_authors[i] in authors and made.post_ids[i] not in seen
        ]
        theirs.append(recall_at(newest, posts, K))
    assert np.mean(ours) > 1.5 * np.mean(theirs)
