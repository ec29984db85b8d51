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
`hidden.npz` (see `Hidden`) holds what the files do not show: each user's taste and activity,
each post's topic and quality, and the like process's constants, so that `bench/oracle.py` can
replay that process. Benchmarks never need it.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bench.dataset import Dataset, write
from bench.exposure import SURFACES, Surfaces, simulate_likes
from bench.families import (
    FAMILIES,
    SOCIAL,
    SOCIAL_AGE,
    TASTE_AGE,
    WINDOW,
    Mechanics,
    draw,
)
from bench.vocabulary import CAPTIONS, LIGHTING, MOODS, STYLES, TOPICS
from bench.vocabulary_de import CAPTIONS_DE, LIGHTING_DE, MOODS_DE, STYLES_DE, TOPICS_DE

START = int(datetime(2026, 9, 1, tzinfo=UTC).timestamp())
DAY = 86_400
TASTE_ALPHA = 0.15
HOMOPHILY = 0.7
OVERDRAW = 1.3  # draw more likes than wanted: repeats and own posts are dropped
HIDDEN = "hidden.npz"


@dataclass(slots=True)
class Hidden:
    """The generator's hidden variables and constants: enough to replay its like process.

    Users and posts are indexed from 0 (user id − 1, post id − 1)."""

    taste: np.ndarray  # (users, topics): each user's topic mixture
    activity: np.ndarray  # (users,): likers are drawn in proportion to it
    topic: np.ndarray  # (posts,)
    quality: np.ndarray  # (posts,)
    draws: int  # the like draws the likes came from (dropped ones too: repeats, none found…)
    begin: int  # the moments of the draws are uniform in [begin, end)
    end: int
    social: float = SOCIAL
    social_age: float = SOCIAL_AGE
    taste_age: float = TASTE_AGE
    window: int = WINDOW
    max_age: float = 0.0  # likes only of posts at most this old (s); 0: any age
    mechanics: str = "{}"  # the family's `Mechanics` as JSON (`{}`: the default's)
    spam: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    # spam rows: (account, author whose every post it likes)

    @property
    def family(self) -> Mechanics:
        return Mechanics(**json.loads(self.mechanics))

    def save(self, directory: Path) -> None:
        values = {f.name: np.asarray(getattr(self, f.name)) for f in fields(self)}
        np.savez_compressed(directory / HIDDEN, **values)

    @classmethod
    def load(cls, directory: Path) -> Hidden:
        with np.load(directory / HIDDEN) as stored:  # older files lack the newer fields
            values = {f.name: stored[f.name] for f in fields(cls) if f.name in stored}
        return cls(**{k: v.item() if v.ndim == 0 else v for k, v in values.items()})


def generate(
    users: int,
    posts: int,
    likes: int,
    *,
    seed: int = 1,
    weeks: int = 8,
    follows_per_user: float = 20.0,
    family: str = "default",
) -> Dataset:
    """A workload in the format of `bench/dataset.py` (see the module's docstring)."""
    dataset, _ = simulate(
        users,
        posts,
        likes,
        seed=seed,
        weeks=weeks,
        follows_per_user=follows_per_user,
        family=family,
    )
    return dataset


