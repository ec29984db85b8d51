"""What goes into a digest.

- A person's digest (a DM): their feed, through the small `PersonalFeed` protocol (today
  `ChronologicalFeed`; the personalized feed plugs in with one line in bot/bootstrap.py),
  posts matching their topic words first; when the feed has too little, recent public posts
  with the most likes fill it up.
- A channel's or group's digest: recent public posts scored by
  `3 × topic words matched + 2 × share of the place's members who liked it + 1 if a member
  follows the author + 0.5 × log(1 + likes) + freshness (e^(−age / 7 days))`.
  The place's members who use Mosaic are the people who posted there or subscribed it to a
  digest (we see no member lists). Until the personalized feed exposes taste vectors, this
  is the place's taste.

Never: deleted posts, posts without a picture, posts already sent to that destination, and
(for a person) their own posts or posts they may not see.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import timedelta
from typing import Protocol

from tortoise.expressions import Q

from core.clock import Clock
from core.digests.schedule import topic_words
from core.domain import Audience, ModerationState
from core.persistence.columns import column
from core.persistence.models import (
    Account,
    DeliveredItem,
    Destination,
    DigestSubscription,
    Follow,
    Post,
    Reaction,
)
from core.social.visibility import visible_to

RECENT = timedelta(days=30)
FEED_DEPTH = 100
PLACE_CANDIDATES = 300


class PersonalFeed(Protocol):
    async def top(
        self, viewer: Account, *, limit: int, offset: int = 0, safe: bool = False
    ) -> list[Post]: ...


def _text_of(post: Post) -> str:
    return f"{post.prompt or ''} {post.caption or ''}".lower()


def topic_hits(post: Post, topics: set[str]) -> int:
    if not topics:
        return 0
    words = topic_words(_text_of(post))
    return len(words & topics)


async def already_sent(destination_id: int) -> set[int]:
    rows = await column(DeliveredItem.filter(destination_id=destination_id), "post_id")
    return set(rows)


async def place_members(destination: Destination) -> set[int]:
    """The place's members who use Mosaic: who posted there or subscribed it to a digest."""
    posted = await column(
        Post.filter(origin_platform=destination.platform, origin_chat_id=destination.chat_id),
        "author_id",
    )
    subscribed = await column(DigestSubscription.filter(destination_id=destination.id), "owner_id")
    return set(posted) | set(subscribed)


async def member_of(account_id: int) -> Q:
    """The same rule from the person's side: a `Destination` filter for the places where
    `account_id` is a member (Mosaic channels ask it for each new post)."""
    posted = (
        await Post.filter(author_id=account_id)
        .distinct()
        .values_list("origin_platform", "origin_chat_id")
    )
    subscribed = await column(DigestSubscription.filter(owner_id=account_id), "destination_id")
    chats: dict[str, set[str]] = {}
    for platform, chat_id in posted:
        if chat_id is not None:
            chats.setdefault(platform, set()).add(chat_id)
    where = Q(id__in=list(set(subscribed)))
    for platform, chat_ids in chats.items():
        where |= Q(platform=platform, chat_id__in=sorted(chat_ids))
    return where


class DigestRanker:
    def __init__(self, feed: PersonalFeed, clock: Clock) -> None:
        self._feed = feed
        self._clock = clock

    async def for_person(
        self, viewer: Account, topics: str, size: int, exclude: set[int], *, safe: bool = False
    ) -> list[Post]:
        """`safe`: no sensitive posts (the digest goes to a place with NSFW off)."""
        wanted = topic_words(topics)
        feed = await self._feed.top(viewer, limit=FEED_DEPTH, offset=0, safe=safe)
        picked = self._usable(feed, exclude, skip_author=viewer.id, safe=safe)
        if len(picked) < size:  # a thin feed: fill with what people like lately
            since = self._clock.now() - RECENT
            popular = (
                await Post.filter(visible_to(viewer.id), created_at__gte=since)
                .exclude(author_id=viewer.id)
                .order_by("-like_count", "-created_at", "-id")
                .limit(FEED_DEPTH)
                .select_related("author")
            )
            seen = {p.id for p in picked}
            picked += [
                p for p in self._usable(popular, exclude, viewer.id, safe=safe) if p.id not in seen
            ]
        # stable: the feed's order within "matches the topics" and "does not"
        picked.sort(key=lambda post: -topic_hits(post, wanted))
        return picked[:size]

    async def for_place(
        self, destination: Destination, topics: str, size: int, exclude: set[int], *, safe: bool
    ) -> list[Post]:
        wanted = topic_words(topics)
        now = self._clock.now()
        candidates = self._usable(
            await Post.filter(
                audience=Audience.PUBLIC,
                deleted_at=None,
                moderation=ModerationState.VISIBLE,
                created_at__gte=now - RECENT,
            )
            .exclude(image_id=None)
            .order_by("-created_at", "-id")
            .limit(PLACE_CANDIDATES)
            .select_related("author"),
            exclude,
            safe=safe,
        )
        if not candidates:
            return []
        members = await self._members(destination)
        ids = [post.id for post in candidates]
        likes: dict[int, int] = {}
        followed: set[int] = set()
        if members:
            for post_id in await column(
                Reaction.filter(post_id__in=ids, account_id__in=members), "post_id"
            ):
                likes[post_id] = likes.get(post_id, 0) + 1
            followed = set(await column(Follow.filter(follower_id__in=members), "followee_id"))

        def score(post: Post) -> float:
            age_days = max(0.0, (now - post.created_at).total_seconds() / 86400)
            return (
                3.0 * topic_hits(post, wanted)
                + 2.0 * likes.get(post.id, 0) / max(1, len(members))
                + (1.0 if post.author_id in followed else 0.0)
                + 0.5 * math.log1p(post.like_count)
                + math.exp(-age_days / 7)
            )

        candidates.sort(key=score, reverse=True)
        return candidates[:size]

    async def _members(self, destination: Destination) -> set[int]:
        return await place_members(destination)

    @staticmethod
    def _usable(
        posts: Iterable[Post],
        exclude: set[int],
        skip_author: int | None = None,
        *,
        safe: bool = False,
    ) -> list[Post]:
        return [
            post
            for post in posts
            if post.id not in exclude
            and post.image_id is not None
            and post.deleted_at is None
            and post.moderation == ModerationState.VISIBLE
            and not (safe and post.sensitive)
            and post.author_id != skip_author
        ]
