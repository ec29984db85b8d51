"""The personalized feed on SQLite and PostgreSQL: ranking reacts to every write, pages never
repeat, visibility holds, tuning steers, and a page costs a constant number of queries."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.bootstrap import App
from core.clock import FakeClock
from core.domain import Audience, Platform
from core.errors import InvalidInput, NotFound
from core.feed import PersonalizedFeed, TagDayRetention
from core.feed.candidates import SourceLimits
from core.feed.crowding import decayed, volumes
from core.feed.hot import refresh_hot
from core.persistence.models import Account, FeedSession, Post, PostTerm, TagDay, TasteProfile
from core.social import Origin, Provenance
from tests.support.images import png_bytes
from tests.support.queries import count_queries

ORIGIN = Origin(Platform.CONSOLE)
WATERCOLOR = "a misty watercolor landscape with mountains and a lake"
ANIME = "an anime girl with cherry blossoms in anime style"
_colors = itertools.count(1)


async def people(app: App, *names: str) -> list[Account]:
    return [await app.services.accounts.resolve(Platform.CONSOLE, n, n) for n in names]


async def post(
    app: App,
    author: Account,
    prompt: str,
    *,
    caption: str = "",
    audience: Audience = Audience.PUBLIC,
    remix_of: Post | None = None,
) -> Post:
    n = next(_colors)
    return await app.services.posts.create(
        author,
        png_bytes((n % 256, (n * 7) % 256, (n * 13) % 256)),
        caption=caption,
        audience=audience,
        origin=ORIGIN,
        provenance=Provenance("fake", "fake-1", prompt),
        remix_of=remix_of,
    )


async def age(post_: Post, clock: FakeClock, hours: float) -> None:
    """Pretend the post was made `hours` before the clock's now."""
    await Post.filter(id=post_.id).update(created_at=clock.now() - timedelta(hours=hours))
    await refresh_hot(post_.id)


async def ids(app: App, viewer: Account, number: int | None = None) -> list[int]:
    return [p.id for p in (await app.services.feed.page(viewer, number)).posts]


async def test_a_like_reshapes_the_next_request(app: App) -> None:
    alice, bob, carol, viewer = await people(app, "alice", "bob", "carol", "viewer")
    liked = await post(app, alice, WATERCOLOR)
    other_watercolor = await post(app, bob, "watercolor mountains over a misty lake at dawn")
    anime = await post(app, carol, ANIME)
    before = [b.post_id for b in await app.services.feed.rank(viewer)]
    assert before.index(anime.id) < before.index(other_watercolor.id), "newer first when equal"
    await app.services.engagement.like(viewer, liked.id)
    after = await app.services.feed.rank(viewer)
    order = [b.post_id for b in after]
    assert order.index(other_watercolor.id) < order.index(anime.id)
    assert order[-1] == liked.id, "what you already liked sinks"
    similar = next(b for b in after if b.post_id == other_watercolor.id)
    assert similar.breakdown.values["similarity"] > 0.3
    profile = await TasteProfile.get(account_id=viewer.id)
    assert profile.engaged == [liked.id] and profile.authors == {str(alice.id): 1.0}


async def test_similarity_compares_a_post_with_the_nearest_of_the_viewers_liked_posts(
    app: App,
) -> None:
    """A viewer of two tastes: a post of one of them is closer than a blend of both (which
    lies near the average of what they liked): the page reads the liked posts' vectors."""
    lakes, robots, viewer = await people(app, "lakes", "robots", "viewer")
    liked = [await post(app, lakes, f"{mood} watercolor lake") for mood in ("misty", "calm")]
    liked += [await post(app, lakes, f"watercolor lake {at}") for at in ("at dawn", "with boats")]
    liked += [await post(app, robots, f"{kind} anime robot") for kind in ("giant", "retro")]
    liked += [await post(app, robots, f"anime robot {at}") for at in ("battle", "in the city")]
    for each in liked:
        await app.services.engagement.like(viewer, each.id)
    one_kind = await post(app, lakes, "watercolor lake in the fog")
    blend = await post(app, robots, "a watercolor robot by a lake, anime")
    ranked = {r.post_id: r.breakdown for r in await app.services.feed.rank(viewer)}
    near = {p.id: ranked[p.id].values["similarity"] for p in (one_kind, blend)}
    assert near[one_kind.id] > near[blend.id], near


