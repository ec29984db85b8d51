"""The chats, groups, channels and servers the bot lives in, and their settings."""

from __future__ import annotations

from core.domain import ChatKind, Platform
from core.errors import InvalidInput
from core.i18n import LANGUAGES
from core.persistence.models import Destination, Post
from core.persistence.unit_of_work import TortoiseUnitOfWork, UnitOfWorkFactory


class Destinations:
    def __init__(self, units: UnitOfWorkFactory = TortoiseUnitOfWork) -> None:
        self._units = units

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
        async with self._units():  # all of it: a second call would find it moved and stop
            if await Destination.exists(platform=platform, chat_id=new_chat_id):
                return
            await Destination.filter(platform=platform, chat_id=old_chat_id).update(
                chat_id=new_chat_id
            )
            made_there = Post.filter(origin_platform=platform)
            await made_there.filter(origin_chat_id=old_chat_id).update(origin_chat_id=new_chat_id)
            await made_there.filter(origin_server_id=old_chat_id).update(
                origin_server_id=new_chat_id
            )

    async def pause(self, platform: Platform, chat_id: str, reason: str) -> None:
        await Destination.filter(platform=platform, chat_id=chat_id).update(
            paused_reason=reason[:200]
        )

    async def resume(self, platform: Platform, chat_id: str) -> None:
        """The platform says we may write there again (unblocked, re-added to the group)."""
        await Destination.filter(platform=platform, chat_id=chat_id).update(paused_reason=None)
