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
from core.social.counters import post_counts_changed


class Signal(StrEnum):
    """Ways of engaging with a post, strongest last."""

    LIKE = "like"
    COMMENT = "comment"
    REMIX = "remix"


def changes(signal: Signal, by: int) -> tuple[int, int]:
    """How `by` of `signal` move the post's likes and comments."""
    if signal is Signal.REMIX:
        raise ValueError("a remix is counted where it is made (Posts.create)")
    return (by, 0) if signal is Signal.LIKE else (0, by)


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

    async def count(self, account: Account, post: Post, signal: Signal, by: int) -> int:
        """`by` (1 or -1) of `account`'s `signal` on `post` go into the post's counters, with
        what follows from the counts, in one UPDATE (`counters.post_counts_changed`) last in
        the write's transaction: it locks the post's row until the commit, so whatever else
        must be read is read before it (on PostgreSQL it goes with the COMMIT, and nothing may
        follow it). The new like count (`post.like_count` as read, moved by this change, where
        the UPDATE goes with the COMMIT)."""
        ...

    async def unliked(self, account: Account, post: Post) -> None:
        """`account` took back their like of `post` (inside the unlike's transaction, before
        `count`)."""
        ...

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

    async def count(self, account: Account, post: Post, signal: Signal, by: int) -> int:
        likes, comments = changes(signal, by)
        return await post_counts_changed(
            post.id, likes=likes, comments=comments, read=post.like_count
        )

    async def unliked(self, account: Account, post: Post) -> None:
        return None

    async def followed(self, follower: Account, followee: Account) -> None:
        return None

    async def unfollowed(self, follower: Account, followee: Account) -> None:
        return None