async def test_comments_remixes_and_follows_update_taste_at_once(app: App) -> None:
    alice, bob, viewer = await people(app, "alice", "bob", "viewer")
    watercolor = await post(app, alice, WATERCOLOR)
    anime = await post(app, bob, ANIME)
    await app.services.engagement.comment(viewer, anime.id, "lovely")
    profile = await TasteProfile.get(account_id=viewer.id)
    assert profile.total_weight == pytest.approx(1.5) and profile.engaged == [anime.id]
    await post(app, viewer, "anime girl remix", remix_of=anime)
    profile = await TasteProfile.get(account_id=viewer.id)
    assert profile.total_weight == pytest.approx(1.5 + 0.5 + 2.0)  # comment, own post, remix
    assert (await Post.get(id=anime.id)).remix_count == 1
    ranked = {b.post_id: b for b in await app.services.feed.rank(viewer)}
    assert ranked[watercolor.id].breakdown.values["affinity"] == 0
    await app.services.graph.follow(viewer, alice)
    ranked = {b.post_id: b for b in await app.services.feed.rank(viewer)}
    assert ranked[watercolor.id].breakdown.values["affinity"] == pytest.approx(0.6)
    await app.services.graph.unfollow(viewer, alice)
    ranked = {b.post_id: b for b in await app.services.feed.rank(viewer)}
    assert ranked[watercolor.id].breakdown.values["affinity"] == 0


async def test_likes_keep_hot_in_step_with_the_counters(app: App) -> None:
    alice, bob, carol = await people(app, "alice", "bob", "carol")
    first = await post(app, alice, WATERCOLOR)
    second = await post(app, alice, ANIME)

    async def hot() -> tuple[float, float]:
        rows = {p.id: p.hot for p in await Post.filter(id__in=[first.id, second.id])}
        return rows[first.id], rows[second.id]

    await app.services.engagement.like(bob, first.id)
    await app.services.engagement.like(carol, first.id)
    await app.services.engagement.comment(bob, second.id, "nice")
    first_hot, second_hot = await hot()
    assert first_hot == pytest.approx(second_hot)  # a comment is worth two likes
    await app.services.engagement.unlike(carol, first.id)
    first_hot, second_hot = await hot()
    assert first_hot < second_hot
    await post(app, carol, "a remix", remix_of=first)  # a remix is worth three
    first_hot, second_hot = await hot()
    assert first_hot > second_hot


async def test_the_feed_shows_only_what_the_viewer_may_see(app: App) -> None:
    alice, bob, mallory, viewer = await people(app, "alice", "bob", "mallory", "viewer")
    public = await post(app, alice, WATERCOLOR)
    followers_only = await post(app, alice, ANIME, audience=Audience.FOLLOWERS)
    private = await post(app, alice, "secret sketch", audience=Audience.PRIVATE)
    by_blocker = await post(app, mallory, WATERCOLOR)
    deleted = await post(app, bob, WATERCOLOR)
    await app.services.graph.block(mallory, viewer)
    await app.services.posts.delete(bob, deleted.id)
    seen = {b.post_id for b in await app.services.feed.rank(viewer)}
    assert seen == {public.id}
    await app.services.graph.follow(viewer, alice)
    seen = {b.post_id for b in await app.services.feed.rank(viewer)}
    assert seen == {public.id, followers_only.id}
    assert private.id not in seen and by_blocker.id not in seen
    assert {b.post_id for b in await app.services.feed.rank(alice)} >= {private.id, public.id}


async def test_pages_never_repeat_and_continue_in_a_fresh_process(app: App) -> None:
    authors = await people(app, *(f"author{i}" for i in range(12)))
    (viewer,) = await people(app, "viewer")
    for index, author in enumerate(authors):
        await post(app, author, f"{WATERCOLOR} number {index}")
    first = await ids(app, viewer)
    assert len(first) == 5
    # A new feed object shares nothing in memory with the first: like another process.
    other = PersonalizedFeed(app.services.feed.embedder, app.services.clock, page_size=5)
    second = [p.id for p in (await other.page(viewer, 2)).posts]
    third = await ids(app, viewer, 3)
    assert len(second) == 5 and len(third) == 2
    assert len(set(first) | set(second) | set(third)) == 12
    assert await ids(app, viewer, 2) == second, "an earlier page shows again as it was"
    end = await app.services.feed.page(viewer, 4)
    assert end.posts == [] and not end.has_more


async def test_seen_posts_sink_in_the_next_session(app: App) -> None:
    authors = await people(app, *(f"author{i}" for i in range(10)))
    (viewer,) = await people(app, "viewer")
    for author in authors:
        await post(app, author, WATERCOLOR)
    first = await ids(app, viewer)
    again = await ids(app, viewer)  # /feed again: a new session
    assert set(first).isdisjoint(again), "what was just shown waits behind what was not"
    session = await FeedSession.get(account_id=viewer.id)
    assert session.number == 2 and len(session.pages) == 1
    assert session.seen == [[i, 1] for i in first + again], "most recently shown last"


