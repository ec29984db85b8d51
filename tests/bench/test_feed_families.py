"""The workload families keep their promises, and their oracle replays their own mechanics."""

from __future__ import annotations

from dataclasses import astuple
from pathlib import Path

import numpy as np
import pytest

from bench.dataset import IMPRESSIONS, read, write
from bench.families import FAMILIES, Mechanics, draw
from bench.oracle import ReplayOracle
from bench.vocabulary import TOPICS
from bench.vocabulary_de import TOPICS_DE
from bench.workload import Hidden, simulate

HOUR = 3600


def small(family: str, seed: int = 1, **sizes: int):
    shape = {"users": 150, "posts": 1500, "likes": 6000} | sizes
    return simulate(
        shape["users"],
        shape["posts"],
        shape["likes"],
        seed=seed,
        weeks=2,
        follows_per_user=8,
        family=family,
    )


def like_ages(made) -> np.ndarray:
    created = dict(zip(made.post_ids.tolist(), made.post_created.tolist(), strict=True))
    return np.array([t - created[p] for _, p, t in made.likes.tolist()])


def test_every_family_but_the_default_draws_its_parameters_per_seed() -> None:
    assert draw("default", 1) == draw("default", 2) == Mechanics()
    for family in FAMILIES[1:]:
        one, two = draw(family, 1), draw(family, 2)
        assert one == draw(family, 1)  # the same seed, the same mechanics
        assert one.family == family
        changed = [a != b for a, b in zip(astuple(one), astuple(two), strict=True)]
        assert sum(changed) >= 4, family
    with pytest.raises(ValueError, match="unknown family"):
        draw("nope", 1)


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_writes_the_documented_format(family: str, tmp_path: Path) -> None:
    made, hidden = small(family, seed=3)
    write(made, tmp_path)
    hidden.save(tmp_path)
    back = read(tmp_path)
    assert np.array_equal(back.likes, made.likes) and back.prompts == made.prompts
    assert back.meta["family"] == family
    assert Hidden.load(tmp_path).family == hidden.family
    created = dict(zip(made.post_ids.tolist(), made.post_created.tolist(), strict=True))
    authors = dict(zip(made.post_ids.tolist(), made.post_authors.tolist(), strict=True))
    for user, post, at in made.likes.tolist():
        assert created[post] < at and authors[post] != user
    assert np.all(np.diff(made.likes[:, 2]) >= 0)
    assert (tmp_path / IMPRESSIONS).is_file() == (family == "exposure")


def test_fast_likes_come_within_hours_and_default_ones_within_days() -> None:
    fast, _ = small("fast")
    default, _ = small("default")
    assert np.median(like_ages(fast)) < 24 * HOUR
    assert np.median(like_ages(default)) > 24 * HOUR


def test_notags_has_no_tags_anywhere() -> None:
    made, _ = small("notags")
    assert not any("#" in text for text in made.prompts + made.captions)


def test_bilingual_writes_a_third_or_more_in_german_on_the_posts_topic() -> None:
    made, hidden = small("bilingual", seed=2)
    names = list(TOPICS)
    german = 0
    for prompt, topic in zip(made.prompts, hidden.topic.tolist(), strict=True):
        subjects = [s for t in TOPICS_DE.values() for s in t["subjects"] if s in prompt]
        if subjects:
            german += 1
            assert any(s in prompt for s in TOPICS_DE[names[topic]]["subjects"]), prompt
    assert german / len(made.prompts) >= hidden.family.german - 0.05 >= 0.28


def test_exposure_likes_only_what_a_surface_showed_first_places_most(tmp_path: Path) -> None:
    made, hidden = small("exposure", seed=2)
    write(made, tmp_path)
    shown = read(tmp_path).impressions
    assert shown is not None and len(shown) > len(made.likes)
    first_shown: dict[tuple[int, int], int] = {}
    for viewer, post, _, _, at in shown.tolist():
        first_shown.setdefault((viewer, post), at)
    spam = {(int(a) + 1, int(t) + 1) for a, t in hidden.spam.tolist()}
    authors = dict(zip(made.post_ids.tolist(), made.post_authors.tolist(), strict=True))
    for user, post, at in made.likes.tolist():
        if (user, authors[post]) not in spam:
            assert first_shown[(user, post)] <= at
    # Position bias: a post shown first is liked more often than one shown sixth or later.
    pairs = set(map(tuple, made.likes[:, :2].tolist()))
    liked = np.array([(v, p) in pairs for v, p in shown[:, :2].tolist()])
    assert liked[shown[:, 3] == 0].mean() > 1.3 * liked[shown[:, 3] >= 5].mean()


@pytest.mark.parametrize("family", ["fast", "exposure"])
def test_spam_accounts_like_nearly_every_post_of_one_author(family: str) -> None:
    made, hidden = small(family, seed=4)
    assert len(hidden.spam) >= 2
    end = made.likes[:, 2].max()
    for account, target in (hidden.spam + 1).tolist():
        posts = set(
            made.post_ids[
                (made.post_authors == target) & (made.post_created < end - HOUR * 6)
            ].tolist()
        )
        theirs = {p for u, p, _ in made.likes.tolist() if u == account}
        assert len(posts & theirs) >= 0.9 * len(posts)


@pytest.mark.parametrize("family", FAMILIES)
def test_the_replay_oracle_finds_held_out_likes_far_better_than_newest_first(family: str) -> None:
    made, hidden = small(family, seed=5)
    oracle = ReplayOracle(made, hidden, draws=1000, sessions=24)
    rng = np.random.default_rng(0)
    rows = made.likes[
        rng.choice(
            np.flatnonzero(made.likes[:, 2] > made.likes[-1, 2] - 3 * 86_400), 80, replace=False
        )
    ]
    followees: dict[int, set[int]] = {}
    for follower, followee, _ in made.follows.tolist():
        followees.setdefault(follower, set()).add(followee)
    newest_first = np.argsort(-made.post_created, kind="stable")
    ours = theirs = 0
    for user, post, at in rows.tolist():
        before = made.likes[(made.likes[:, 0] == user) & (made.likes[:, 2] < at), 1]
        seen = set(before.tolist())
        ranked = oracle.ranking_at(user, at, seen, 20)
        assert all(made.post_created[p - 1] < at for p in ranked) and not seen & set(ranked)
        ours += post in ranked
        authors = followees.get(user, set())
        newest = [
            int(made.post_ids[i])
            for i in newest_first
            if made.post_created[i] < at
            and made.post_authors[i] in authors
            and made.post_ids[i] not in seen
        ][:20]
        theirs += post in newest
    assert ours > 1.5 * max(theirs, 1), (ours, theirs)
