"""The `exposure` family's like process: people like only what a surface showed them.

Sessions come at moments uniform over the weeks, to users in proportion to their activity.
Each shows `shown` posts made before the moment on one surface:

- `following` (share `following_share`): the newest posts of the people the user follows;
- `liked` (share `liked_share`): what those people liked lately (each one's last three likes),
  most-liked first; a user whose followees liked nothing yet gets `latest` instead;
- `latest`: `shown` posts drawn from the `latest_pool` newest of everyone, newest first.

Each shown post at position i (0 first) is liked, independently, with probability

    like_base × taste(user, topic) / max taste(user) × quality / mean quality (≤ 4)
              × (i + 1) ** −position_decay × (1 + influence × followees who liked it)

(at most 0.95; never one's own post or one already liked), a few seconds after the session
began. What sessions showed is written as `impressions.csv` (`bench/dataset.py`): position
bias and the followees' influence are there to be fitted, not known.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter

import numpy as np

from bench.families import Mechanics

SURFACES = ("following", "liked", "latest")
FOLLOWEE_LIKES = 3  # of each followee's latest likes, the `liked` surface shows
PARTS = 40  # the period is simulated in this many parts, sessions re-planned for each


class Surfaces:
    """What each surface shows a user at a moment, from follows, posts and the likes so far.

    Indexes from 0 (user id − 1, post id − 1); posts are sorted by creation (ids ascend with
    time, as `bench.workload` makes them)."""

    def __init__(
        self,
        mechanics: Mechanics,
        follows: np.ndarray,
        author: np.ndarray,
        created: np.ndarray,
        taste: np.ndarray,
        topic: np.ndarray,
        quality: np.ndarray,
    ) -> None:
        users = len(taste)
        self.m, self.author, self.created, self.topic = mechanics, author, created, topic
        self.relative = taste / taste.max(axis=1, keepdims=True)
        self.quality = np.minimum(quality / quality.mean(), 4.0)
        order = np.lexsort((follows[:, 1], follows[:, 0]))
        starts = np.searchsorted(follows[order, 0], np.arange(users + 1))
        self.followees = [follows[order[starts[u] : starts[u + 1]], 1] for u in range(users)]
        by_author = np.argsort(author, kind="stable")
        bounds = np.searchsorted(author[by_author], np.arange(users + 1))
        posts_of = [by_author[bounds[a] : bounds[a + 1]] for a in range(users)]
        self.feed = [
            np.sort(np.concatenate([posts_of[f] for f in fs])) if len(fs) else np.zeros(0, int)
            for fs in self.followees
        ]
        # per session only what changes is computed: the feeds' times, and the position
        # factor of each place (a surface shows at most `shown` posts), are made once
        self.feed_created = [created[feed] for feed in self.feed]
        self.position_factor = (np.arange(mechanics.shown) + 1.0) ** -mechanics.position_decay
        self.like_times: list[list[int]] = [[] for _ in range(users)]
        self.like_posts: list[list[int]] = [[] for _ in range(users)]
        self.liked: list[set[int]] = [set() for _ in range(users)]

    def add_like(self, user: int, post: int, moment: int) -> None:
        """Record a like (in time order per user)."""
        self.like_times[user].append(moment)
        self.like_posts[user].append(post)
        self.liked[user].add(post)

    def show(
        self, rng: np.random.Generator, user: int, moment: int
    ) -> tuple[int, np.ndarray, np.ndarray]:
        """(surface index, posts shown in order, followees who liked each) at `moment`."""
        m = self.m
        draw = rng.random()
        if draw < m.following_share:
            feed = self.feed[user]
            made = self.feed_created[user].searchsorted(moment, side="left")
            posts = feed[max(0, made - m.shown) : made][::-1]
            return 0, posts, np.zeros(len(posts))
        if draw < m.following_share + m.liked_share:
            counts: Counter[int] = Counter()
            last: dict[int, int] = {}
            like_times, like_posts = self.like_times, self.like_posts
            for followee in self.followees[user].tolist():
                times = like_times[followee]
                end = bisect_left(times, moment)
                posts_liked = like_posts[followee]
                for at in range(max(0, end - FOLLOWEE_LIKES), end):
                    post, when = posts_liked[at], times[at]
                    counts[post] += 1
                    if when > last.get(post, 0):  # the latest of its likes (moments are > 0)
                        last[post] = when
            if counts:
                ranked = sorted(counts, key=lambda p: (-counts[p], -last[p]))[: m.shown]
                return 1, np.array(ranked, dtype=np.int64), np.array([counts[p] for p in ranked])
        made = int(self.created.searchsorted(moment, side="left"))
        pool = np.arange(max(0, made - m.latest_pool), made)
        posts = np.sort(rng.choice(pool, min(m.shown, len(pool)), replace=False))[::-1]
        return 2, posts, np.zeros(len(posts))

    def chances(
        self,
        user: int,
        moment: int,
        posts: np.ndarray,
        followers: np.ndarray,
        liked: set[int] | None = None,
    ) -> np.ndarray:
        """The like probability of each shown post (see the module's docstring); `liked`:
        the posts the user liked before (default: all recorded with `add_like`)."""
        liked = self.liked[user] if liked is None else liked
        m = self.m
        p = (
            m.like_base
            * self.relative[user][self.topic[posts]]
            * self.quality[posts]
            * self.position_factor[: len(posts)]
            * (1 + m.influence * followers)
        )
        never = self.author[posts] == user
        never |= self.created[posts] >= moment
        if liked:
            never |= np.array([q in liked for q in posts.tolist()], dtype=bool)
        return np.where(never, 0.0, np.minimum(p, 0.95))


def simulate_likes(
    rng: np.random.Generator,
    surfaces: Surfaces,
    activity: np.ndarray,
    begin: int,
    end: int,
    wanted: int,
) -> tuple[np.ndarray, np.ndarray]:
    """(likes: liker, post, moment; impressions: viewer, post, surface, position, shown_at),
    indexed from 0 and in time order: about `wanted` likes spread over [begin, end).

    The period is walked in `PARTS` parts; each gets as many sessions as the likes still
    wanted need at the likes per session seen so far (a first guess from `_likes_per_session`),
    so the likes reach the end of the period however the rate drifts as likes accumulate."""
    cdf = np.cumsum(activity)
    rate = _likes_per_session(
        np.random.default_rng(rng.integers(1 << 31)), surfaces, cdf, begin, end
    )
    likes: list[tuple[int, int, int]] = []
    shown_rows: list[np.ndarray] = []
    sessions_run = 0
    edges = np.linspace(begin, end, PARTS + 1).astype(np.int64)
    for part in range(PARTS):
        if sessions_run:
            rate = max(len(likes) / sessions_run, 1e-3)
        sessions = max(int((wanted - len(likes)) / (PARTS - part) / max(rate, 1e-3)), 0)
        users = np.minimum(np.searchsorted(cdf, rng.random(sessions) * cdf[-1]), len(cdf) - 1)
        moments = np.sort(rng.integers(edges[part], edges[part + 1], size=sessions))
        sessions_run += sessions
        for user, moment in zip(users.tolist(), moments.tolist(), strict=True):
            surface, posts, followers = surfaces.show(rng, user, moment)
            if not len(posts):
                continue
            n = len(posts)
            rows = np.empty((n, 5), dtype=np.int64)  # viewer, post, surface, position, shown_at
            rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 4] = user, posts, surface, moment
            rows[:, 3] = np.arange(n)
            shown_rows.append(rows)
            p = surfaces.chances(user, moment, posts, followers)
            for position in (rng.random(n) < p).nonzero()[0].tolist():
                at = moment + 5 * (position + 1)
                post = int(posts[position])
                surfaces.add_like(user, post, at)
                likes.append((user, post, at))
    table = np.array(likes, dtype=np.int64).reshape(-1, 3)
    table = table[np.argsort(table[:, 2], kind="stable")]
    shown = np.concatenate(shown_rows) if shown_rows else np.zeros((0, 5), dtype=np.int64)
    return table, shown.astype(np.int64)


def _likes_per_session(
    rng: np.random.Generator, surfaces: Surfaces, cdf: np.ndarray, begin: int, end: int
) -> float:
    """A first estimate of likes per session (from 1,000 sessions that change nothing)."""
    total = 0.0
    for _ in range(1000):
        user = min(int(np.searchsorted(cdf, rng.random() * cdf[-1])), len(cdf) - 1)
        moment = int(rng.integers(begin, end))
        _, posts, followers = surfaces.show(rng, user, moment)
        total += float(surfaces.chances(user, moment, posts, followers).sum()) if len(posts) else 0
    return total / 1000