async def test_a_concurrent_page_from_another_process_is_not_repeated(app: App) -> None:
    authors = await people(app, *(f"author{i}" for i in range(12)))
    (viewer,) = await people(app, "viewer")
    for author in authors:
        await post(app, author, ANIME)
    feed = app.services.feed
    await feed.page(viewer)
    other = PersonalizedFeed(feed.embedder, feed.clock, page_size=5)
    raced: list[int] = []
    original = feed.ranking.rank

    async def rank_while_another_process_serves_page_two(*args, **kwargs):  # type: ignore[no-untyped-def]
        if not raced:
            raced.extend(p.id for p in (await other.page(viewer, 2)).posts)
        return await original(*args, **kwargs)

    feed.ranking.rank = rank_while_another_process_serves_page_two  # type: ignore[method-assign]
    mine = await ids(app, viewer, 2)
    assert mine == raced, "the loser of the race shows the page the winner stored"
    session = await FeedSession.get(account_id=viewer.id)
    shown = [i for page in session.pages for i in page]
    assert len(session.pages) == 2 and len(shown) == len(set(shown))


async def test_two_processes_starting_a_viewers_first_session_at_once(app: App) -> None:
    authors = await people(app, *(f"author{i}" for i in range(12)))
    (viewer,) = await people(app, "viewer")
    for author in authors:
        await post(app, author, ANIME)
    feed = app.services.feed
    other = PersonalizedFeed(feed.embedder, feed.clock, page_size=5)
    raced: list[int] = []
    original = feed.ranking.rank

    async def rank_while_another_process_starts_one(*args, **kwargs):  # type: ignore[no-untyped-def]
        if not raced:
            raced.extend(p.id for p in (await other.page(viewer)).posts)
        return await original(*args, **kwargs)

    feed.ranking.rank = rank_while_another_process_starts_one  # type: ignore[method-assign]
    mine = await ids(app, viewer)
    assert raced and mine, "both get a page"
    assert set(mine).isdisjoint(raced), "the loser starts a session after the winner's"
    session = await FeedSession.get(account_id=viewer.id)
    assert session.number == 2 and session.pages == [mine]
    assert await FeedSession.filter(account_id=viewer.id).count() == 1


async def test_no_author_over_a_quarter_of_a_page(app: App) -> None:
    prolific, *others = await people(app, "prolific", "a", "b", "c", "d", "e", "f", "g", "h")
    (viewer,) = await people(app, "viewer")
    await app.services.graph.follow(viewer, prolific)
    for _ in range(8):
        await post(app, prolific, WATERCOLOR)
    for author in others:
        await post(app, author, ANIME)
    feed = PersonalizedFeed(app.services.feed.embedder, app.services.clock, page_size=8)
    first = await feed.page(viewer, None)
    assert len([p for p in first.posts if p.author_id == prolific.id]) <= 2
    assert len(first.posts) == 8
    # Once the others are all shown, the cap gives way: the rest fills the next page.
    second = await feed.page(viewer, 2)
    assert {p.author_id for p in second.posts} <= {prolific.id, *(o.id for o in others)}
    assert len(first.posts) + len(second.posts) == 16


async def test_tuning_in_plain_words_applies_at_once_and_resets(app: App) -> None:
    alice, bob, viewer = await people(app, "alice", "bob", "viewer")
    watercolor = await post(app, alice, WATERCOLOR)
    anime = await post(app, bob, ANIME)
    assert await ids(app, viewer) == [anime.id, watercolor.id]  # equal: newer first
    tuning = await app.services.feed.tune(viewer, "more watercolor landscapes, less anime")
    assert [(t.text, t.weight) for t in tuning.terms] == [
        ("watercolor landscapes", 1.0),
        ("anime", -1.0),
    ]
    assert await ids(app, viewer) == [watercolor.id, anime.id]
    await app.services.feed.tune(viewer, "mehr Aquarell, kein Anime")
    assert await ids(app, viewer) == [watercolor.id]
    assert (await app.services.feed.tuning(viewer)).text == "mehr Aquarell, kein Anime"
    await app.services.feed.reset_tuning(viewer)
    assert (await app.services.feed.tuning(viewer)).terms == ()
    assert set(await ids(app, viewer)) == {anime.id, watercolor.id}
    with pytest.raises(InvalidInput) as empty:
        await app.services.feed.tune(viewer, "more, less")
    assert empty.value.key == "error.tune_empty"


async def test_tuning_reaches_beyond_the_usual_candidates(app: App) -> None:
    """A tuned word finds posts through the tag index even when no source would rank them."""
    authors = await people(app, *(f"author{i}" for i in range(4)))
    (viewer,) = await people(app, "viewer")
    target = await post(app, authors[0], "a lighthouse", caption="#pixelart")
    for author in authors[1:]:
        for _ in range(3):
            await post(app, author, ANIME)
    limits = SourceLimits(network=0, similar_per_bucket=0, trending=2, fresh=0)
    feed = PersonalizedFeed(
        app.services.feed.embedder, app.services.clock, page_size=5, limits=limits
    )
    assert target.id not in {b.post_id for b in await feed.rank(viewer)}
    await feed.tune(viewer, "more pixelart")
    assert target.id in {b.post_id for b in await feed.rank(viewer)}