def simulate(
    users: int,
    posts: int,
    likes: int,
    *,
    seed: int = 1,
    weeks: int = 8,
    follows_per_user: float = 20.0,
    family: str = "default",
) -> tuple[Dataset, Hidden]:
    """`generate`'s workload and the hidden variables it was drawn from."""
    mechanics = draw(family, seed)
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
    # Families' own draws come from streams of their own: the default's stay as they were.
    if mechanics.family != "default":
        prompts, captions = _restyle(
            np.random.default_rng([seed, 23]),
            mechanics,
            names,
            topic,
            prompts,
            captions,
            favourite_style[author],
        )

    hidden = Hidden(
        taste,
        activity,
        topic,
        quality,
        draws=0,
        begin=START + DAY,
        end=end,
        social=mechanics.social,
        social_age=mechanics.social_age,
        taste_age=mechanics.taste_age,
        window=mechanics.window,
        max_age=mechanics.max_age,
        mechanics=json.dumps(mechanics.describe()) if mechanics.family != "default" else "{}",
    )
    impressions = None
    if mechanics.exposure:
        surfaces = Surfaces(mechanics, follows, author, created, taste, topic, quality)
        like_rows, impressions = simulate_likes(
            np.random.default_rng([seed, 29]), surfaces, activity, hidden.begin, end, likes
        )
        draws = 0
    else:
        process = LikeProcess(hidden, follows, author, created)
        like_rows = np.zeros((0, 3), dtype=np.int64)
        overdraw, draws = OVERDRAW, 0
        while len(like_rows) < likes and overdraw < 8:  # repeats dropped: draw more
            like_rows, draws = _likes(rng, process, likes, int(likes * overdraw) + 16)
            overdraw *= 1.25
    spam = _spammers(np.random.default_rng([seed, 31]), mechanics, activity, author)
    like_rows = _with_spam(
        np.random.default_rng([seed, 37]), like_rows, spam, mechanics, author, created, end
    )
    hidden = replace(hidden, draws=draws, spam=spam)
    ids = np.arange(1, users + 1, dtype=np.int64)
    dataset = Dataset(
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
        impressions=None
        if impressions is None
        else np.column_stack([impressions[:, :2] + 1, impressions[:, 2:]]),
        surfaces=SURFACES,
        meta={
            "generator": "bench.workload",
            "family": family,
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
    return dataset, hidden


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


# German prompts: whole templates of their own, not the English one with words swapped.
GERMAN_TEMPLATES = (
    "{subject} {setting}, {style}, {lighting}, {mood} Stimmung",
    "{style}: {subject} {setting}, {lighting}",
    "{subject} {setting} – {mood} Stimmung, {lighting}, {style}",
    "{subject}, {setting}, {style}",
)


def _restyle(
    rng: np.random.Generator,
    mechanics: Mechanics,
    names: list[str],
    topic: np.ndarray,
    prompts: list[str],
    captions: list[str],
    style: np.ndarray,
) -> tuple[list[str], list[str]]:
    """A family's texts: a share of the prompts in German (same topic, German words and
    templates); #tags on a share of the posts, some of them from a random topic."""
    n = len(topic)
    german = rng.random(n) < mechanics.german
    tagged = rng.random(n) < mechanics.tags
    picks = rng.integers(0, 1 << 30, size=(n, 9))
    prompts, captions = list(prompts), list(captions)
    for i in range(n):
        p = picks[i]
        name = names[topic[i]]
        remark = captions[i].split(" #")[0].split("#")[0].strip()
        if german[i]:
            words = TOPICS_DE[name]
            prompts[i] = GERMAN_TEMPLATES[p[0] % len(GERMAN_TEMPLATES)].format(
                subject=words["subjects"][p[1] % len(words["subjects"])],
                setting=words["settings"][p[2] % len(words["settings"])],
                style=STYLES_DE[style[i] if p[3] % 2 else p[3] % len(STYLES_DE)],
                lighting=LIGHTING_DE[p[4] % len(LIGHTING_DE)],
                mood=MOODS_DE[p[5] % len(MOODS_DE)],
            )
            remark = CAPTIONS_DE[p[6] % len(CAPTIONS_DE)]
        tags: list[str] = []
        if tagged[i]:
            noisy = p[7] % 1000 < mechanics.tag_noise * 1000
            source = names[p[8] % len(names)] if noisy else name
            pool = (TOPICS_DE if german[i] else TOPICS)[source]["tags"]
            tags = list(dict.fromkeys(pool[(p[8] + j) % len(pool)] for j in range(1 + p[7] % 3)))
        captions[i] = " ".join([remark, *(f"#{t}" for t in tags)]).strip()
    return prompts, captions


def _spammers(
    rng: np.random.Generator, mechanics: Mechanics, activity: np.ndarray, author: np.ndarray
) -> np.ndarray:
    """(account, author) rows: accounts that will like every post of one author."""
    counts = np.bincount(author, minlength=len(activity))
    prolific = np.flatnonzero(counts >= 5)
    if not mechanics.spam_accounts or not len(prolific):
        return np.zeros((0, 2), dtype=np.int64)
    count = min(mechanics.spam_accounts, len(activity) // 4)
    accounts = rng.choice(len(activity), size=count, replace=False)
    targets = rng.choice(prolific, size=count, p=counts[prolific] / counts[prolific].sum())
    keep = accounts != targets
    return np.column_stack([accounts[keep], targets[keep]]).astype(np.int64)


def _with_spam(
    rng: np.random.Generator,
    likes: np.ndarray,
    spam: np.ndarray,
    mechanics: Mechanics,
    author: np.ndarray,
    created: np.ndarray,
    end: int,
) -> np.ndarray:
    """`likes` and the spam accounts' (each target's post liked after Exp(`spam_delay`) if
    before the end), repeats dropped (the earliest kept), in time order."""
    rows = [likes]
    for account, target in spam.tolist():
        posts = np.flatnonzero(author == target)
        moment = created[posts] + 1 + rng.exponential(mechanics.spam_delay, len(posts)).astype(int)
        kept = moment < end
        rows.append(np.column_stack([np.full(kept.sum(), account), posts[kept], moment[kept]]))
    table = np.concatenate(rows).astype(np.int64)
    table = table[np.argsort(table[:, 2], kind="stable")]
    _, first = np.unique(table[:, 0] * len(author) + table[:, 1], return_index=True)
    return table[np.sort(first)]


class LikeProcess:
    """Where the generator's likes go: given who likes and when, which post (or none).

    `follows` rows are (follower, followee, …) and `author` / `created` are per post, all
    indexed from 0; the indexes the choice searches are built once."""

    def __init__(
        self, hidden: Hidden, follows: np.ndarray, author: np.ndarray, created: np.ndarray
    ) -> None:
        self.hidden, self.author, self.created = hidden, author, created
        follows = follows[np.lexsort((follows[:, 1], follows[:, 0]))]
        self.followee = follows[:, 1]
        self.starts = np.searchsorted(follows[:, 0], np.arange(len(hidden.taste) + 1))
        self.span = hidden.end + 1  # keys: group × span + time
        self.by_author = np.lexsort((created, author))
        self.author_keys = author[self.by_author] * self.span + created[self.by_author]
        topic = hidden.topic
        self.by_topic = np.lexsort((created, topic))
        self.topic_bounds = np.searchsorted(
            topic[self.by_topic], np.arange(hidden.taste.shape[1] + 1)
        )
        self.topic_keys = topic[self.by_topic] * self.span + created[self.by_topic]

    def choose(self, rng: np.random.Generator, liker: np.ndarray, moment: np.ndarray) -> np.ndarray:
        """The post each `liker` likes at `moment`, or -1: none found, not accepted, one's
        own, not made yet or older than `max_age`. With probability `social` a followee's
        latest post before moment − Exp(`social_age`), accepted with probability
        0.2 + 0.8 × the liker's relative taste for its topic; otherwise a topic from the
        liker's taste and, among the `window` posts of that topic made just before
        moment − Exp(`taste_age`), the one of highest log(quality) + Gumbel noise."""
        hidden, author, created = self.hidden, self.author, self.created
        taste, topic = hidden.taste, hidden.topic
        post = np.full(len(liker), -1, dtype=np.int64)
        social = rng.random(len(liker)) < hidden.social

        starts = self.starts
        rows = np.flatnonzero(social & (starts[liker + 1] > starts[liker]))
        lo, hi = starts[liker[rows]], starts[liker[rows] + 1]
        followee = self.followee[lo + (rng.random(len(rows)) * (hi - lo)).astype(np.int64)]
        target = moment[rows] - rng.exponential(hidden.social_age, len(rows)).astype(np.int64)
        at = np.searchsorted(self.author_keys, followee * self.span + target, side="right") - 1
        chosen = self.by_author[np.maximum(at, 0)]
        found = (at >= 0) & (author[chosen] == followee)
        relative = taste[liker[rows], topic[chosen]] / taste[liker[rows]].max(axis=1)
        accept = found & (rng.random(len(rows)) < 0.2 + 0.8 * relative)
        post[rows[accept]] = chosen[accept]

        rows = np.flatnonzero(~social)
        want_topic = _from_mixture(rng, taste, liker[rows])
        target = moment[rows] - rng.exponential(hidden.taste_age, len(rows)).astype(np.int64)
        at = np.searchsorted(self.topic_keys, want_topic * self.span + target, side="right") - 1
        offsets = at[:, None] - np.arange(hidden.window)[None, :]
        valid = offsets >= self.topic_bounds[want_topic][:, None]
        window = self.by_topic[np.maximum(offsets, 0)]
        gumbel = -np.log(-np.log(rng.random(window.shape)))
        score = np.where(valid, np.log(hidden.quality[window]) + gumbel, -np.inf)
        best = score.argmax(axis=1)
        ok = valid[np.arange(len(rows)), best]
        post[rows[ok]] = window[np.arange(len(rows)), best][ok]

        made = post >= 0
        made[made] = (author[post[made]] != liker[made]) & (created[post[made]] < moment[made])
        if hidden.max_age:
            made[made] = moment[made] - created[post[made]] <= hidden.max_age
        return np.where(made, post, -1)


def _likes(
    rng: np.random.Generator, process: LikeProcess, wanted: int, draws: int
) -> tuple[np.ndarray, int]:
    """Up to `wanted` likes (liker, post, moment) by time, from the first of `draws` draws
    (repeats dropped), and how many draws they came from."""
    hidden = process.hidden
    liker = _pick(rng, hidden.activity, draws)
    moment = rng.integers(hidden.begin, hidden.end, size=draws)
    post = process.choose(rng, liker, moment)
    kept = np.flatnonzero(post >= 0)
    liker, post, moment = liker[kept], post[kept], moment[kept]
    _, first_seen = np.unique(liker * len(process.author) + post, return_index=True)
    first_seen = np.sort(first_seen)[:wanted]
    if len(first_seen) == wanted and wanted:
        draws = int(kept[first_seen[-1]]) + 1
    table = np.column_stack([liker[first_seen], post[first_seen], moment[first_seen]])
    return table[np.argsort(table[:, 2], kind="stable")].astype(np.int64), draws


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--posts", type=int, default=20000)
    parser.add_argument("--likes", type=int, default=100000)
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--follows-per-user", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--family", choices=FAMILIES, default="default", help="see bench/families.py"
    )
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    began = time.perf_counter()
    dataset, hidden = simulate(
        args.users,
        args.posts,
        args.likes,
        seed=args.seed,
        weeks=args.weeks,
        follows_per_user=args.follows_per_user,
        family=args.family,
    )
    made = time.perf_counter()
    write(dataset, args.out)
    hidden.save(args.out)
    print(
        f"{dataset.summary()} → {args.out} "
        f"(generated in {made - began:.1f} s, written in {time.perf_counter() - made:.1f} s)"
    )


if __name__ == "__main__":
    main()
