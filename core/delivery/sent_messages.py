"""The messages the bot sent that show posts: reactions to them count as likes, and
takedowns find every copy of a post through them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from tortoise.exceptions import IntegrityError

from core.domain import Platform
from core.persistence.models import Post, SentMessage, ShownPost
from core.persistence.unit_of_work import TortoiseUnitOfWork, UnitOfWorkFactory, open_unit


class SentMessages:
    """Which bot message shows which post (reactions count as likes; takedowns find copies)."""

    def __init__(self, units: UnitOfWorkFactory = TortoiseUnitOfWork) -> None:
        self._units = units

    async def record(
        self,
        platform: Platform,
        chat_id: str,
        message_id: str,
        post_id: int | None,
        *,
        server_id: str | None = None,
        shows: Iterable[int] = (),
    ) -> None:
        """`server_id`: the server it was delivered in (its moderators may take it down);
        `shows`: more posts the message shows (a digest), found by takedowns too."""
        others = [p for p in dict.fromkeys(shows) if p != post_id]
        row = SentMessage(
            platform=platform,
            chat_id=chat_id,
            message_id=message_id,
            post_id=post_id,
            server_id=server_id,
        )
        if not others and open_unit() is None:
            # One statement is atomic on its own: no transaction, no savepoint (this runs
            # for every message that shows a post: five per feed page). A retried send's
            # row is skipped by the database (ON CONFLICT DO NOTHING); a post deleted
            # since (its foreign key) leaves nothing to record, as below.
            with contextlib.suppress(IntegrityError):
                await SentMessage.bulk_create([row], ignore_conflicts=True)
            return
        async with self._units():  # the message with every post it shows (takedowns)
            # Recorded already? Sending may be retried; recording is idempotent.
            with contextlib.suppress(IntegrityError):
                async with self._units():  # a savepoint: a duplicate leaves the rest
                    await row.save()
            if not others:
                return
            row = await SentMessage.get(platform=platform, chat_id=chat_id, message_id=message_id)
            existing = await Post.filter(id__in=others).values_list("id", flat=True)
            await ShownPost.bulk_create(
                [ShownPost(message_id=row.id, post_id=p) for p in existing], ignore_conflicts=True
            )

    async def post_for(self, platform: Platform, chat_id: str, message_id: str) -> int | None:
        row = await SentMessage.get_or_none(
            platform=platform, chat_id=chat_id, message_id=message_id
        )
        return row.post_id if row else None

    async def copies_of(self, post_id: int) -> list[SentMessage]:
        """Every message known to show the post, alone or among others (a digest)."""
        own = await SentMessage.filter(post_id=post_id)
        shown_in = await SentMessage.filter(shown__post_id=post_id).exclude(
            id__in=[row.id for row in own]
        )
        return [*own, *shown_in]

    async def servers_showing(self, post_id: int) -> frozenset[tuple[Platform, str]]:
        """The servers the post was delivered in, as (platform, server id)."""
        own = await SentMessage.filter(post_id=post_id, server_id__isnull=False).values_list(
            "platform", "server_id"
        )
        shown = await SentMessage.filter(
            shown__post_id=post_id, server_id__isnull=False
        ).values_list("platform", "server_id")
        return frozenset((Platform(p), str(s)) for p, s in [*own, *shown])
