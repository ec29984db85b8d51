"""The feed benchmarks' dataset format, generator, hold-out splits and metrics."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from bench.dataset import FormatError, read, write
from bench.evaluation import (
    hold_out,
    ndcg_at,
    percentile_ratio_interval,
    ratio_interval,
    recall_at,
    split_at,
)
from bench.workload import generate


def test_a_generated_dataset_survives_writing_and_reading(tmp_path: Path) -> None:
    made = generate(60, 300, 900, seed=3, weeks=2, follows_per_user=5)
    write(made, tmp_path)
    back = read(tmp_path)
    assert np.array_equal(back.user_ids, made.user_ids) and back.handles == made.handles
    assert np.array_equal(back.follows, made.follows)
    assert np.array_equal(back.post_ids, made.post_ids)
    assert np.array_equal(back.post_authors, made.post_authors)
    assert np.array_equal(back.post_created, made.post_created)
    assert back.prompts == made.prompts and back.captions == made.captions
    assert np.array_equal(back.likes, made.likes)
    assert back.meta["seed"] == 3


def test_the_generator_keeps_its_promises() -> None:
    made = generate(80, 400, 1500, seed=5, weeks=2, follows_per_user=6)
    assert len(made.likes) == 1500 and len(made.post_ids) == 400
    assert made.summary() == generate(80, 400, 1500, seed=5, weeks=2, follows_per_user=6).summary()
    created = dict(zip(made.post_ids.tolist(), made.post_created.tolist(), strict=True))
    authors = dict(zip(made.post_ids.tolist(), made.post_authors.tolist(), strict=True))
    for user, post, at in made.likes.tolist():
        assert created[post] < at and authors[post] != user
    assert (made.follows[:, 0] != made.follows[:, 1]).all()
    assert all("#" in caption for caption in made.captions)
    assert np.all(np.diff(made.post_created) >= 0)  # ids ascend with time


def test_reading_refuses_what_the_format_forbids(tmp_path: Path) -> None:
    write(generate(20, 50, 100, seed=1, weeks=1, follows_per_user=3), tmp_path)
    likes = (tmp_path / "likes.csv").read_text().splitlines()
    (tmp_path / "likes.csv").write_text("\n".join([*likes, likes[1]]) + "\n")
    with pytest.raises(FormatError, match="repeated pair"):
        read(tmp_path)
    (tmp_path / "likes.csv").write_text("user,post,when\n")
    with pytest.raises(FormatError, match="header"):
        read(tmp_path)
    (tmp_path / "likes.csv").unlink()
    with pytest.raises(FormatError, match="missing"):
        read(tmp_path)


def test_recall_counts_the_share_of_relevant_items_found() -> None:
    assert recall_at([1, 2, 3, 4], {2, 9}, 3) == 0.5
    assert recall_at([1, 2, 3, 4], {4}, 3) == 0.0
    assert recall_at([5, 6], {5, 6}, 20) == 1.0


def test_ndcg_by_hand() -> None:
    # hits at ranks 1 and 3 of two relevant items: (1 + 1/log2 4) / (1 + 1/log2 3)
    assert ndcg_at([7, 8, 9], {7, 9}, 3) == pytest.approx(1.5 / (1 + 1 / math.log2(3)))
    assert ndcg_at([9, 7], {7, 9}, 2) == pytest.approx(1.0)
    assert ndcg_at([1, 2, 3], {3}, 2) == 0.0
    with pytest.raises(ValueError):
        ndcg_at([1], set(), 5)


def test_hold_out_takes_each_users_latest_likes() -> None:
    likes = np.array(
        [[1, 10, 100], [1, 11, 300], [1, 12, 200], [1, 13, 400], [1, 14, 500], [2, 10, 50]]
    )
    train, held = hold_out(likes, fraction=0.2, min_likes=5)
    assert held == {1: {14}}  # user 2 has too few likes to test
    assert sorted(map(tuple, train.tolist())) == sorted(
        [(1, 10, 100), (1, 11, 300), (1, 12, 200), (1, 13, 400), (2, 10, 50)]
    )


def test_split_at_shows_the_world_as_it_was() -> None:
    made = generate(50, 300, 1000, seed=2, weeks=2, follows_per_user=4)
    cut = float(np.median(made.likes[:, 2]))
    past, train, held = split_at(made, cut)
    assert (past.post_created <= cut).all() and (past.follows[:, 2] <= cut).all()
    assert (train[:, 2] <= cut).all() and len(train) == (made.likes[:, 2] <= cut).sum()
    existed = set(past.post_ids.tolist())
    later = {(u, p) for u, p, t in made.likes.tolist() if t > cut and p in existed}
    assert {(u, p) for u, posts in held.items() for p in posts} == later


def test_the_ratio_interval_holds_the_ratio_and_narrows_with_more_users() -> None:
    rng = np.random.default_rng(3)
    theirs = rng.random(400)
    ours = 2 * theirs + rng.normal(0, 0.3, 400)
    low, high = ratio_interval(ours, theirs)
    assert low < ours.mean() / theirs.mean() < high
    few_low, few_high = ratio_interval(ours[:40], theirs[:40])
    assert few_high - few_low > 2 * (high - low)
    assert ratio_interval([1.0, 2.0], [1.0, 2.0]) == (1.0, 1.0)  # paired: the same users
    with pytest.raises(ValueError):
        ratio_interval([1.0], [1.0, 2.0])


def test_the_percentile_ratio_interval_holds_the_ratio_of_the_tails() -> None:
    rng = np.random.default_rng(5)
    theirs = rng.lognormal(0, 0.5, 1000)
    ours = 3 * theirs
    low, high = percentile_ratio_interval(ours, theirs, 99)
    assert low == pytest.approx(3) and high == pytest.approx(3)  # paired: exactly 3× always
    noisy = ours * rng.lognormal(0, 0.3, 1000)
    low, high = percentile_ratio_interval(noisy, theirs, 99)
    assert low < np.percentile(noisy, 99) / np.percentile(theirs, 99) < high
