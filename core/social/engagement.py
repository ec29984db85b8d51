"""Likes and comments. Counters on Post are kept in step in the same transaction."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError

from core.errors import Conflict, InvalidInput
from core.notifications import SocialEvents
from core.persistence.columns import column
from core.persistence.models import Account, Comment, Post, Reaction
from core.persistence.unit_of_work import TortoiseUnitOfWork, UnitOfWorkFactory
from core.social.posts import Posts
from core.social.taste_updates import NoTasteUpdates, Signal, TasteUpdater
from core.user_text import COMMENT_MAX, clean_text

LIKE = Signal.LIKE.value


class Engagement:
    def __init__(
        self,
        posts: Posts,
        taste: TasteUpdater | None = None,
        events: SocialEvents | None = None,
        units: UnitOfWorkFactory = TortoiseUnitOfWork,
    ) -> None:
        self._units = units
        self._posts = posts
        self._taste = taste or NoTasteUpdates()
        self._events = events

    async def like(self, account: Account, post_id: int) -> Post:
        post = await self._posts.get_visible(account, post_id, related=False)
        try:
            async with self._units():
                # in the unit: a like refused as a duplicate leaves no like samples behind
                await self._taste.before_like(account, post)
                await Reaction.create(post=post, account=account, kind=LIKE)
                await self._taste.engaged(account, post, Signal.LIKE)
                if self._events is not None:  # the author is told of it, with it
                    await self._events.happened("like", post.author_id, account.id, post.id)
                # The post's row last: its counter's UPDATE locks the row until the commit,
                # and every like of the post waits for that lock.
                post.like_count = await self._taste.count(account, post, Signal.LIKE, 1)
        except IntegrityError:
            raise Conflict("error.already_liked", post=post_id) from None
        return post

    async def unlike(self, account: Account, post_id: int) -> Post:
        post = await self._posts.get_visible(account, post_id, related=False)
        async with self._units():
            deleted = await Reaction.filter(post=post, account=account, kind=LIKE).delete()
            if deleted:
                await self._taste.unliked(account, post)
                post.like_count = await self._taste.count(account, post, Signal.LIKE, -1)
        if not deleted:
            raise Conflict("error.not_liked", post=post_id)
        return post

    async def liked_among(self, account: Account, post_ids: list[int]) -> set[int]:
        """Which of `post_ids` the account likes (one query for a whole page)."""
        rows = await column(
            Reaction.filter(account=account, post_id__in=post_ids, kind=LIKE), "post_id"
        )
        return set(rows)

    async def comment(self, account: Account, post_id: int, text: str) -> Comment:
        post = await self._posts.get_visible(account, post_id, related=False)
        cleaned = clean_text(text, limit=COMMENT_MAX, field="comment")
        if not cleaned:
            raise InvalidInput("error.empty", field="comment")
        async with self._units():
            comment = await Comment.create(post=post, author=account, text=cleaned)
            await self._taste.engaged(account, post, Signal.COMMENT)
            if self._events is not None:
                await self._events.happened("comment", post.author_id, account.id, post.id)
            # the post's row last (see `like`)
            await self._taste.count(account, post, Signal.COMMENT, 1)
        return comment

    async def comments(
        self, viewer: Account, post_id: int, *, limit: int, offset: int = 0
    ) -> tuple[Post, list[Comment]]:
        post = await self._posts.get_visible(viewer, post_id)
        rows = (
            await Comment.filter(post=post, deleted_at=None)
            .order_by("created_at", "id")
            .offset(offset)
            .limit(limit)
            .select_related("author")
        )
        return post, rows
