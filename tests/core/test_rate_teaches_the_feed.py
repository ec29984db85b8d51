"""Votes move the ranker: a person who prefers watercolour in /rate gets more watercolour in
/feed, measured on a workload (not asserted by hand).

The workload: six authors post 48 images, a subject each in one of four styles (a quarter
watercolour), and eight other people like a random few. Two newcomers, who follow no one and
liked nothing, answer 30 /rate pairs each: one picks the watercolour post whenever exactly
one of the pair is watercolour, the other picks the other one then; otherwise each picks at
random. The top of their feed's ranking (`TOP` posts: /feed's first pages) is counted before
and after."""

from __future__ import annotations

import numpy as np

from bot.bootstrap import App
from core.clock import FakeClock
from core.persistence.models import Account, Post, RateVote
from tests.core.test_feed import people, post

SUBJECTS = (
    "a fox in the snow",
    "a lighthouse at dusk",
    "a bowl of ripe cherries",
    "an old tram in the city",
    "a sleeping cat on a windowsill",
    "mountains above a quiet lake",
    "a field of sunflowers",
    "a sailing boat in a storm",
    "a street market at night",
    "an owl on a branch",
    "a castle on a hill",
    "a jazz band playing",
)
STYLES = ("watercolor painting", "pixel art", "oil painting", "neon cyberpunk render")
VOTES = 30
TOP = 12


def watercolour(prompt: str | None) -> bool:
    return "watercolor" in (prompt or "")


async def _workload(app: App, clock: FakeClock, rng: np.random.Generator) -> list[Post]:
    authors = await people(app, *(f"artist{i}" for i in range(6)))
    likers = await people(app, *(f"fan{i}" for i in range(8)))
    made = []
    for number, (subject, style) in enumerate(
        (subject, style) for subject in SUBJECTS for style in STYLES
    ):
        made.append(await post(app, authors[number % len(authors)], f"{subject}, {style}"))
        clock.advance(minutes=7)
    for liker in likers:
        for chosen in rng.choice(len(made), size=5, replace=False):
            await app.services.engagement.like(liker, made[int(chosen)].id)
    return made


async def _share_on_first_page(app: App, viewer: Account) -> float:
    page = await app.services.feed.rank(viewer)
    top = [item.post_id for item in page[:TOP]]
    prompts = {p.id: p.prompt for p in await Post.filter(id__in=top)}
    return float(np.mean([watercolour(prompts[i]) for i in top]))


async def _rate(app: App, viewer: Account, *, likes_watercolour: bool, rng: np.random.Generator):
    for _ in range(VOTES):
        pair = await app.services.rating.pair(viewer)
        assert pair is not None
        a, b = pair.a, pair.b
        if watercolour(a.prompt) != watercolour(b.prompt):
            a_wins = watercolour(a.prompt) == likes_watercolour
        else:
            a_wins = bool(rng.random() < 0.5)
        chosen, other = (a, b) if a_wins else (b, a)
        await app.services.rating.vote(viewer, chosen.id, other.id)


async def test_a_person_who_prefers_watercolour_in_rate_gets_more_in_the_feed(
    app: App, clock: FakeClock
) -> None:
    rng = np.random.default_rng(22)
    app.services.rating._rng = np.random.default_rng(23)  # the pairs drawn: deterministic
    await _workload(app, clock, rng)
    wanda, pixel = await people(app, "wanda", "pixel")
    before = {p.id: await _share_on_first_page(app, p) for p in (wanda, pixel)}
    await _rate(app, wanda, likes_watercolour=True, rng=rng)
    await _rate(app, pixel, likes_watercolour=False, rng=rng)
    assert await RateVote.filter(voter_id=wanda.id).count() == VOTES
    after = {p.id: await _share_on_first_page(app, p) for p in (wanda, pixel)}
    print("watercolour share of the top", TOP, "before", before, "after", after)
    # The base rate is a quarter. Wanda's top gains at least two watercolour posts of twelve;
    # the one who avoids watercolour loses some. (Bounds set after a first, unseeded run;
    # this seeded run gave 0.25 → 0.50 and 0.25 → 0.17 then; with the `authors` candidate
    # source and a vote's contrast on the whole taste, 0.25 → 0.42 and 0.25 → 0.08 on both
    # databases: see docs/benchmarks.md, "learn, stop 21".)
    assert after[wanda.id] >= before[wanda.id] + 2 / TOP, (before, after)
    assert after[pixel.id] < before[pixel.id], (before, after)
    assert after[wanda.id] > after[pixel.id], (before, after)
