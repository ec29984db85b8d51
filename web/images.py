"""Images and thumbnails by their SHA-256: cached for a year, with the hash as the ETag.

An image is served when a public post shows it, or with the capability the Mini App hands
out for the images of the posts in someone's feed (`PublicLinks.image_key`).
"""

from __future__ import annotations

import asyncio
import re

from aiohttp import web

from web.cards import MEDIA_TYPES
from web.site import site_of

SHA256 = re.compile(r"[0-9a-f]{64}")
CACHE_FOREVER = "public, max-age=31536000, immutable"
PRIVATE_FOREVER = "private, max-age=31536000, immutable"

routes = web.RouteTableDef()


async def _allowed(request: web.Request, sha: str) -> bool:
    site = site_of(request)
    key = request.query.get("k")
    if key is not None:
        return site.links.image_key_valid(sha, key)
    return await site.gallery.image_is_public(sha)


async def _serve(request: web.Request, *, thumbnail: bool) -> web.StreamResponse:
    sha = request.match_info["sha"]
    if not SHA256.fullmatch(sha) or not await _allowed(request, sha):
        raise web.HTTPNotFound()
    etag = f'"{"t-" if thumbnail else ""}{sha}"'
    cache = PRIVATE_FOREVER if "k" in request.query else CACHE_FOREVER
    if etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers={"ETag": etag, "Cache-Control": cache})
    images = site_of(request).services.images
    try:
        path = await images.thumbnail(sha) if thumbnail else await images.local_copy(sha)
        body = await asyncio.to_thread(path.read_bytes)
    except FileNotFoundError:
        raise web.HTTPNotFound() from None
    media_type = MEDIA_TYPES.get(path.suffix.removeprefix("."), "application/octet-stream")
    return web.Response(
        body=body, content_type=media_type, headers={"ETag": etag, "Cache-Control": cache}
    )


@routes.get("/i/{sha}")
async def full_image(request: web.Request) -> web.StreamResponse:
    return await _serve(request, thumbnail=False)


@routes.get("/t/{sha}")
async def thumbnail_image(request: web.Request) -> web.StreamResponse:
    return await _serve(request, thumbnail=True)
