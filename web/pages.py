"""The public pages: a post, a profile, explore and a post's remix tree. Anything not public
is a 404, the same 404 as an address that never existed."""

from __future__ import annotations

import asyncio

from aiohttp import web

from core.errors import MosaicError
from core.feed.terms import post_tags
from web.cards import card
from web.site import site_of

GRID_SIZE = 48
REMIXES_SHOWN = 12
EXPLORE_SIZE = 24
MAX_PAGE = 100

routes = web.RouteTableDef()


async def _nothing() -> None:
    return None


def not_found(request: web.Request) -> web.Response:
    return site_of(request).render(request, "error.html", status=404, error="web.not_found")


@routes.get("/")
async def home(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/explore")


@routes.get("/p/{slug}")
async def post_page(request: web.Request) -> web.StreamResponse:
    site = site_of(request)
    post_id = site.links.post_id(request.match_info["slug"])
    post = await site.gallery.post(post_id) if post_id is not None else None
    if post is None:
        return not_found(request)
    gallery = site.gallery
    parent, comments, remixes = await asyncio.gather(  # independent reads, side by side
        gallery.post(post.remix_of_id) if post.remix_of_id is not None else _nothing(),
        gallery.comments(post),
        gallery.remixes([post.id], limit=REMIXES_SHOWN),
    )
    return site.render(
        request,
        "post.html",
        post=card(site.links, post),
        tags=post_tags(post.prompt, post.caption),
        parent=card(site.links, parent) if parent is not None else None,
        remix_of_hidden=post.remix_of_id is not None and parent is None,
        comments=comments,
        remixes=[card(site.links, p) for p in remixes],
    )


@routes.get("/p/{slug}/tree")
async def tree_page(request: web.Request) -> web.StreamResponse:
    site = site_of(request)
    post_id = site.links.post_id(request.match_info["slug"])
    post = await site.gallery.post(post_id) if post_id is not None else None
    if post is None:
        return not_found(request)
    lineage = await site.gallery.lineage(post)
    return site.render(
        request,
        "tree.html",
        post=card(site.links, post),
        ancestors=[card(site.links, p) if p is not None else None for p in lineage.ancestors],
        tree=lineage.tree,
        card_of=lambda p: card(site.links, p),
    )


def _page_number(request: web.Request) -> int:
    try:
        return max(1, min(MAX_PAGE, int(request.query.get("page", "1"))))
    except ValueError:
        return 1


@routes.get("/u/{slug}")
async def profile_page(request: web.Request) -> web.StreamResponse:
    site = site_of(request)
    account_id = site.links.account_id(request.match_info["slug"])
    if account_id is None:
        return not_found(request)
    page = _page_number(request)
    profile, posts = await asyncio.gather(  # a banned person's posts are not found either
        site.gallery.profile(account_id),
        site.gallery.posts_by(account_id, limit=GRID_SIZE + 1, offset=(page - 1) * GRID_SIZE),
    )
    if profile is None:
        return not_found(request)
    return site.render(
        request,
        "profile.html",
        profile=profile,
        profile_url=site.links.profile_url(profile.account.id),
        posts=[card(site.links, p) for p in posts[:GRID_SIZE]],
        page=page,
        has_more=len(posts) > GRID_SIZE,
    )


@routes.get("/explore")
async def explore_page(request: web.Request) -> web.StreamResponse:
    site = site_of(request)
    discovery = site.services.discovery
    query = request.query.get("q", "").strip()[:200]
    tag = request.query.get("tag", "").strip()[:64]
    error, sections = None, []
    try:
        if query:
            found = await discovery.search(None, query, limit=EXPLORE_SIZE)
            sections.append(("web.results", found))
        elif tag:
            sections.append(("web.tagged", await discovery.tag(None, tag, limit=EXPLORE_SIZE)))
        else:
            trending = await discovery.trending(None, window="week", limit=EXPLORE_SIZE)
            sections.append(("web.trending", trending))
            sections.append(("web.newest", await site.gallery.newest(limit=EXPLORE_SIZE)))
    except MosaicError as problem:
        error = problem
    cards = []
    for title, posts in sections:  # with their images' sizes, in the order found
        loaded = await site.gallery.public_among([p.id for p in posts])
        cards.append((title, [card(site.links, loaded[p.id]) for p in posts if p.id in loaded]))
    return site.render(
        request,
        "explore.html",
        query=query,
        tag=tag.removeprefix("#"),
        error=error,
        sections=cards,
    )
