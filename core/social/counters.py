"""The counters kept on each account when what they count changes: its posts (not deleted),
its followers and whom it follows. Each change updates them in the same unit of work as the
rows they count; `/profile` reads them instead of counting. Read them fresh from the row
(`Accounts.profile`), not from a per-process copy of the account."""

from __future__ import annotations

from collections.abc import Iterable

from tortoise.expressions import F

from core.persistence.models import Account, Follow, Post


async def follows_changed(follower_id: int, followee_id: int, by: int) -> None:
    """`by` follows of `follower_id` to `followee_id` were made (1) or removed (-1)."""
    await Account.filter(id=follower_id).update(following_count=F("following_count") + by)
    await Account.filter(id=followee_id).update(follower_count=F("follower_count") + by)


async def posts_changed(author_id: int, by: int) -> None:
    """`by` posts of `author_id` were made (1) or deleted (-1)."""
    await Account.filter(id=author_id).update(post_count=F("post_count") + by)


async def recount(account_ids: Iterable[int]) -> None:
    """Count again from the rows (after a change too broad to follow one by one: merging
    two accounts; rare, so counting is fine there)."""
    for account_id in sorted(set(account_ids)):
        await Account.filter(id=account_id).update(
            post_count=await Post.filter(author_id=account_id, deleted_at=None).count(),
            follower_count=await Follow.filter(followee_id=account_id).count(),
            following_count=await Follow.filter(follower_id=account_id).count(),
        )