async def test_why_explains_the_score_that_ranked_the_post(app: App) -> None:
    alice, viewer = await people(app, "alice", "viewer")
    await app.services.graph.follow(viewer, alice)
    shown = await post(app, alice, WATERCOLOR)
    page = await app.services.feed.page(viewer)
    explanation = await app.services.feed.explain(viewer, shown)
    ranked = next(b for b in await app.services.feed.rank(viewer) if b.post_id == shown.id)
    assert explanation.followed and not explanation.own
    assert explanation.position == (1, 1) and page.posts[0].id == shown.id
    # the same numbers as the ranking, but for having been seen once now (which rank() did
    # not know above): −0.35, and their post, no longer news to the viewer, counts half
    assert explanation.breakdown.values["affinity"] == ranked.breakdown.values["affinity"]
    assert explanation.breakdown.parts["seen"] == pytest.approx(-0.35)
    following = ranked.breakdown.parts["following"]
    assert following > 0 and explanation.breakdown.parts["following"] == pytest.approx(
        following / 2
    )
    assert explanation.breakdown.total == pytest.approx(
        ranked.breakdown.total - 0.35 - following / 2
    )


async def test_why_measures_a_post_against_the_others_as_the_feed_does(app: App) -> None:
    """`standout` compares a post with the candidates of its #tags and `following` looks for a
    newer post of its author among them: `/why` scores the post among the same candidates."""
    alice, bob, carol, viewer = await people(app, "alice", "bob", "carol", "viewer")
    await app.services.graph.follow(viewer, carol)
    liked = await post(app, alice, WATERCOLOR, caption="#watercolor")
    await app.services.engagement.like(viewer, liked.id)
    plain = await post(app, alice, "a watercolor lake", caption="#watercolor")
    loved = await post(app, bob, "a watercolor harbor", caption="#watercolor")
    for name in ("dan", "eve", "fay"):
        (fan,) = await people(app, name)
        await app.services.engagement.like(fan, loved.id)
    older = await post(app, carol, ANIME)
    await post(app, carol, ANIME)  # newer: the older one is no longer carol's latest
    ranked = {b.post_id: b.breakdown for b in await app.services.feed.rank(viewer)}
    assert ranked[loved.id].values["standout"] > ranked[plain.id].values["standout"] > 0
    for shown in (loved, plain, older):
        explanation = await app.services.feed.explain(viewer, shown)
        assert explanation.breakdown.values == pytest.approx(ranked[shown.id].values)


async def test_each_post_counts_for_its_tags_on_its_day(app: App, clock: FakeClock) -> None:
    """Posts per #tag and day, counted when posts are made (an upsert: the first post of a
    tag's day creates its row), read back decayed by age, and forgotten after two weeks."""
    (alice,) = await people(app, "alice")
    assert clock.now().hour == 12  # the day's posts are spread over its first half
    await post(app, alice, "a lake #Watercolor", caption="#misty")
    await post(app, alice, "a harbor", caption="#watercolor")
    clock.advance(hours=24)
    await post(app, alice, "a city #neon #watercolor")
    rows = await TagDay.all().order_by("day", "tag").values_list("tag", "day", "posts")
    today, yesterday = clock.now().date(), (clock.now() - timedelta(days=1)).date()
    assert rows == [
        ("misty", yesterday, 1),
        ("watercolor", yesterday, 2),
        ("neon", today, 1),
        ("watercolor", today, 1),
    ]
    found = await volumes(["watercolor", "neon", "anime"], clock.now())
    assert found == pytest.approx(
        decayed([(t, d, n) for t, d, n in rows if t != "misty"], clock.now())
    )
    assert set(found) == {"watercolor", "neon"} and found["watercolor"] > found["neon"]
    clock.advance(days=14)  # the first day now lies before the last two weeks; the second not
    assert await TagDayRetention(clock).clean() == 2
    assert await TagDay.filter().count() == 2


async def test_tags_and_words_are_stored_when_posting(app: App) -> None:
    (alice,) = await people(app, "alice")
    made = await post(app, alice, "A Lighthouse at dawn #Watercolor", caption="#misty-lake!")
    terms = dict(await PostTerm.filter(post_id=made.id).values_list("term", "tag"))
    assert terms["watercolor"] is True and terms["misty-lake"] is True
    assert terms["lighthouse"] is False and terms["dawn"] is False and terms["lake"] is False
    row = await Post.get(id=made.id)
    assert row.embedding and row.embedding_model == "local-use-m3-v1:512"
    assert row.taste_bucket is not None and row.newcomer and row.hot is not None


