"""The public pages: a post, a profile, explore and a post's remix tree. Anything not public
is a 404, the same 404 as an address that never existed."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from core.errors import MosaicError
from core.feed.terms import post_tags
from web.cards import card, card_of_row
from web.site import site_of

GRID_SIZE = 48
EXPLORE_SIZE = 24
MAX_PAGE = 100

routes = web.RouteTableDef()


def not_found(request: web.Request) -> web.Response:
    return site_of(request).render(request, "error.html", status=404, error="web.not_found")


@routes.get("/")
async def home(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/explore")


@routes.get("/p/{slug}")
async def post_page(request: web.Request) -> web.StreamResponse:
    site = site_of(request)
    post_id = site.links.post_id(request.match_info["slug"])
    found = await site.gallery.post_page(post_id) if post_id is not None else None
    if found is None:
        return not_found(request)

    def values() -> dict[str, Any]:
        post, parent = found.post(), found.parent()
        return {
            "post": card_of_row(site.links, post),
            "tags": post_tags(post["prompt"], post["caption"]),
            "parent": card_of_row(site.links, parent) if parent is not None else None,
            "remix_of_hidden": post["remix_of_id"] is not None and parent is None,
            "comments": found.comments(),
            "remixes": [card_of_row(site.links, p) for p in found.remixes()],
        }

    return site.render_kept(request, "post.html", found.rows.texts, values)


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
    profile = await site.gallery.profile_page(  # a banned person is not found
        account_id, limit=GRID_SIZE + 1, offset=(page - 1) * GRID_SIZE
    )
    if profile is None:
        return not_found(request)

    def values() -> dict[str, Any]:
        account, posts = profile.account(), profile.posts()
        return {
            "name": account["display_name"],
            "handle": account["handle"],
            "followers": profile.followers(),
            "following": profile.following(),
            "profile_url": site.links.profile_url(account_id),
            "posts": [card_of_row(site.links, p) for p in posts[:GRID_SIZE]],
            "page": page,
            "has_more": len(posts) > GRID_SIZE,
        }

    return site.render_kept(request, "profile.html", profile.rows.texts, values)


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
