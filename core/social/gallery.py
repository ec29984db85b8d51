"""A person's latest posts as one picture: the digest collage's grid of numbered tiles, under
a header with their name (what `/profile` shows on every platform)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from core.digests.compose import local_date
from core.i18n import translate
from core.images import ImageFile, ImageStore
from core.persistence.models import Account, Post
from core.social.visibility import live, visible_to

PROFILE_POSTS = 6


async def latest_posts(viewer: Account, author: Account, limit: int = PROFILE_POSTS) -> list[Post]:
    """The author's newest posts that `viewer` may see, newest first."""
    # one's own posts: every live one (what `visible_to` comes to, without its subqueries)
    seen = live() if viewer.id == author.id else visible_to(viewer.id)
    return await Post.filter(seen, author_id=author.id).order_by("-id").limit(limit)


async def gallery_picture(
    images: ImageStore, posts: list[Post], author: Account, language: str, at: datetime
) -> ImageFile:
    """The collage of `posts` (numbered 1… in their order), stored like any image."""
    from core.digests.collage import CollageText, render_collage  # Pillow: on first use

    thumbnails = await asyncio.gather(*(thumbnail_or_blank(images, post) for post in posts))
    text = CollageText(
        translate(language, "profile.grid_title", handle=f"@{author.handle}"),
        local_date(language, at),
        translate(language, "digest.ai_label"),
    )
    picture = await asyncio.to_thread(render_collage, list(thumbnails), text)
    return await images.put(picture, trusted=True)


async def thumbnail_or_blank(images: ImageStore, post: Post) -> Path | None:
    """The post's thumbnail, or None (a blank tile) when it has no image (any more)."""
    if post.image_id is None:
        return None
    try:
        return await images.thumbnail(post.image_id)
    except FileNotFoundError:  # deleted meanwhile: a blank tile
        return None