async def test_search_tags_and_trending_respect_visibility_and_windows(
    app: App, clock: FakeClock
) -> None:
    alice, bob, viewer = await people(app, "alice", "bob", "viewer")
    lake = await post(app, alice, "a misty lake at dawn", caption="#watercolor")
    hidden = await post(
        app, alice, "a misty lake", caption="#watercolor", audience=Audience.PRIVATE
    )
    anime = await post(app, bob, ANIME, caption="#anime")
    discovery = app.services.discovery
    assert [p.id for p in await discovery.search(viewer, "Misty Lakes", limit=5)] == [lake.id]
    assert [p.id for p in await discovery.search(viewer, "#watercolor dawn", limit=5)] == [lake.id]
    assert await discovery.search(viewer, "misty anime", limit=5) == []
    assert [p.id for p in await discovery.search(alice, "misty", limit=5)] == [hidden.id, lake.id]
    assert [p.id for p in await discovery.tag(viewer, "#Watercolor", limit=5)] == [lake.id]
    assert await discovery.tag(viewer, "misty", limit=5) == [], "a word is not a tag"
    with pytest.raises(InvalidInput):
        await discovery.search(viewer, "the of and", limit=5)
    await app.services.engagement.like(viewer, anime.id)
    await age(lake, clock, hours=30)
    assert [p.id for p in await discovery.trending(viewer, window="day", limit=5)] == [anime.id]
    week = await discovery.trending(viewer, window="week", limit=5)
    assert [p.id for p in week] == [anime.id, lake.id]


async def test_people_suggestions_never_include_blocked_followed_or_self(app: App) -> None:
    viewer, friend, fof, blocked, followed, rising = await people(
        app, "viewer", "friend", "fof", "blocked", "followed", "rising"
    )
    graph = app.services.graph
    await graph.follow(viewer, friend)
    await graph.follow(viewer, followed)
    await graph.follow(friend, fof)
    await graph.follow(friend, blocked)
    await graph.follow(friend, followed)
    await graph.follow(friend, viewer)
    await graph.block(viewer, blocked)
    fresh = await post(app, rising, WATERCOLOR)
    await app.services.engagement.like(friend, fresh.id)
    suggested = await app.services.suggestions.people(viewer, limit=5)
    by_handle = {s.account.handle: s for s in suggested}
    assert set(by_handle) == {"fof", "rising"}
    assert by_handle["fof"].reason.value == "friends" and by_handle["fof"].count == 1
    assert by_handle["rising"].reason.value == "rising"


async def test_prompt_ideas_and_posts_worth_a_comment(app: App) -> None:
    alice, bob, viewer = await people(app, "alice", "bob", "viewer")
    liked = await post(app, alice, "a lighthouse on a cliff in a storm")
    calm = await post(app, bob, "a lighthouse at night under the stars")
    chatty = await post(app, bob, "a lighthouse in fog")
    for _ in range(3):
        await app.services.engagement.comment(alice, chatty.id, "so moody")
    assert await app.services.suggestions.prompts(viewer, limit=3) != []
    await app.services.engagement.like(viewer, liked.id)
    ideas = await app.services.suggestions.prompts(viewer, limit=3)
    assert any("lighthouse" in idea.prompt for idea in ideas[:2])
    assert any("storm" in idea.prompt or "cliff" in idea.prompt for idea in ideas[:2])
    worth = [p.id for p in await app.services.suggestions.posts(viewer, limit=3)]
    assert liked.id not in worth, "already liked"
    assert worth.index(calm.id) < worth.index(chatty.id), "fewer comments first"


async def test_a_feed_page_costs_the_same_queries_whatever_the_network(app: App) -> None:
    *few_authors, lonely = await people(app, "a0", "a1", "a2", "a3", "a4", "a5", "lonely")
    for author in few_authors:
        await post(app, author, WATERCOLOR)
    await app.services.feed.page(lonely)  # first use creates the session row
    with count_queries() as few:
        await app.services.feed.page(lonely)
        await app.services.feed.page(lonely, 2)

    authors = await people(app, *(f"author{i}" for i in range(15)))
    (viewer,) = await people(app, "viewer")
    for author in authors:
        await app.services.graph.follow(viewer, author)
        for _ in range(3):
            await post(app, author, ANIME)
    await app.services.engagement.like(
        viewer, (await Post.filter(author_id=authors[0].id).first()).id
    )
    await app.services.feed.tune(viewer, "more watercolor, less anime")
    await app.services.feed.page(viewer)
    with count_queries() as many:
        await app.services.feed.page(viewer)
        await app.services.feed.page(viewer, 2)
    # eight per page (see core/feed/personal.py: the session and the taste profile come in one
    # statement; one reads the vectors of the viewer's latest liked posts, core/feed/ranking.py,
    # even for a viewer who liked nothing); on PostgreSQL the impressions' INSERT also
    # locks the page's posts in id order, in the same statement, before their shown counts are
    # bumped (core/feed/impressions.py)
    per_page = 8
    assert len(few) == len(many) == 2 * per_page, many
    # No counting at page time (counters are kept on write), but for the `peers` source's
    # overlap: a COUNT over the seeds' newest `peer_likers` likes, a LIMITed subquery.
    overlap = 'COUNT(*) "OVERLAP"'
    assert all(q.upper().count("COUNT(") == q.upper().count(overlap) for q in many), many
    assert any(overlap in q.upper() for q in many), "the viewer liked a post: peers are sought"


