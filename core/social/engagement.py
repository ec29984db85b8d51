"""Likes and comments. Counters on Post are kept in step in the same transaction."""

from __future__ import annotations

from functools import lru_cache

from pypika_tortoise import Query, Table
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from core.errors import Conflict, InvalidInput, NotFound
from core.notifications import SocialEvents
from core.persistence.columns import column
from core.persistence.models import Account, Comment, Post, Reaction
from core.persistence.statements import Slot, Written, literal, value, write
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
                post.like_count = await _add_like(post.id)
                await self._taste.counted(account, post, Signal.LIKE)
        except IntegrityError:
            raise Conflict("error.already_liked", post=post_id) from None
        return post

    async def unlike(self, account: Account, post_id: int) -> Post:
        post = await self._posts.get_visible(account, post_id, related=False)
        async with self._units():
            deleted = await Reaction.filter(post=post, account=account, kind=LIKE).delete()
            if deleted:
                await Post.filter(id=post.id).update(like_count=F("like_count") - 1)
                await self._taste.unliked(account, post)
        if not deleted:
            raise Conflict("error.not_liked", post=post_id)
        await post.refresh_from_db(fields=["like_count"])
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
            await Post.filter(id=post.id).update(comment_count=F("comment_count") + 1)
            await self._taste.counted(account, post, Signal.COMMENT)
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


_POST = Slot("post")


@lru_cache(maxsize=4)
def _adding_like(query_class: type[Query]) -> Written:
    """UPDATE post SET like_count = like_count + 1 WHERE id = <post> RETURNING like_count"""
    post = Table("post")
    statement = (
        query_class.update(post)
        .set(post.like_count, post.like_count + literal(1))
        .where(post.id == value(_POST))
        .returning(post.like_count)  # type: ignore[operator]  # SQLite's and PostgreSQL's have it
    )
    return write(query_class, statement)


async def _add_like(post_id: int) -> int:
    """One more like on the post's counter; the count with it (one statement: the count is
    not read again after the like)."""
    db = Post._meta.db
    adding = _adding_like(db.query_class)  # type: ignore[arg-type]
    rows = await db.execute_query_dict(adding.sql, adding.bind({_POST: post_id}))
    if not rows:
        raise NotFound("error.unknown_post", post=post_id)
    return int(rows[0]["like_count"])
