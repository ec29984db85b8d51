"""Impressions on SQLite and PostgreSQL: every surface that shows posts records what it showed
to whom (position, sources, score parts, model), outcomes are joined to the impression that
led to them, and a person's impressions are exported, merged and deleted with them."""

from __future__ import annotations

import asyncio
import json
import random
import zipfile
from collections import Counter
from datetime import timedelta

import pytest

from bot.bootstrap import App
from core.clock import FakeClock
from core.domain import Platform
from core.feed.impressions import IMPRESSION_RETENTION, Outcome, Surface, source_names, unpack
from core.feed.scoring import PARTS
from core.persistence.models import Impression, Post
from tests.core.test_feed import ANIME, WATERCOLOR, people, post
from tests.digests.helpers import RecordingMessenger, console_sender, deliver, dm_user, group_admin


async def shown(surface: Surface, **where: object) -> list[Impression]:
    return await Impression.filter(surface=int(surface), **where).order_by("position", "id")


async def test_a_feed_page_records_what_it_showed_with_parts_sources_and_positions(
    app: App,
) -> None:
    alice, bob, viewer = await people(app, "alice", "bob", "viewer")
    await app.services.graph.follow(viewer, alice)
    for _ in range(3):
        await post(app, alice, WATERCOLOR)
        await post(app, bob, ANIME)
    first = await app.services.feed.page(viewer)
    rows = await shown(Surface.FEED, viewer_id=viewer.id)
    assert [r.post_id for r in rows] == [p.id for p in first.posts]
    assert [r.position for r in rows] == list(range(1, len(rows) + 1))
    alices = {p.id for p in first.posts if p.author_id == alice.id}
    by_alice = next(r for r in rows if r.post_id in alices)
    assert "network" in source_names(by_alice.sources)
    values = unpack(by_alice.parts)
    assert values[PARTS.index("affinity")] > 0.5, "a followee's post: affinity was recorded"
    assert all(r.model == app.services.feed.model_version for r in rows)
    second = await app.services.feed.page(viewer, 2)
    later = await shown(Surface.FEED, viewer_id=viewer.id)
    assert [r.position for r in later][len(rows) :] == [
        len(rows) + i for i in range(1, len(second.posts) + 1)
    ], "positions continue over the session's pages"


async def test_trending_search_tag_and_suggest_record_their_results(app: App) -> None:
    alice, viewer = await people(app, "alice", "viewer")
    lake = await post(app, alice, WATERCOLOR + " #lake")
    await app.services.engagement.like(alice, lake.id)
    other = await post(app, alice, ANIME)
    discovery = app.services.discovery
    trending = await discovery.trending(viewer, window="day", limit=5)
    assert [r.post_id for r in await shown(Surface.TRENDING, viewer_id=viewer.id)] == [
        p.id for p in trending
    ]
    found = await discovery.search(viewer, "watercolor", limit=5)
    assert (
        [r.post_id for r in await shown(Surface.SEARCH, viewer_id=viewer.id)]
        == [p.id for p in found]
        == [lake.id]
    )
    await discovery.tag(viewer, "lake", limit=5)
    assert [r.post_id for r in await shown(Surface.TAG, viewer_id=viewer.id)] == [lake.id]
    suggested = await app.services.suggestions.posts(viewer, limit=5)
    rows = await shown(Surface.SUGGEST, viewer_id=viewer.id)
    assert suggested and [r.post_id for r in rows] == [p.id for p in suggested]
    assert {lake.id, other.id} >= {r.post_id for r in rows}
    assert all(r.parts for r in rows), "ranked by the feed: its parts are kept"


async def test_outcomes_join_the_impression_that_led_to_them(app: App, clock: FakeClock) -> None:
    alice, bob, carol, viewer = await people(app, "alice", "bob", "carol", "viewer")
    posts = [await post(app, author, WATERCOLOR) for author in (alice, bob, carol)]
    await app.services.feed.page(viewer)
    liked, commented, remixed = posts
    await app.services.engagement.like(viewer, liked.id)
    await app.services.engagement.unlike(viewer, liked.id)
    await app.services.engagement.comment(viewer, commented.id, "lovely")
    await post(app, viewer, "my take on it", remix_of=remixed)
    await app.services.graph.follow(viewer, alice)
    await app.services.feed.impressions.outcome(viewer.id, commented.id, Outcome.OPEN)
    outcome = {r.post_id: Outcome(r.outcome) for r in await shown(Surface.FEED)}
    assert outcome[liked.id] == Outcome.LIKE | Outcome.UNLIKE | Outcome.FOLLOW, "alice's"
    assert Outcome.COMMENT in outcome[commented.id] and Outcome.OPEN in outcome[commented.id]
    assert outcome[remixed.id] & Outcome.REMIX
    assert [bool(o & Outcome.FOLLOW) for o in outcome.values()].count(True) == 1
    # A like long after the last showing joins nothing.
    clock.advance(days=30)
    assert not await app.services.feed.impressions.outcome(viewer.id, liked.id, Outcome.LIKE)