async def test_why_refuses_posts_the_viewer_may_not_see(app: App) -> None:
    alice, viewer = await people(app, "alice", "viewer")
    private = await post(app, alice, WATERCOLOR, audience=Audience.PRIVATE)
    with pytest.raises(NotFound):
        await app.services.posts.get_visible(viewer, private.id)


async def test_posts_liked_lately_by_people_who_liked_the_same_become_candidates(
    app: App,
) -> None:
    alice, carol, dave, peer, stranger, viewer = await people(
        app, "alice", "carol", "dave", "peer", "stranger", "viewer"
    )
    shared = await post(app, alice, WATERCOLOR)
    liked_by_peer = await post(app, carol, ANIME)
    liked_by_stranger = await post(app, dave, ANIME)
    for account in (viewer, peer):
        await app.services.engagement.like(account, shared.id)
    await app.services.engagement.like(peer, liked_by_peer.id)
    await app.services.engagement.like(stranger, liked_by_stranger.id)
    sources = {r.post_id: r.sources for r in await app.services.feed.rank(viewer)}
    assert "peers" in sources[liked_by_peer.id]
    assert "peers" not in sources[liked_by_stranger.id]
    (lonely,) = await people(app, "lonely")  # has liked nothing: no peers yet
    lonely_sources = {r.post_id: r.sources for r in await app.services.feed.rank(lonely)}
    assert not any("peers" in s for s in lonely_sources.values())


async def test_peers_posts_come_by_co_like_weight_counted_by_the_database(app: App) -> None:
    """Co-likes: a peer's weight is how many of the viewer's liked posts they liked too, and a
    post's is the sum over the peers who liked it. Strangers' posts without #tags come this
    way; with room for one, the most co-liked comes; its `peers` value is 1, the others'
    relative to it."""
    alice, carol, dave, close, loose, other, viewer = await people(
        app, "alice", "carol", "dave", "close", "loose", "other", "viewer"
    )
    seeds = [await post(app, alice, f"{WATERCOLOR} {n}") for n in range(2)]
    both = await post(app, carol, ANIME)  # liked by close (overlap 2) and loose (1): 3
    one = await post(app, dave, "a steam train on a bridge")  # by loose and other (1+1): 2
    for seed in seeds:
        await app.services.engagement.like(viewer, seed.id)
        await app.services.engagement.like(close, seed.id)
    await app.services.engagement.like(loose, seeds[0].id)
    await app.services.engagement.like(other, seeds[1].id)
    for account, liked in ((close, both), (loose, both), (loose, one), (other, one)):
        await app.services.engagement.like(account, liked.id)
    ranked = {r.post_id: r for r in await app.services.feed.rank(viewer)}
    assert "peers" in ranked[both.id].sources and "peers" in ranked[one.id].sources
    assert ranked[both.id].breakdown.values["peers"] == pytest.approx(1.0)
    assert ranked[one.id].breakdown.values["peers"] == pytest.approx(2 / 3)
    feed = app.services.feed
    # room for one: `per_liked_tag` 0, as the viewer has liked no #tags (see the next test)
    limits = replace(
        feed.limits, trending=0, fresh=0, similar_per_bucket=0, peer_posts=1, per_liked_tag=0
    )
    narrow = PersonalizedFeed(feed.embedder, feed.clock, page_size=5, limits=limits)
    sources = {r.post_id: r.sources for r in await narrow.rank(viewer)}
    assert "peers" in sources[both.id] and "peers" not in sources.get(one.id, set())


async def test_a_viewer_without_liked_tags_gets_the_tags_room_as_peers_posts(app: App) -> None:
    """Where the viewer has liked no #tags, the `tags` lookups would find nothing: the posts
    they may bring (`LIKED_TAGS` × `per_liked_tag`) are kept from `peers` instead; once the
    viewer likes a #tag, `peers` keeps `peer_posts` again."""
    alice, carol, peer, viewer = await people(app, "alice", "carol", "peer", "viewer")
    seed = await post(app, alice, WATERCOLOR)
    for account in (viewer, peer):
        await app.services.engagement.like(account, seed.id)
    co_liked = [await post(app, carol, f"{ANIME} {n}") for n in range(4)]
    for liked in co_liked:
        await app.services.engagement.like(peer, liked.id)
    feed = app.services.feed
    limits = replace(
        feed.limits, trending=0, fresh=0, similar_per_bucket=0, peer_posts=1, per_liked_tag=1
    )
    narrow = PersonalizedFeed(feed.embedder, feed.clock, page_size=5, limits=limits)

    async def from_peers() -> set[int]:
        ranked = await narrow.rank(viewer)
        return {r.post_id for r in ranked if "peers" in r.sources} & {p.id for p in co_liked}

    assert len(await from_peers()) == 4  # 1 + LIKED_TAGS (4) × 1: all four co-liked posts
    tagged = await post(app, alice, WATERCOLOR, caption="#misty")
    await app.services.engagement.like(viewer, tagged.id)
    assert len(await from_peers()) == 1  # a liked #tag: its lookup has the room again


