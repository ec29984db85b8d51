"""The chats, groups, channels and servers the bot lives in, and their settings."""

from __future__ import annotations

from core.domain import ChatKind, Platform
from core.errors import InvalidInput
from core.i18n import LANGUAGES
from core.persistence.local_copies import ChangeNotices, LocalCopies
from core.persistence.models import Destination, Post
from core.persistence.unit_of_work import TortoiseUnitOfWork, UnitOfWorkFactory


def place_changed(platform: Platform, chat_id: str) -> str:
    """The change-notice tag of a chat's settings (its Destination row, or that it has none)."""
    return f"place:{platform.value}:{chat_id}"


def destination_changed(destination_id: int) -> str:
    """The same, for writers that know the row's id."""
    return f"destination:{destination_id}"


class Destinations:
    def __init__(
        self, units: UnitOfWorkFactory = TortoiseUnitOfWork, notices: ChangeNotices | None = None
    ) -> None:
        self._units = units
        self._notices = notices or ChangeNotices()
        # each chat's settings (or that it has none), kept per process: `find` runs for
        # every reply (a paused chat) and every command in a group (its language)
        self._known: LocalCopies[tuple[Platform, str], tuple[Destination | None]] = (
            self._notices.copies()
        )

    async def changed(self, platform: Platform, chat_id: str) -> None:
        await self._notices.changed(place_changed(platform, chat_id))

    async def get(
        self, platform: Platform, chat_id: str, *, kind: ChatKind = ChatKind.GROUP, title: str = ""
    ) -> Destination:
        destination, created = await Destination.get_or_create(
            platform=platform, chat_id=chat_id, defaults={"kind": kind, "title": title[:128]}
        )
        if not created and title and destination.title != title[:128]:
            destination.title = title[:128]
            await destination.save(update_fields=["title"])
            created = True
        if created:
            await self.changed(platform, chat_id)
        return destination

    async def find(self, platform: Platform, chat_id: str) -> Destination | None:
        """The chat's settings, None if it has none (both kept per process)."""
        key = (platform, chat_id)
        if (kept := self._known.get(key)) is not None:
            return kept[0]
        drops = self._known.drops
        found = await Destination.get_or_none(platform=platform, chat_id=chat_id)
        tags = [place_changed(platform, chat_id)]
        if found is not None:
            tags.append(destination_changed(found.id))
        self._known.put(key, (found,), *tags, loaded_after=drops)
        return found

    async def set_language(self, destination: Destination, language: str) -> None:
        if language not in LANGUAGES:
            raise InvalidInput("error.bad_choice", value=language, choices=", ".join(LANGUAGES))
        destination.language = language
        await destination.save(update_fields=["language"])
        await self.changed(destination.platform, destination.chat_id)

    async def set_generation_allowed(self, destination: Destination, allowed: bool) -> None:
        destination.generation_allowed = allowed
        await destination.save(update_fields=["generation_allowed"])
        await self.changed(destination.platform, destination.chat_id)

    async def set_nsfw_allowed(self, destination: Destination, allowed: bool) -> None:
        destination.nsfw_allowed = allowed
        await destination.save(update_fields=["nsfw_allowed"])
        await self.changed(destination.platform, destination.chat_id)

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
            await self._notices.changed(
                place_changed(platform, old_chat_id), place_changed(platform, new_chat_id)
            )

    async def pause(self, platform: Platform, chat_id: str, reason: str) -> None:
        await Destination.filter(platform=platform, chat_id=chat_id).update(
            paused_reason=reason[:200]
        )
        await self.changed(platform, chat_id)

    async def resume(self, platform: Platform, chat_id: str) -> None:
        """The platform says we may write there again (unblocked, re-added to the group)."""
        await Destination.filter(platform=platform, chat_id=chat_id).update(paused_reason=None)
        await self.changed(platform, chat_id)