async def test_the_show_button_is_an_open_and_a_later_showing_takes_the_outcome(
    app: App, clock: FakeClock
) -> None:
    alice, viewer = await people(app, "alice", "viewer")
    lake = await post(app, alice, WATERCOLOR)
    await app.services.discovery.search(viewer, "watercolor", limit=5)
    clock.advance(hours=1)
    await app.services.feed.page(viewer)
    user = dm_user(app, "viewer")
    await user.say(f"/show {lake.id}")
    search, feed = await shown(Surface.SEARCH), await shown(Surface.FEED)
    assert search[0].outcome == 0 and feed[0].outcome == Outcome.OPEN


async def test_digests_and_crossposts_record_impressions(app: App) -> None:
    bob = (await people(app, "bob"))[0]
    for _ in range(4):
        await post(app, bob, WATERCOLOR)
    alice = dm_user(app, "alice")
    await alice.say("/follow bob")
    assert "is set up" in await alice.text("/digest subscribe daily 08:30 Europe/Berlin 4")
    sender = console_sender(app, RecordingMessenger())
    app.services.clock.advance(days=1)  # type: ignore[attr-defined]
    await deliver(app, sender)
    (owner,) = await people(app, "alice")
    rows = await shown(Surface.DIGEST, viewer_id=owner.id)
    assert [r.position for r in rows] == [1, 2, 3, 4]
    carol = group_admin(app, "carol", "g1")
    await carol.say("/server crosspost on topic watercolor")
    fresh = await post(app, bob, WATERCOLOR)
    (cross,) = await shown(Surface.CROSSPOST)
    assert cross.post_id == fresh.id and cross.viewer_id is None and cross.place_id


async def test_export_merge_delete_and_retention(app: App, clock: FakeClock) -> None:
    alice, viewer = await people(app, "alice", "viewer")
    await post(app, alice, WATERCOLOR)
    await app.services.feed.page(viewer)
    archive = await app.services.account_data.export(viewer)
    with zipfile.ZipFile(archive) as opened:
        document = json.loads(opened.read("mosaic.json"))
    assert document["shown"] and document["shown"][0]["surface"] == "feed"
    clock.advance(days=1)
    await app.services.feed.page(viewer)
    assert await Impression.filter(viewer_id=viewer.id).count() == 2
    clock.advance(seconds=(IMPRESSION_RETENTION - timedelta(hours=12)).total_seconds())
    assert await app.services.feed.impressions.clean() == 1, "only the older one is past it"
    await app.services.account_data.delete(viewer)
    assert await Impression.filter(viewer_id=viewer.id).count() == 0


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_pages_shown_at_once_count_their_posts_without_deadlocks(app: App) -> None:
    """Many pages with overlapping posts, recorded at once on PostgreSQL, each bumping its
    posts' `shown` counts in one UPDATE. A plain `UPDATE … WHERE id IN (…)` locks rows in its
    plan's order (by id for an index scan, by place in the table for a bitmap or sequential
    scan, and updated rows move), so two of them could each wait for the other: PostgreSQL
    then aborts one (DeadlockDetectedError, seen under concurrent /feed show). Locked in id
    order first, every page is counted, exactly."""
    (author,) = await people(app, "author")
    await Post.bulk_create(
        [Post(author=author, origin_platform=Platform.CONSOLE, prompt=f"p{n}") for n in range(400)]
    )
    ids = [p.id for p in await Post.filter(author=author).only("id")]
    randomly = random.Random(19)
    sizes = (3, 10, 40, 150, 300)  # small pages and big ones: both plans
    pages = [randomly.sample(ids, randomly.choice(sizes)) for _ in range(120)]
    log = app.services.feed.impressions
    expected = Counter(post_id for page in pages for post_id in page)
    for _ in range(2):  # the first round moves the rows it updates: the second meets that
        outcomes = await asyncio.gather(
            *(log.posts(Surface.FEED, page, viewer_id=author.id) for page in pages),
            return_exceptions=True,
        )
        failures = [repr(o) for o in outcomes if isinstance(o, BaseException)]
        assert failures == [], failures[:3]
    counts = dict(await Post.filter(author=author).values_list("id", "shown"))
    assert counts == {post_id: 2 * expected.get(post_id, 0) for post_id in ids}
