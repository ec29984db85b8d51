"""Workload families: differently shaped communities for the feed benchmarks.

A ranker tuned on one generator learns that generator's constants. Each family here has its
own mechanics, and every family but `default` draws its parameters per seed (from a random
stream of its own, `[seed, 17]`), so no constant holds across seeds:

- `default`: `bench.workload`'s like process with its constants as they were (ages of days),
  English prompts, #tags drawn from each post's topic.
- `fast`: the same process with ages of hours (social 1–8 h, taste 2–12 h, nothing older
  than 8–36 h, 3–12 posts in a topic's window); #tags on
  40–100 % of the posts, 10–30 % of them from a random topic.
- `notags`: the same process, ages of ½–3 days; no #tags at all.
- `bilingual`: ages of 2 h–2 days (log-uniform); 33–60 % of the prompts in German
  (`bench/vocabulary_de.py`, German templates), #tags on 0–60 % of the posts.
- `exposure`: likes only of what a surface showed (`bench/exposure.py`): followees' newest
  posts, what followees liked, the newest of everyone; position bias and followees'
  influence; 0–30 % German, #tags on 30–100 %; writes `impressions.csv`.

Spam: in every family but `default`, 1–5 accounts (exposure and fast: 2–5) each like nearly
every post of one author within minutes to an hour (`spam_delay`).

`Mechanics` is what the generator and the oracle read; nothing in core/ may.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

DAY = 86_400.0
HOUR = 3_600.0
FAMILIES = ("default", "fast", "notags", "bilingual", "exposure")

# The default family's constants (bench.workload's, unchanged so old figures still hold).
SOCIAL = 0.35
SOCIAL_AGE = 1.5 * DAY
TASTE_AGE = 2.0 * DAY
WINDOW = 24


@dataclass(frozen=True, slots=True)
class Mechanics:
    family: str = "default"
    social: float = SOCIAL  # share of like draws that go to a followee's post
    social_age: float = SOCIAL_AGE  # mean age (s) of the followee posts liked
    taste_age: float = TASTE_AGE  # mean age (s) of the topic posts liked
    window: int = WINDOW  # posts of one topic among which quality decides
    max_age: float = 0.0  # a post older than this (s) at the moment is not liked (0: any)
    tags: float = 1.0  # share of posts whose caption has #tags
    tag_noise: float = 0.0  # share of those #tags from a random topic
    german: float = 0.0  # share of posts written in German
    spam_accounts: int = 0
    spam_delay: float = 30 * 60.0  # mean delay (s) of a spam like after the post
    # exposure family only (bench/exposure.py)
    exposure: bool = False
    shown: int = 20  # posts per surface
    following_share: float = 0.45  # surfaces: followees' newest posts
    liked_share: float = 0.25  # surfaces: what followees liked lately; the rest the newest
    latest_pool: int = 200  # "newest" shows `shown` random posts among this many newest
    influence: float = 1.0  # × (1 + influence × followees who liked it)
    position_decay: float = 0.6  # like chance ∝ (position + 1) ** −position_decay
    like_base: float = 0.25

    def describe(self) -> dict:
        return asdict(self)


def draw(family: str, seed: int) -> Mechanics:
    """The mechanics of `family` for `seed` (the default family's are fixed)."""
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}: one of {', '.join(FAMILIES)}")
    if family == "default":
        return Mechanics()
    rng = np.random.default_rng([seed, 17])
    u = rng.uniform

    def log_uniform(low: float, high: float) -> float:
        return float(np.exp(u(np.log(low), np.log(high))))

    common = {
        "family": family,
        "social": float(u(0.25, 0.5)),
        "window": int(rng.integers(12, 41)),
        "tag_noise": float(u(0.1, 0.3)),
        "spam_accounts": int(rng.integers(1, 6)),
        "spam_delay": float(u(5, 60)) * 60,
    }
    if family == "fast":
        return Mechanics(
            **common
            | {"spam_accounts": int(rng.integers(2, 6)), "window": int(rng.integers(3, 13))},
            social_age=float(u(1, 8)) * HOUR,
            taste_age=float(u(2, 12)) * HOUR,
            max_age=float(u(8, 36)) * HOUR,
            tags=float(u(0.4, 1.0)),
        )
    if family == "notags":
        return Mechanics(
            **common,
            social_age=float(u(0.5, 3)) * DAY,
            taste_age=float(u(0.5, 3)) * DAY,
            tags=0.0,
        )
    if family == "bilingual":
        return Mechanics(
            **common,
            social_age=log_uniform(2 * HOUR, 2 * DAY),
            taste_age=log_uniform(2 * HOUR, 2 * DAY),
            tags=float(u(0.0, 0.6)),
            german=float(u(0.33, 0.6)),
        )
    following = float(u(0.3, 0.6))
    return Mechanics(
        **common | {"spam_accounts": int(rng.integers(2, 6))},
        tags=float(u(0.3, 1.0)),
        german=float(u(0.0, 0.3)),
        exposure=True,
        shown=int(rng.integers(8, 21)),
        following_share=following,
        liked_share=float(u(0.15, min(0.35, 0.95 - following))),
        latest_pool=int(rng.integers(100, 401)),
        influence=float(u(0.5, 2.0)),
        position_decay=float(u(0.3, 1.0)),
        like_base=float(u(0.3, 0.6)),
    )
