"""Chats the bot lives in: their settings, the events already handled, the messages sent."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import timedelta

from tortoise.exceptions import IntegrityError

from core.clock import Clock
from core.domain import ChatKind, Platform
from core.errors import InvalidInput
from core.i18n import LANGUAGES
from core.persistence.columns import column
from core.persistence.models import Destination, Post, ProcessedUpdate, SentMessage, ShownPost

UPDATE_MEMORY = timedelta(days=2)  # Telegram keeps undelivered updates ≤ 24 h


class Destinations:
    async def get(
        self, platform: Platform, chat_id: str, *, kind: ChatKind = ChatKind.GROUP, title: str = ""
    ) -> Destination:
        destination, created = await Destination.get_or_create(
            platform=platform, chat_id=chat_id, defaults={"kind": kind, "title": title[:128]}
        )
        if not created and title and destination.title != title[:128]:
            destination.title = title[:128]
            await destination.save(update_fields=["title"])
        return destination

    async def find(self, platform: Platform, chat_id: str) -> Destination | None:
        return await Destination.get_or_none(platform=platform, chat_id=chat_id)

    async def set_language(self, destination: Destination, language: str) -> None:
        if language not in LANGUAGES:
            raise InvalidInput("error.bad_choice", value=language, choices=", ".join(LANGUAGES))
        destination.language = language
        await destination.save(update_fields=["language"])

    async def set_generation_allowed(self, destination: Destination, allowed: bool) -> None:
        destination.generation_allowed = allowed
        await destination.save(update_fields=["generation_allowed"])

    async def set_nsfw_allowed(self, destination: Destination, allowed: bool) -> None:
        destination.nsfw_allowed = allowed
        await destination.save(update_fields=["nsfw_allowed"])

    async def move(self, platform: Platform, old_chat_id: str, new_chat_id: str) -> None:
        """A Telegram group became a supergroup: its settings follow it to the new id, and
        so do the posts made there (who is a member there; whose admins moderate them)."""
        if await Destination.exists(platform=platform, chat_id=new_chat_id):
            return
        await Destination.filter(platform=platform, chat_id=old_chat_id).update(chat_id=new_chat_id)
        made_there = Post.filter(origin_platform=platform)
        await made_there.filter(origin_chat_id=old_chat_id).update(origin_chat_id=new_chat_id)
        await made_there.filter(origin_server_id=old_chat_id).update(origin_server_id=new_chat_id)

    async def pause(self, platform: Platform, chat_id: str, reason: str) -> None:
        await Destination.filter(platform=platform, chat_id=chat_id).update(
            paused_reason=reason[:200]
        )

    async def resume(self, platform: Platform, chat_id: str) -> None:
        """The platform says we may write there again (unblocked, re-added to the group)."""
        await Destination.filter(platform=platform, chat_id=chat_id).update(paused_reason=None)


class UpdateLog:
    """Makes repeated platform events (a re-delivered update) have one effect."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    async def first_time(self, platform: Platform, key: str) -> bool:
        try:
            await ProcessedUpdate.create(platform=platform, key=key)
        except IntegrityError:
            return False
        return True

    async def forget_old(self) -> int:
        cutoff = self._clock.now() - UPDATE_MEMORY
        return await ProcessedUpdate.filter(created_at__lt=cutoff).delete()


class SentMessages:
    """Which bot message shows which post (reactions count as likes; takedowns find copies)."""

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
        # Recorded already? Sending may be retried; recording is idempotent.
        with contextlib.suppress(IntegrityError):
            await SentMessage.create(
                platform=platform,
                chat_id=chat_id,
                message_id=message_id,
                post_id=post_id,
                server_id=server_id,
            )
        others = [p for p in dict.fromkeys(shows) if p != post_id]
        if not others:
            return
        row = await SentMessage.get(platform=platform, chat_id=chat_id, message_id=message_id)
        existing = await column(Post.filter(id__in=others), "id")
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
