"""A synthetic workload for the feed benchmarks, written in the format of `bench/dataset.py`.

    python -m bench.workload --users 2000 --posts 20000 --likes 100000 --out /tmp/feed-2k
    python -m bench.workload --users 100000 --posts 1000000 --likes 5000000 --out /tmp/feed-1m

The model (all vectorized with numpy; the same seed gives the same files):

- **Users** have a latent taste: a mixture over the topics of `bench/vocabulary.py`
  (Dirichlet, α = 0.15, so most people care about two or three topics), an activity level
  (log-normal: a few people post and like a lot) and a fame (Pareto: a few people are
  followed by many). Each has a favourite style.
- **Follows**: out-degrees are log-normal (mean `--follows-per-user`); each followee is
  picked by preferential attachment (∝ fame) among people whose main topic is the
  follower's (homophily, probability `HOMOPHILY`) or among everyone.
- **Posts**: the author ∝ activity × √fame; the topic is drawn from the author's taste; the
  prompt is "mood subject setting, style, lighting" from that topic's words (half the time
  in the author's favourite style), the caption a short remark and one to three #tags.
  Times are spread over `--weeks` weeks, ids ascend with time. Each post has a hidden
  quality (log-normal × the author's fame^0.3).
- **Likes**: the liker ∝ activity, at a moment spread over the weeks. With probability
  `SOCIAL` the like goes to a recent post of someone the liker follows (accepted in
  proportion to the liker's taste for its topic); otherwise a topic is drawn from the
  liker's taste and, among that topic's posts made shortly before (recency: exponential age,
  mean `TASTE_AGE`), one is chosen in proportion to its quality (popularity). Repeated pairs
  and likes of one's own posts are dropped.

`meta.json` records the arguments and each user's main topic (for looking at the data).
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bench.dataset import Dataset, write
from bench.vocabulary import CAPTIONS, LIGHTING, MOODS, STYLES, TOPICS

START = int(datetime(2026, 9, 1, tzinfo=UTC).timestamp())
DAY = 86_400
TASTE_ALPHA = 0.15
HOMOPHILY = 0.7
SOCIAL = 0.35
SOCIAL_AGE = 1.5 * DAY
TASTE_AGE = 2.0 * DAY
WINDOW = 24  # posts of one topic around the moment, among which quality decides
OVERDRAW = 1.3  # draw more likes than wanted: repeats and own posts are dropped


def generate(
    users: int,
    posts: int,
    likes: int,
    *,
    seed: int = 1,
    weeks: int = 8,
    follows_per_user: float = 20.0,
) -> Dataset:
    rng = np.random.default_rng(seed)
    names = list(TOPICS)
    k = len(names)
    end = START + weeks * 7 * DAY

    taste = rng.dirichlet(np.full(k, TASTE_ALPHA), size=users).astype(np.float32)
    main_topic = taste.argmax(axis=1)
    activity = rng.lognormal(0.0, 1.0, users)
    fame = rng.pareto(1.5, users) + 1.0
    favourite_style = rng.integers(len(STYLES), size=users)
    user_created = START - rng.integers(0, 30 * DAY, size=users)

    follows = _follows(rng, users, main_topic, fame, follows_per_user, end)

    author = _pick(rng, activity * np.sqrt(fame), posts)
    created = np.sort(rng.integers(START, end, size=posts))
    topic = _from_mixture(rng, taste, author)
    quality = rng.lognormal(0.0, 0.8, posts) * fame[author] ** 0.3
    prompts, captions = _texts(rng, names, topic, favourite_style[author])

    like_rows = np.zeros((0, 3), dtype=np.int64)
    overdraw = OVERDRAW
    while len(like_rows) < likes and overdraw < 8:  # repeats dropped: draw more
        like_rows = _likes(
            rng, likes, overdraw, taste, activity, follows, author, created, topic, quality, end
        )
        overdraw *= 1.25
    ids = np.arange(1, users + 1, dtype=np.int64)
    return Dataset(
        user_ids=ids,
        handles=[f"user{i}" for i in range(1, users + 1)],
        user_created=user_created.astype(np.int64),
        follows=np.column_stack([follows[:, 0] + 1, follows[:, 1] + 1, follows[:, 2]]),
        post_ids=np.arange(1, posts + 1, dtype=np.int64),
        post_authors=author.astype(np.int64) + 1,
        post_created=created.astype(np.int64),
        audiences=["public"] * posts,
        prompts=prompts,
        captions=captions,
        likes=np.column_stack([like_rows[:, 0] + 1, like_rows[:, 1] + 1, like_rows[:, 2]]),
        meta={
            "generator": "bench.workload",
            "seed": seed,
            "users": users,
            "posts": posts,
            "likes": len(like_rows),
            "follows": len(follows),
            "weeks": weeks,
            "follows_per_user": follows_per_user,
            "topics": names,
            "main_topic": main_topic.tolist(),
        },
    )


def _pick(rng: np.random.Generator, weights: np.ndarray, count: int) -> np.ndarray:
    """`count` indices drawn in proportion to `weights`."""
    cdf = np.cumsum(weights, dtype=np.float64)
    return np.minimum(np.searchsorted(cdf, rng.random(count) * cdf[-1]), len(weights) - 1)


def _from_mixture(rng: np.random.Generator, taste: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One topic per row, drawn from the taste mixture of `taste[rows]`."""
    out = np.empty(len(rows), dtype=np.int64)
    for start in range(0, len(rows), 200_000):
        part = rows[start : start + 200_000]
        cdf = np.cumsum(taste[part], axis=1)
        u = rng.random(len(part))[:, None] * cdf[:, -1:]
        out[start : start + len(part)] = np.minimum((cdf < u).sum(axis=1), taste.shape[1] - 1)
    return out


