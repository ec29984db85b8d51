"""New posts reach new eyes: the `new` candidate source finds posts minutes old by people the
viewer doesn't follow, close to their taste, without likes; exploration gives a measured share
of places to them by Thompson sampling, recorded as `explore` impressions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pytest

from bot.bootstrap import App
from core.clock import FakeClock
from core.feed import PersonalizedFeed
from core.feed.exploration import EXPLORE_SHARE, explore, thompson_pick
from core.feed.fans import FAN_MIN_POSTS, FAN_WEIGHT
from core.feed.features import PostFeatures
from core.feed.impressions import Surface, source_names
from core.persistence.models import Impression, Post
from tests.core.test_feed import ANIME, WATERCOLOR, age, people, post


@dataclass
class Item:
    post_id: int
    author_id: int
    likes: int = 0
    shown: int = 0
    sources: frozenset[str] = field(default_factory=lambda: frozenset({"new"}))

    @property
    def features(self) -> PostFeatures:
        created = datetime(2026, 1, 1, tzinfo=UTC)
        return PostFeatures(
            self.post_id, self.author_id, created, self.likes, 0, 0, None, shown=self.shown
        )


def test_thompson_sampling_favours_the_unknown_and_the_liked_over_the_ignored() -> None:
    rng = np.random.default_rng(1)
    unseen, ignored, liked = Item(1, 1), Item(2, 2, shown=60), Item(3, 3, likes=6, shown=30)
    picks = [thompson_pick([unseen, ignored, liked], rng) for _ in range(1000)]
    assert picks.count(2) > picks.count(0) > 10 * picks.count(1), [picks.count(i) for i in range(3)]
    assert picks.count(0) > 100, "an unseen post still gets its chances"


def test_the_share_of_explored_places_is_the_one_set() -> None:
    rng = np.random.default_rng(2)
    ranked = [Item(i, i, sources=frozenset({"similar"})) for i in range(1, 6)]
    ranked += [Item(100 + i, 100 + i) for i in range(5)]
    explored = places = 0
    for _ in range(4000):
        page = explore(ranked[:5], ranked, viewer_id=999, rng=rng)
        places += len(page)
        explored += sum("explore" in item.sources for item in page)
    assert abs(explored / places - EXPLORE_SHARE) < 0.01, explored / places


async def test_a_new_post_by_a_stranger_close_to_your_taste_is_a_candidate_without_likes(
    app: App, clock: FakeClock
) -> None:
    alice, stranger, friend, viewer = await people(app, "alice", "stranger", "friend", "viewer")
    await app.services.graph.follow(viewer, friend)
    liked = await post(app, alice, WATERCOLOR)
    await app.services.engagement.like(viewer, liked.id)
    fresh = await post(app, stranger, WATERCOLOR)
    followed = await post(app, friend, "a misty watercolor lake with mountains at dawn")
    stale = await post(app, stranger, "a misty watercolor landscape, mountains and lake")
    await age(stale, clock, hours=48)
    far = await post(app, stranger, ANIME)
    ranked = {item.post_id: item for item in await app.services.feed.rank(viewer)}
    assert "new" in ranked[fresh.id].sources and fresh.like_count == 0
    assert "new" not in ranked[followed.id].sources, "followees have their own source"
    assert stale.id not in ranked or "new" not in ranked[stale.id].sources
    assert far.id not in ranked or "new" not in ranked[far.id].sources


async def test_feed_pages_give_a_place_to_a_new_post_and_record_it_as_explored(
    app: App,
) -> None:
    authors = await people(app, *(f"a{i}" for i in range(6)))
    (viewer,) = await people(app, "viewer")
    for author in authors[:5]:
        await app.services.graph.follow(viewer, author)
        await post(app, author, ANIME)
    liked = await post(app, authors[0], WATERCOLOR)
    await app.services.engagement.like(viewer, liked.id)
    newcomer = await post(app, authors[5], WATERCOLOR)
    base = app.services.feed
    exploring = PersonalizedFeed(
        base.embedder,
        base.clock,
        page_size=5,
        impressions=base.impressions,
        explore_share=1.0,  # every page explores
        rng=np.random.default_rng(3),
    )
    page = await exploring.page(viewer)
    assert page.posts[-1].id == newcomer.id
    row = await Impression.get(surface=int(Surface.FEED), post_id=newcomer.id)
    assert {"new", "explore"} <= set(source_names(row.sources)) and row.position == len(page.posts)
    shown = await Post.get(id=newcomer.id)
    assert shown.shown == 1, "its showings count, for the next draw"


async def test_exploration_weighs_the_likes_and_showings_the_ranking_knew(app: App) -> None:
    """`thompson_pick` reads `likes` and `shown` of a ranked post without its `PostFeatures`:
    the same numbers, post by post (fans' likes discounted, showings counted)."""
    author, fan, viewer = await people(app, "author", "fan", "viewer")
    posts = [await post(app, author, WATERCOLOR) for _ in range(FAN_MIN_POSTS)]
    for item in posts:
        await app.services.engagement.like(fan, item.id)
    await Post.filter(id=posts[1].id).update(shown=7)
    ranked = await app.services.feed.rank(viewer)
    assert {item.post_id for item in ranked} >= {p.id for p in posts}
    for item in ranked:
        assert (item.likes, item.shown) == (item.features.likes, item.features.shown)
    by_id = {item.post_id: item for item in ranked}
    assert by_id[posts[1].id].shown == 7 and by_id[posts[-1].id].likes < 1, "fan's like: less"


async def test_likes_from_someone_who_likes_everything_of_one_author_count_for_less(
    app: App,
) -> None:
    author, fan, reader, viewer = await people(app, "author", "fan", "reader", "viewer")
    posts = [await post(app, author, WATERCOLOR) for _ in range(FAN_MIN_POSTS)]
    for item in posts:
        await app.services.engagement.like(fan, item.id)
    await app.services.engagement.like(reader, posts[-1].id)
    counts = {p.id: p.fan_likes for p in await Post.filter(author_id=author.id)}
    # From the fourth like on, four in five of the author's posts: a fan's likes.
    assert [counts[p.id] for p in posts] == [0, 0, 0, 1, 1], counts
    ranked = {item.post_id: item for item in await app.services.feed.rank(viewer)}
    last = ranked[posts[-1].id].features
    assert last.likes == pytest.approx(2 - (1 - FAN_WEIGHT)), "the reader's counts in full"
    assert ranked[posts[0].id].features.likes == 1, "liked before the habit showed"
    await app.services.engagement.unlike(fan, posts[-1].id)
    assert (await Post.get(id=posts[-1].id)).fan_likes == 0