async def test_a_followees_latest_post_stays_news_until_they_post_again(
    app: App, clock: FakeClock
) -> None:
    alice, viewer = await people(app, "alice", "viewer")
    await app.services.graph.follow(viewer, alice)
    ancient, latest = await post(app, alice, WATERCOLOR), await post(app, alice, WATERCOLOR)
    await age(ancient, clock, hours=24 * 61)
    await age(latest, clock, hours=24 * 20)
    ranked = {r.post_id: r for r in await app.services.feed.rank(viewer)}
    assert "network" in ranked[latest.id].sources  # older than two weeks, but their latest
    assert ancient.id not in ranked or "network" not in ranked[ancient.id].sources
    assert ranked[latest.id].breakdown.values["following"] > 0.9  # 20 days old, still the latest
    newer = await post(app, alice, WATERCOLOR)
    await age(newer, clock, hours=48)
    ranked = {r.post_id: r for r in await app.services.feed.rank(viewer)}
    assert ranked[newer.id].breakdown.values["following"] > 0.8
    assert ranked[latest.id].breakdown.values["following"] < 0.2


async def test_each_followee_brings_their_latest_posts_however_much_others_post(
    app: App, clock: FakeClock
) -> None:
    prolific, quiet, viewer = await people(app, "prolific", "quiet", "viewer")
    for followee in (prolific, quiet):
        await app.services.graph.follow(viewer, followee)
    quiet_post = await post(app, quiet, ANIME)
    await age(quiet_post, clock, hours=30)
    flood = [await post(app, prolific, f"{WATERCOLOR} {n}") for n in range(6)]
    for hours, item in enumerate(reversed(flood)):
        await age(item, clock, hours=hours)
    feed = app.services.feed
    limits = replace(feed.limits, network=4, trending=0, fresh=0, similar_per_bucket=0)
    narrow = PersonalizedFeed(feed.embedder, feed.clock, page_size=5, limits=limits)
    network = [r.post_id for r in await narrow.rank(viewer) if "network" in r.sources]
    # Only 4 places: the prolific followee's latest 3, and the quiet one's day-old post
    # (newest-first overall would have given all 4 to the prolific one).
    assert sorted(network) == sorted([quiet_post.id, *(p.id for p in flood[-3:])])
    ranked = {r.post_id: r for r in await narrow.rank(viewer)}
    following = {i: ranked[i].breakdown.values["following"] for i in network}
    assert following[quiet_post.id] > following[flood[-2].id]  # their latest beats a 2nd


async def test_the_authors_one_likes_bring_their_newest_posts_followed_or_not(
    app: App, clock: FakeClock
) -> None:
    """An author whose posts the viewer liked is a source whether the viewer follows them or
    not: their newest posts of two weeks come (`authors`), more of a followee than `network`
    takes of one; an author the viewer never engaged with, an older post and the viewer's own
    do not."""
    liked, followed, stranger, viewer = await people(app, "liked", "followed", "stranger", "viewer")
    await app.services.graph.follow(viewer, followed)
    for author in (liked, followed):
        first = await post(app, author, WATERCOLOR)
        await age(first, clock, hours=10)
        await app.services.engagement.like(viewer, first.id)
    old = await post(app, liked, ANIME)
    await age(old, clock, hours=24 * 15)
    newest = {
        a.id: [await post(app, a, f"{ANIME} {n}") for n in range(6)] for a in (liked, followed)
    }
    for posts in newest.values():
        for hours, item in enumerate(reversed(posts)):
            await age(item, clock, hours=hours + 1)
    unknown = await post(app, stranger, ANIME)
    mine = await post(app, viewer, ANIME)
    await app.services.engagement.like(viewer, mine.id)
    feed = app.services.feed
    limits = replace(
        feed.limits, trending=0, fresh=0, similar_per_bucket=0, new_per_bucket=0, peer_posts=0
    )
    narrow = PersonalizedFeed(feed.embedder, feed.clock, page_size=5, limits=limits)
    sources = {r.post_id: r.sources for r in await narrow.rank(viewer)}
    per_author = limits.per_engaged_author
    for posts in newest.values():
        brought = [p.id for p in posts if "authors" in sources.get(p.id, set())]
        assert brought == [p.id for p in posts[-per_author:]]
    followed_network = [p.id for p in newest[followed.id] if "network" in sources.get(p.id, set())]
    assert len(followed_network) == limits.network_per_author < per_author
    assert "authors" not in sources.get(old.id, set())
    assert unknown.id not in sources
    assert "authors" not in sources.get(mine.id, set())


