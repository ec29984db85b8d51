"""What the public web reads: posts, people and lineages that anybody may see.

Every query filters with `shown_on_the_web` (core's one visibility rule for the public): a post
that is not public, live and safe, or whose author is banned, is simply not found.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from tortoise.expressions import Q

from core.clock import Clock
from core.persistence.models import Account, Comment, Follow, Post
from core.social.visibility import banned_everywhere, shown_on_the_web

LINEAGE_DEPTH = 12  # ancestors shown above a post
TREE_DEPTH = 4  # generations of remixes shown below it
TREE_CHILDREN = 12  # remixes per post in the tree
TREE_NODES = 80


@dataclass(slots=True)
class TreeNode:
    post: Post
    children: list[TreeNode] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Lineage:
    ancestors: tuple[Post | None, ...]  # root first; None: a post that is not public
    tree: TreeNode


@dataclass(frozen=True, slots=True)
class PublicProfile:
    account: Account
    followers: int
    following: int


class Gallery:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def _public(self) -> Q:
        return shown_on_the_web(self._clock.now())

    async def post(self, post_id: int) -> Post | None:
        return (
            await Post.filter(self._public(), id=post_id).select_related("author", "image").first()
        )

    async def public_among(self, post_ids: list[int]) -> dict[int, Post]:
        rows = await Post.filter(self._public(), id__in=post_ids).select_related("author", "image")
        return {row.id: row for row in rows}

    async def comments(self, post: Post, *, limit: int = 50) -> list[Comment]:
        return (
            await Comment.filter(post_id=post.id, deleted_at=None)
            .exclude(author_id__in=banned_everywhere(self._clock.now()))
            .order_by("created_at", "id")
            .limit(limit)
            .select_related("author")
        )

    async def remixes(self, post_ids: list[int], *, limit: int) -> list[Post]:
        return (
            await Post.filter(self._public(), remix_of_id__in=post_ids)
            .order_by("-like_count", "-id")
            .limit(limit)
            .select_related("author", "image")
        )

    async def profile(self, account_id: int) -> PublicProfile | None:
        banned = banned_everywhere(self._clock.now())
        account, followers, following = await asyncio.gather(  # side by side
            Account.filter(id=account_id).exclude(id__in=banned).first(),
            Follow.filter(followee_id=account_id).count(),
            Follow.filter(follower_id=account_id).count(),
        )
        if account is None:
            return None
        return PublicProfile(account, followers=followers, following=following)

    async def posts_by(self, account_id: int, *, limit: int, offset: int = 0) -> list[Post]:
        return (
            await Post.filter(self._public(), author_id=account_id)
            .order_by("-created_at", "-id")
            .offset(offset)
            .limit(limit)
            .select_related("author", "image")
        )

    async def newest(self, *, limit: int) -> list[Post]:
        return (
            await Post.filter(self._public())
            .order_by("-created_at", "-id")
            .limit(limit)
            .select_related("author", "image")
        )

    async def image_is_public(self, sha256: str) -> bool:
        return await Post.filter(self._public(), image_id=sha256).exists()

    async def lineage(self, post: Post) -> Lineage:
        """The posts it remixes, up to the first one, and the remixes of it, generation by
        generation (public ones only; a private ancestor shows as a gap)."""
        ancestors: list[Post | None] = []
        parent_id = post.remix_of_id
        while parent_id is not None and len(ancestors) < LINEAGE_DEPTH:
            row = await Post.get_or_none(id=parent_id).only("id", "remix_of_id")
            if row is None:
                break
            public = (await self.public_among([row.id])).get(row.id)
            ancestors.append(public)
            parent_id = row.remix_of_id
        root = TreeNode(post)
        level, count = [root], 1
        for _ in range(TREE_DEPTH):
            if not level or count >= TREE_NODES:
                break
            by_parent = {node.post.id: node for node in level}
            children = await self.remixes(
                list(by_parent), limit=min(TREE_NODES - count, TREE_CHILDREN * len(level))
            )
            level = []
            for child in children:
                parent = by_parent[child.remix_of_id]
                if len(parent.children) < TREE_CHILDREN:
                    node = TreeNode(child)
                    parent.children.append(node)
                    level.append(node)
                    count += 1
        return Lineage(tuple(reversed(ancestors)), root)
