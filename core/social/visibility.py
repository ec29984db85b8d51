"""Who may see which post: the one rule every read path uses.

A post is visible to a viewer when it is not deleted, not taken down by moderation (hidden
pending review, hidden or removed: for everyone, its author included, so that feeds, search,
trending and digests all drop it), neither of the two blocked the other, and its audience
allows it: public to anyone, followers to the author's followers, private to the author only.
`shown_to_everyone` is the same rule for a place rather than a person (a Mosaic channel):
visible, and public.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.expressions import Q, Subquery

from core.domain import SanctionKind
from core.persistence.models import (
    Account,
    Audience,
    Block,
    Follow,
    ModerationState,
    Post,
    Sanction,
)


async def blocked_between(a_id: int, b_id: int) -> bool:
    return await Block.filter(
        Q(blocker_id=a_id, blocked_id=b_id) | Q(blocker_id=b_id, blocked_id=a_id)
    ).exists()


def live() -> Q:
    """A filter for `Post` querysets: not deleted, not hidden or removed by moderation."""
    return Q(Q(deleted_at=None), Q(moderation=ModerationState.VISIBLE))


def shown_to_everyone() -> Q:
    """A filter for `Post` querysets: posts anybody may see (a channel shows them to all)."""
    return Q(live(), Q(audience=Audience.PUBLIC))


def shown_to_everyone_through(relation: str) -> Q:
    """`shown_to_everyone` for rows that point at a post through `relation` (an entry's
    `post`, a term's `post`)."""
    live: dict[str, Any] = {
        f"{relation}__deleted_at": None,
        f"{relation}__moderation": ModerationState.VISIBLE,
        f"{relation}__audience": Audience.PUBLIC,
    }
    return Q(**live)


def banned_everywhere(now: datetime) -> Subquery:
    """The ids of the accounts under a ban in force everywhere (not in one server only)."""
    bans = Sanction.filter(
        Q(kind=SanctionKind.BAN, server_id=None), Q(until=None) | Q(until__gt=now)
    )
    return Subquery(bans.values("account_id"))


def shown_on_the_web(now: datetime) -> Q:
    """A filter for `Post` querysets: what the public web pages may show to anybody, signed
    in or not. Public and live (as `shown_to_everyone`), not sensitive, and not by anyone
    banned everywhere; anything else is answered as if it did not exist."""
    return Q(shown_to_everyone(), Q(sensitive=False), ~Q(author_id__in=banned_everywhere(now)))


def has_a_web_page(post: Post) -> bool:
    """`shown_on_the_web` for one loaded post, but for its author's bans (the page checks
    those): whether offering a link to its web page makes sense."""
    return (
        post.deleted_at is None
        and post.moderation is ModerationState.VISIBLE
        and post.audience == Audience.PUBLIC
        and not post.sensitive
    )


def visible_to(viewer_id: int) -> Q:
    """A filter for `Post` querysets: posts `viewer_id` may see."""
    followees = Subquery(Follow.filter(follower_id=viewer_id).values("followee_id"))
    blockers = Subquery(Block.filter(blocked_id=viewer_id).values("blocker_id"))
    blocked = Subquery(Block.filter(blocker_id=viewer_id).values("blocked_id"))
    audience_ok = (
        Q(author_id=viewer_id)
        | Q(audience=Audience.PUBLIC)
        | Q(audience=Audience.FOLLOWERS, author_id__in=followees)
    )
    return Q(
        live(),
        audience_ok,
        ~Q(author_id__in=blockers),
        ~Q(author_id__in=blocked),
    )


async def can_view(viewer: Account, post: Post) -> bool:
    if post.deleted_at is not None or post.moderation is not ModerationState.VISIBLE:
        return False
    if post.author_id == viewer.id:
        return True
    if await blocked_between(viewer.id, post.author_id):
        return False
    if post.audience == Audience.PUBLIC:
        return True
    if post.audience == Audience.FOLLOWERS:
        return await Follow.exists(follower_id=viewer.id, followee_id=post.author_id)
    return False