async def test_a_rate_vote_moves_the_authors_it_compared_with_the_contrast(app: App) -> None:
    """A /rate vote is "rather this than that": the chosen post's author gains half a like
    and the other's loses half of that, so a vote between two posts of one author says a
    quarter of a like for the author (the `authors` source reads these weights), and an
    author chosen against loses ground."""
    alice, bob, viewer, other = await people(app, "alice", "bob", "viewer", "other")
    first, second = await post(app, alice, WATERCOLOR), await post(app, alice, ANIME)
    pair = await app.services.rating.pair(viewer)
    assert pair is not None and {pair.a.id, pair.b.id} == {first.id, second.id}
    await app.services.rating.vote(viewer, pair.a.id, pair.b.id)
    profile = await TasteProfile.get(account_id=viewer.id)
    assert profile.authors == {str(alice.id): pytest.approx(0.5 - 0.25)}
    liked = await post(app, bob, "a lighthouse at dusk")
    await app.services.engagement.like(other, first.id)
    preferred = app.services.rating._preferred  # what a vote calls, without /rate's pair
    assert preferred is not None
    await preferred(other, liked, second)
    profile = await TasteProfile.get(account_id=other.id)
    assert profile.authors == {
        str(alice.id): pytest.approx(1.0 - 0.25),
        str(bob.id): pytest.approx(0.5),
    }


async def test_new_posts_with_the_tags_someone_likes_become_candidates(app: App) -> None:
    alice, bob, viewer = await people(app, "alice", "bob", "viewer")
    liked = await post(app, alice, "a lighthouse at dusk", caption="#harbor")
    tagged = await post(app, bob, "boats at the pier", caption="#harbor")
    other = await post(app, bob, "a castle on a hill", caption="#castle")
    await app.services.engagement.like(viewer, liked.id)
    feed = app.services.feed
    limits = replace(feed.limits, trending=0, fresh=0, similar_per_bucket=0, peer_likes=0)
    narrow = PersonalizedFeed(feed.embedder, feed.clock, page_size=5, limits=limits)
    sources = {r.post_id: r.sources for r in await narrow.rank(viewer)}
    assert "tags" in sources[tagged.id]
    assert other.id not in sources


async def test_a_full_first_page_with_one_followee(app: App, clock: FakeClock) -> None:
    """One followee with several posts and one other author: the first page is filled to its
    size (the author cap gives way when nobody else is left), led by the followee's new post."""
    alice, bob, viewer = await people(app, "alice", "bob", "viewer")
    await app.services.graph.follow(viewer, alice)
    older = [await post(app, alice, f"{WATERCOLOR} {n}") for n in range(4)]
    for hours, item in enumerate(older, start=30):
        await age(item, clock, hours=hours)
    await post(app, bob, ANIME)
    new = await post(app, alice, "a lighthouse at night in the rain")
    page_size = app.services.feed.page_size
    first = await ids(app, viewer)
    assert len(first) == page_size == 5
    assert new.id in first


async def test_a_followees_new_post_reaches_the_first_page_among_many(
    app: App, clock: FakeClock
) -> None:
    alice, viewer, *others = await people(app, "alice", "viewer", "b", "c", "d", "e", "f", "g")
    await app.services.graph.follow(viewer, alice)
    for item in [await post(app, alice, f"{WATERCOLOR} {n}") for n in range(3)]:
        await age(item, clock, hours=48)
    for author in others:
        for n in range(2):
            await post(app, author, f"{ANIME} {n}")
    new = await post(app, alice, "a fox in the snow")
    first = await ids(app, viewer)
    assert len(first) == app.services.feed.page_size
    assert new.id in first


async def test_a_pages_posts_come_with_their_authors_and_what_they_remix(app: App) -> None:
    """A new page's posts, as the adapters render them: each with its author, and a remix
    with the post it remixes and that post's author, all loaded (no query on access)."""
    alice, bob, viewer = await people(app, "alice", "bob", "viewer")
    await app.services.graph.follow(viewer, alice)
    original = await post(app, bob, ANIME, caption="the first")
    remix = await post(app, alice, f"{ANIME} remix", remix_of=original)
    shown = {p.id: p for p in (await app.services.feed.page(viewer)).posts}
    assert remix.id in shown and original.id in shown
    assert shown[remix.id].author.handle == "alice"
    assert shown[remix.id].remix_of.id == original.id
    assert shown[remix.id].remix_of.author.handle == "bob"
    assert shown[original.id].author.handle == "bob"
    assert shown[original.id].remix_of is None
    assert shown[remix.id].caption == remix.caption and shown[original.id].caption == "the first"
