"""The port through which social writes tell the feed what changed.

Posting, liking, commenting, remixing and following change what a person likes and what is
trending. The services here call a `TasteUpdater` at each of those writes (likes, unlikes and
comments inside their transaction, so the next feed request sees them); the feed implements
it (`core.feed.taste.TasteKeeper`). `NoTasteUpdates` keeps the social core usable alone.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from core.persistence.models import Account, Post


class Signal(StrEnum):
    """Ways of engaging with a post, strongest last."""

    LIKE = "like"
    COMMENT = "comment"
    REMIX = "remix"


class TasteUpdater(Protocol):
    async def post_created(self, post: Post) -> None:
        """A new post (after its transaction). A remix also engages its author with the
        parent (`post.remix_of`)."""
        ...

    async def before_like(self, account: Account, post: Post) -> None:
        """`account` is about to like `post` (before the write: what the feed knew then)."""
        ...

    async def engaged(self, account: Account, post: Post, signal: Signal) -> None:
        """`account` liked or commented on `post` (inside the write's transaction; before
        the post's counters change, so nothing here waits for the post's row lock)."""
        ...

    async def counted(self, account: Account, post: Post, signal: Signal) -> None:
        """The post's counters took `account`'s like or comment (last in the write's
        transaction, right after the counter's UPDATE: what follows from the counts, while
        the post's row is locked for as short a time as can be)."""
        ...

    async def unliked(self, account: Account, post: Post) -> None: ...

    async def followed(self, follower: Account, followee: Account) -> None: ...

    async def unfollowed(self, follower: Account, followee: Account) -> None: ...


class NoTasteUpdates:
    """A `TasteUpdater` that ignores everything (the social core without a feed)."""

    async def post_created(self, post: Post) -> None:
        return None

    async def before_like(self, account: Account, post: Post) -> None:
        return None

    async def engaged(self, account: Account, post: Post, signal: Signal) -> None:
        return None

    async def counted(self, account: Account, post: Post, signal: Signal) -> None:
        return None

    async def unliked(self, account: Account, post: Post) -> None:
        return None

    async def followed(self, follower: Account, followee: Account) -> None:
        return None

    async def unfollowed(self, follower: Account, followee: Account) -> None:
        return None
