"""The chronological feed: the viewer's own posts and their followees' posts, newest first."""

from __future__ import annotations

from tortoise.expressions import Q, Subquery

from core.persistence.models import Account, Follow, Post
from core.social.visibility import visible_to


class ChronologicalFeed:
    async def page(self, viewer: Account, *, limit: int, offset: int = 0) -> list[Post]:
        followees = Subquery(Follow.filter(follower_id=viewer.id).values("followee_id"))
        return (
            await Post.filter(visible_to(viewer.id))
            .filter(Q(author_id=viewer.id) | Q(author_id__in=followees))
            .order_by("-created_at", "-id")
            .offset(offset)
            .limit(limit)
            .select_related("author", "remix_of__author")
        )

    async def top(self, viewer: Account, *, limit: int, offset: int = 0) -> list[Post]:
        """The same as `page`: newest first (the digest ranking's port)."""
        return await self.page(viewer, limit=limit, offset=offset)
