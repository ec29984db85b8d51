"""Kept pages (web/rendered.py) and compiled reads (web/compiled.py): a page served from the
store is never staler than the database, and a compiled query is the ORM's query.

The changes below are written straight to the database or through core services, and
nothing tells the web about them: the web learns only from its own query, exactly as it
would of a change made by another process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta

import aiohttp
import pytest

from bot.bootstrap import App
from core.domain import Audience, ModerationState, SanctionKind
from core.persistence.models import Account, Post
from tests.web.support import Site, person, publish, start_site
from web.compiled import CompiledBatch, CompiledQuery
from web.rendered import RenderedPages
from web.site import SITE_KEY


@pytest.fixture
async def site(app: App) -> AsyncIterator[Site]:
    running = await start_site(app)
    yield running
    await running.role.stop()


def kept(site: Site) -> RenderedPages:
    return site.role.app[SITE_KEY].pages


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.text()


async def served_from_the_store(site: Site, url: str) -> str:
    """Fetches `url` twice and checks that the second came from the store."""
    status, first = await get(url)
    assert status == 200
    hits = kept(site).hits
    status, second = await get(url)
    assert status == 200 and second == first
    assert kept(site).hits == hits + 1, "the second request was served from the store"
    return second


async def _followers_only(app: App, post: Post, author: Account) -> None:
    await Post.filter(id=post.id).update(audience=Audience.FOLLOWERS)


async def _deleted(app: App, post: Post, author: Account) -> None:
    await app.services.posts.delete(author, post.id)


async def _hidden(app: App, post: Post, author: Account) -> None:
    await Post.filter(id=post.id).update(moderation=ModerationState.HIDDEN)


async def _pending_review(app: App, post: Post, author: Account) -> None:
    await Post.filter(id=post.id).update(moderation=ModerationState.PENDING_REVIEW)


async def _removed(app: App, post: Post, author: Account) -> None:
    await Post.filter(id=post.id).update(moderation=ModerationState.REMOVED)


async def _sensitive(app: App, post: Post, author: Account) -> None:
    await Post.filter(id=post.id).update(sensitive=True)


async def _author_banned(app: App, post: Post, author: Account) -> None:
    moderator = await person(app, "mod")
    await app.services.safety.sanctions.impose(
        author, SanctionKind.BAN, platform=None, server_id=None, until=None, reason="spam",
        by=moderator,
    )  # fmt: skip


Change = Callable[[App, Post, Account], Awaitable[None]]


@pytest.mark.parametrize(
    "change",
    [_followers_only, _deleted, _hidden, _pending_review, _removed, _sensitive, _author_banned],
    ids=lambda change: change.__name__.strip("_"),
)
async def test_a_kept_post_page_is_a_404_the_moment_its_post_stops_being_public(
    app: App, site: Site, change: Change
) -> None:
    alice = await person(app, "alice")
    post = await publish(app, alice, "a fox at the harbor")
    url = site.links.post_url(post.id)
    await served_from_the_store(site, url)
    await change(app, post, alice)
    status, body = await get(url)
    assert status == 404
    assert "a fox at the harbor" not in body


async def test_a_kept_profile_drops_a_post_the_moment_it_stops_being_public(
    app: App, site: Site
) -> None:
    alice = await person(app, "alice")
    await publish(app, alice, "stays public")
    leaving = await publish(app, alice, "soon for followers only")
    url = site.links.profile_url(alice.id)
    assert "soon for followers only" in await served_from_the_store(site, url)
    await Post.filter(id=leaving.id).update(audience=Audience.FOLLOWERS)
    status, body = await get(url)
    assert status == 200
    assert "stays public" in body and "soon for followers only" not in body
    await app.services.safety.sanctions.impose(
        alice, SanctionKind.BAN, platform=None, server_id=None, until=None, reason="spam",
        by=await person(app, "mod"),
    )  # fmt: skip
    assert (await get(url))[0] == 404


async def test_counts_on_a_kept_page_change_with_the_next_request(app: App, site: Site) -> None:
    alice, bob = await person(app, "alice"), await person(app, "bob")
    post = await publish(app, alice, "a koi pond")
    page, profile = site.links.post_url(post.id), site.links.profile_url(alice.id)
    assert "0 likes · 0 comments" in await served_from_the_store(site, page)
    assert "0 followers" in await served_from_the_store(site, profile)
    await app.services.engagement.like(bob, post.id)
    await app.services.engagement.comment(bob, post.id, "lovely colours")
    await app.services.graph.follow(bob, alice)
    _, html = await get(page)
    assert "1 like · 1 comment" in html and "lovely colours" in html
    _, html = await get(profile)
    assert "1 follower" in html and "♥ 1" in html


async def test_a_kept_page_drops_a_remix_or_comment_that_is_no_longer_shown(
    app: App, site: Site
) -> None:
    alice, bob = await person(app, "alice"), await person(app, "bob")
    post = await publish(app, alice, "a lighthouse")
    remix = await publish(app, bob, "a lighthouse in neon", remix_of=post)
    await app.services.engagement.comment(bob, post.id, "bob was here")
    url = site.links.post_url(post.id)
    html = await served_from_the_store(site, url)
    assert "a lighthouse in neon" in html and "bob was here" in html
    await Post.filter(id=remix.id).update(sensitive=True)
    await app.services.safety.sanctions.impose(
        bob, SanctionKind.BAN, platform=None, server_id=None, until=None, reason="spam",
        by=await person(app, "mod"),
    )  # fmt: skip
    status, html = await get(url)
    assert status == 200
    assert "a lighthouse in neon" not in html and "bob was here" not in html


async def test_remixes_and_comments_keep_their_order_through_one_statement(
    app: App, site: Site
) -> None:
    alice, bob = await person(app, "alice"), await person(app, "bob")
    post = await publish(app, alice, "an orchard")
    for likes in (1, 5, 3):
        remix = await publish(app, bob, f"orchard remix liked {likes}", remix_of=post)
        await Post.filter(id=remix.id).update(like_count=likes)
    for n in range(3):
        await app.services.engagement.comment(bob, post.id, f"comment number {n}")
    _, html = await get(site.links.post_url(post.id))
    remixes = [html.index(f"orchard remix liked {likes}") for likes in (5, 3, 1)]
    comments = [html.index(f"comment number {n}") for n in range(3)]
    assert remixes == sorted(remixes), "most liked remix first"
    assert comments == sorted(comments), "oldest comment first"


def test_the_store_forgets_the_least_recently_used_beyond_its_size() -> None:
    pages = RenderedPages(max_bytes=10)
    pages.put("a", b"1234")
    pages.put("b", b"5678")
    assert pages.get("a") == b"1234"  # now b is the least recently used
    pages.put("c", b"9012")
    assert pages.get("b") is None and pages.get("a") == b"1234" and pages.get("c") == b"9012"
    assert pages.size == 8 and len(pages) == 2
    pages.put("huge", b"x" * 11)
    assert pages.get("huge") is None and len(pages) == 2


async def test_a_compiled_query_answers_as_the_orm_does(app: App) -> None:
    alice = await person(app, "alice")
    posts = [await publish(app, alice, f"post {n}") for n in range(3)]
    newest = CompiledBatch(
        posts=CompiledQuery(
            lambda author, limit: (
                Post.filter(author_id=author).order_by("-id").limit(limit).values("id", "prompt")
            ),
            author=int,
            limit=int,
        )
    )
    answer = await newest.answer(author=alice.id, limit=2)
    assert answer.rows("posts") == [{"id": p.id, "prompt": p.prompt} for p in reversed(posts[1:])]
    assert (await newest.answer(author=alice.id + 1000, limit=2)).empty("posts")


async def test_a_value_derived_from_an_argument_is_refused(app: App) -> None:
    recent = CompiledBatch(
        posts=CompiledQuery(
            lambda now: Post.filter(created_at__gt=now - timedelta(hours=1)).values("id"),
            now=datetime,
        )
    )
    with pytest.raises(ValueError, match="derived from an argument"):
        await recent.answer(now=app.services.clock.now())
