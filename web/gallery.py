"""What the public web reads: posts, people and lineages that anybody may see.

Every query filters with `shown_on_the_web` (core's one visibility rule for the public): a post
that is not public, live and safe, or whose author is banned, is simply not found. The reads
of the post and profile pages (the busiest) are compiled once (`web/compiled.py`) and return
rows of plain values rather than model objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Count

from core.clock import Clock
from core.persistence.models import Account, Comment, Follow, Post
from core.social.visibility import banned_everywhere, shown_on_the_web
from web.cards import CARD_COLUMNS
from web.compiled import BatchAnswer, CompiledBatch, CompiledQuery, Row

LINEAGE_DEPTH = 12  # ancestors shown above a post
TREE_DEPTH = 4  # generations of remixes shown below it
TREE_CHILDREN = 12  # remixes per post in the tree
TREE_NODES = 80
COMMENTS_SHOWN = 50
REMIXES_SHOWN = 12


@dataclass(slots=True)
class TreeNode:
    post: Post
    children: list[TreeNode] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Lineage:
    ancestors: tuple[Post | None, ...]  # root first; None: a post that is not public
    tree: TreeNode


@dataclass(frozen=True, slots=True)
class PostPage:
    """What a post page shows, as read; `rows.texts` holds all of it (the page's key)."""

    rows: BatchAnswer

    def post(self) -> Row:  # `CARD_COLUMNS`
        return self.rows.rows("post")[0]

    def parent(self) -> Row | None:  # what it remixes, when that is public
        parent = self.rows.rows("parent")
        return parent[0] if parent else None

    def comments(self) -> list[Row]:  # text, author_name
        return self.rows.rows("comments")

    def remixes(self) -> list[Row]:  # `CARD_COLUMNS`, most liked first
        return self.rows.rows("remixes")


@dataclass(frozen=True, slots=True)
class ProfilePage:
    """A person and a page of their posts, as read; `rows.texts` holds all of it."""

    rows: BatchAnswer

    def account(self) -> Row:  # display_name, handle
        return self.rows.rows("account")[0]

    def followers(self) -> int:
        return int(self.rows.rows("followers")[0]["n"])

    def following(self) -> int:
        return int(self.rows.rows("following")[0]["n"])

    def posts(self) -> list[Row]:  # `CARD_COLUMNS`, newest first
        return self.rows.rows("posts")


def _post_row(now: datetime, post_id: int) -> Any:
    return Post.filter(shown_on_the_web(now), id=post_id).values(**CARD_COLUMNS)


def _parent_row(now: datetime, post_id: int) -> Any:
    """The post that `post_id` remixes, if public."""
    return Post.filter(shown_on_the_web(now), remixes__id=post_id).values(**CARD_COLUMNS)


def _comment_rows(now: datetime, post_id: int) -> Any:
    return (
        Comment.filter(post_id=post_id, deleted_at=None)
        .exclude(author_id__in=banned_everywhere(now))
        .order_by("created_at", "id")
        .limit(COMMENTS_SHOWN)
        .values("text", author_name="author__display_name")
    )


def _remix_rows(now: datetime, post_id: int) -> Any:
    return (
        Post.filter(shown_on_the_web(now), remix_of_id=post_id)
        .order_by("-like_count", "-id")
        .limit(REMIXES_SHOWN)
        .values(**CARD_COLUMNS)
    )


def _account_row(now: datetime, account_id: int) -> Any:
    return (
        Account.filter(id=account_id)
        .exclude(id__in=banned_everywhere(now))
        .values("display_name", "handle")
    )


def _followers(account_id: int) -> Any:
    return Follow.filter(followee_id=account_id).annotate(n=Count("id")).values("n")


def _following(account_id: int) -> Any:
    return Follow.filter(follower_id=account_id).annotate(n=Count("id")).values("n")


def _grid_rows(now: datetime, account_id: int, offset: int, limit: int) -> Any:
    return (
        Post.filter(shown_on_the_web(now), author_id=account_id)
        .order_by("-created_at", "-id")
        .offset(offset)
        .limit(limit)
        .values(**CARD_COLUMNS)
    )


class Gallery:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._post_page = CompiledBatch(
            post=CompiledQuery(_post_row, now=datetime, post_id=int),
            parent=CompiledQuery(_parent_row, now=datetime, post_id=int),
            comments=CompiledQuery(_comment_rows, now=datetime, post_id=int),
            remixes=CompiledQuery(_remix_rows, now=datetime, post_id=int),
        )
        self._profile_page = CompiledBatch(
            account=CompiledQuery(_account_row, now=datetime, account_id=int),
            followers=CompiledQuery(_followers, account_id=int),
            following=CompiledQuery(_following, account_id=int),
            posts=CompiledQuery(_grid_rows, now=datetime, account_id=int, offset=int, limit=int),
        )

    def _public(self) -> Q:
        return shown_on_the_web(self._clock.now())

    async def post(self, post_id: int) -> Post | None:
        return (
            await Post.filter(self._public(), id=post_id).select_related("author", "image").first()
        )

    async def public_among(self, post_ids: list[int]) -> dict[int, Post]:
        rows = await Post.filter(self._public(), id__in=post_ids).select_related("author", "image")
        return {row.id: row for row in rows}

    async def post_page(self, post_id: int) -> PostPage | None:
        """A post page's rows, in one statement: the post, the post it remixes (if public),
        its comments (not by anyone banned) and its most liked remixes; None when the post
        is not public."""
        found = await self._post_page.answer(now=self._clock.now(), post_id=post_id)
        return None if found.empty("post") else PostPage(found)

    async def remixes(self, post_ids: list[int], *, limit: int) -> list[Post]:
        return (
            await Post.filter(self._public(), remix_of_id__in=post_ids)
            .order_by("-like_count", "-id")
            .limit(limit)
            .select_related("author", "image")
        )

    async def profile_page(
        self, account_id: int, *, limit: int, offset: int = 0
    ) -> ProfilePage | None:
        """A person (None when unknown or banned everywhere), their follow counts and a page
        of their public posts, newest first, in one statement."""
        found = await self._profile_page.answer(
            now=self._clock.now(), account_id=account_id, offset=offset, limit=limit
        )
        return None if found.empty("account") else ProfilePage(found)

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
