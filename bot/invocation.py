"""What adapters hand to the command layer: who acts, where, and what they asked for."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from core.domain import ChatKind, Platform
from core.errors import InvalidInput

MEGABYTE = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Actor:
    platform: Platform
    user_id: str
    display_name: str
    handle_hint: str = ""
    locale: str | None = None  # the platform's idea of the user's language
    chat_id: str | None = None  # where the message was typed (Telegram chat, Discord channel)
    chat_kind: ChatKind = ChatKind.PRIVATE
    chat_title: str = ""  # the group's or channel's name, as the platform reported it
    server_id: str | None = None  # Discord guild; for Telegram groups the chat id again
    is_admin: bool = False  # the adapter checked: may manage this server/group
    # The member's roles in the server (Discord role ids and lower-case names; Telegram
    # has none), as the platform reported them: server policies may limit generation to one.
    roles: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Invocation:
    """A command: `command` is the full name ("follow", "settings language")."""

    actor: Actor
    command: str
    args: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Press:
    """A button press; `text` answers the button's TextInput, if it has one."""

    actor: Actor
    token: str
    text: str | None = None


@dataclass(frozen=True, slots=True)
class Upload:
    """A file the person attached to a command (a Discord attachment option, a Telegram photo
    or document): what the platform said about it, and how to fetch its bytes.

    `size` and `content_type` are the platform's word (None where it said nothing); the
    command layer refuses what they rule out before anything is downloaded, and `read` checks
    the bytes that came. `fetch(limit)` downloads them; it may refuse a file it learns is
    over `limit` first (Telegram's getFile tells the size).
    """

    filename: str
    size: int | None
    content_type: str | None
    fetch: Callable[[int], Awaitable[bytes]] = field(repr=False, compare=False)

    async def read(self, limit: int) -> bytes:
        """The file's bytes; over `limit` is refused (before the download when the platform
        gave the size)."""
        self.check_size(limit)
        data = await self.fetch(limit)
        if len(data) > limit:
            raise too_big(self.filename, len(data), limit)
        return data

    def check_size(self, limit: int) -> None:
        if self.size is not None and self.size > limit:
            raise too_big(self.filename, self.size, limit)

    @property
    def is_image(self) -> bool | None:
        """Whether the platform called it an image (None: it did not say)."""
        if not self.content_type:
            return None
        return self.content_type.lower().startswith("image/")


def too_big(filename: str, size: int | None, limit: int) -> InvalidInput:
    """The refusal of a file over `limit` (`size` None: the platform only said it is over)."""
    if size is None:
        return InvalidInput(
            "error.upload_over_limit", name=filename[:80], limit_mb=limit // MEGABYTE
        )
    return InvalidInput(
        "error.upload_too_big",
        name=filename[:80],
        size_mb=f"{size / MEGABYTE:.1f}",
        limit_mb=limit // MEGABYTE,
    )