def _follows(
    rng: np.random.Generator,
    users: int,
    main_topic: np.ndarray,
    fame: np.ndarray,
    mean_degree: float,
    end: int,
) -> np.ndarray:
    degree = np.rint(rng.lognormal(np.log(mean_degree) - 0.5, 1.0, users)).astype(np.int64)
    degree = np.clip(degree, 1, max(users - 1, 1))
    follower = np.repeat(np.arange(users), degree)
    followee = _pick(rng, fame, len(follower))
    alike = rng.random(len(follower)) < HOMOPHILY
    for topic in np.unique(main_topic):
        members = np.flatnonzero(main_topic == topic)
        rows = np.flatnonzero(alike & (main_topic[follower] == topic))
        if len(members) > 1 and len(rows):
            followee[rows] = members[_pick(rng, fame[members], len(rows))]
    keep = follower != followee
    pairs = np.unique(follower[keep] * users + followee[keep])
    created = rng.integers(START - 30 * DAY, (START + end) // 2, size=len(pairs))
    return np.column_stack([pairs // users, pairs % users, created]).astype(np.int64)


def _texts(
    rng: np.random.Generator, names: list[str], topic: np.ndarray, style: np.ndarray
) -> tuple[list[str], list[str]]:
    n = len(topic)
    own_style = rng.random(n) < 0.5
    style = np.where(own_style, style, rng.integers(len(STYLES), size=n))
    stray = rng.random(n) < 0.1  # a subject from another topic now and then
    subject_topic = np.where(stray, rng.integers(len(names), size=n), topic)
    picks = rng.integers(0, 1 << 30, size=(n, 8))
    prompts, captions = [], []
    for i in range(n):
        words = TOPICS[names[topic[i]]]
        subjects = TOPICS[names[subject_topic[i]]]["subjects"]
        p = picks[i]
        prompts.append(
            f"{MOODS[p[0] % len(MOODS)]} {subjects[p[1] % len(subjects)]} "
            f"{words['settings'][p[2] % len(words['settings'])]}, {STYLES[style[i]]}, "
            f"{LIGHTING[p[3] % len(LIGHTING)]}"
        )
        tags = words["tags"]
        chosen = dict.fromkeys(tags[(p[4] + j) % len(tags)] for j in range(1 + p[5] % 3))
        remark = CAPTIONS[p[6] % len(CAPTIONS)]
        captions.append(" ".join([remark, *(f"#{t}" for t in chosen)]).strip())
    return prompts, captions


def _likes(
    rng: np.random.Generator,
    wanted: int,
    overdraw: float,
    taste: np.ndarray,
    activity: np.ndarray,
    follows: np.ndarray,
    author: np.ndarray,
    created: np.ndarray,
    topic: np.ndarray,
    quality: np.ndarray,
    end: int,
) -> np.ndarray:
    users, posts = len(taste), len(author)
    draws = int(wanted * overdraw) + 16
    liker = _pick(rng, activity, draws)
    moment = rng.integers(START + DAY, end, size=draws)
    post = np.full(draws, -1, dtype=np.int64)

    social = rng.random(draws) < SOCIAL
    # Social: a recent post of a followee (posts sorted by author, then time).
    order = np.lexsort((created, author))
    keys = author[order] * (end + 1) + created[order]
    starts = np.searchsorted(follows[:, 0], np.arange(users + 1))
    rows = np.flatnonzero(social & (starts[liker + 1] > starts[liker]))
    lo, hi = starts[liker[rows]], starts[liker[rows] + 1]
    followee = follows[lo + (rng.random(len(rows)) * (hi - lo)).astype(np.int64), 1]
    target = moment[rows] - rng.exponential(SOCIAL_AGE, len(rows)).astype(np.int64)
    at = np.searchsorted(keys, followee * (end + 1) + target, side="right") - 1
    found = (at >= 0) & (author[order[np.maximum(at, 0)]] == followee)
    chosen = order[np.maximum(at, 0)]
    relative = taste[liker[rows], topic[chosen]] / taste[liker[rows]].max(axis=1)
    accept = found & (rng.random(len(rows)) < 0.2 + 0.8 * relative)
    post[rows[accept]] = chosen[accept]

    # Taste × popularity × recency: a topic from the taste, then quality among recent posts.
    rows = np.flatnonzero(~social)
    want_topic = _from_mixture(rng, taste, liker[rows])
    target = moment[rows] - rng.exponential(TASTE_AGE, len(rows)).astype(np.int64)
    by_topic = np.lexsort((created, topic))
    sorted_topic = topic[by_topic]
    bounds = np.searchsorted(sorted_topic, np.arange(taste.shape[1] + 1))
    tkeys = topic[by_topic] * (end + 1) + created[by_topic]
    at = np.searchsorted(tkeys, want_topic * (end + 1) + target, side="right") - 1
    first = bounds[want_topic]
    offsets = at[:, None] - np.arange(WINDOW)[None, :]
    valid = offsets >= first[:, None]
    window = by_topic[np.maximum(offsets, 0)]
    gumbel = -np.log(-np.log(rng.random(window.shape)))
    score = np.where(valid, np.log(quality[window]) + gumbel, -np.inf)
    best = score.argmax(axis=1)
    ok = valid[np.arange(len(rows)), best]
    post[rows[ok]] = window[np.arange(len(rows)), best][ok]

    keep = (post >= 0) & (author[np.maximum(post, 0)] != liker)
    keep &= created[np.maximum(post, 0)] < moment
    liker, post, moment = liker[keep], post[keep], moment[keep]
    _, first_seen = np.unique(liker * posts + post, return_index=True)
    first_seen = np.sort(first_seen)[:wanted]
    table = np.column_stack([liker[first_seen], post[first_seen], moment[first_seen]])
    return table[np.argsort(table[:, 2], kind="stable")].astype(np.int64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--posts", type=int, default=20000)
    parser.add_argument("--likes", type=int, default=100000)
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--follows-per-user", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    began = time.perf_counter()
    dataset = generate(
        args.users,
        args.posts,
        args.likes,
        seed=args.seed,
        weeks=args.weeks,
        follows_per_user=args.follows_per_user,
    )
    made = time.perf_counter()
    write(dataset, args.out)
    print(
        f"{dataset.summary()} → {args.out} "
        f"(generated in {made - began:.1f} s, written in {time.perf_counter() - made:.1f} s)"
    )


if __name__ == "__main__":
    main()
