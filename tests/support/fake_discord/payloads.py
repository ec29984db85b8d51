"""Discord API objects as the gateway and REST API send them (only what discord.py reads)."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

DISCORD_EPOCH_MS = 1420070400000
_increment = itertools.count()

MANAGE_GUILD = 1 << 5
SEND_MESSAGES = 1 << 11
MEMBER_PERMISSIONS = (1 << 10) | SEND_MESSAGES | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 31)
APP_PERMISSIONS = MEMBER_PERMISSIONS | (1 << 6)


def snowflake() -> int:
    """A fresh, increasing Discord id (timestamp bits from the real clock)."""
    millis = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return (millis << 22) | (next(_increment) & 0x3FFFFF)


def iso_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())


@dataclass(frozen=True, slots=True)
class FakeUser:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    roles: list[int] = field(default_factory=list)  # role ids in every guild (a fake)

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.global_name,
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }


@dataclass(frozen=True, slots=True)
class Place:
    """Where an interaction happens: a guild text channel, or a DM."""

    channel_id: int
    guild_id: int | None = None
    guild_locale: str = "en-US"

    @property
    def is_dm(self) -> bool:
        return self.guild_id is None

    def channel_payload(self, user: FakeUser) -> dict[str, Any]:
        if self.guild_id is None:
            return {
                "id": str(self.channel_id),
                "type": 1,
                "last_message_id": None,
                "recipients": [user.payload()],
                "flags": 0,
            }
        return {
            "id": str(self.channel_id),
            "type": 0,
            "guild_id": str(self.guild_id),
            "name": "general",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }


def member_payload(user: FakeUser, *, admin: bool) -> dict[str, Any]:
    permissions = MEMBER_PERMISSIONS | (MANAGE_GUILD if admin else 0)
    return {
        "user": user.payload(),
        "roles": [str(role) for role in user.roles],
        "joined_at": iso_now(),
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "nick": None,
        "avatar": None,
        "permissions": str(permissions),
    }


def message_payload(
    *,
    message_id: int,
    channel_id: int,
    author: FakeUser,
    body: dict[str, Any],
    attachments: list[dict[str, Any]],
    flags: int = 0,
    interaction_id: int | None = None,
    guild_id: int | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "author": author.payload(),
        "content": body.get("content") or "",
        "timestamp": iso_now(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": attachments,
        "embeds": body.get("embeds") or [],
        "components": body.get("components") or [],
        "pinned": False,
        "type": 0 if interaction_id is None else 20,
        "flags": flags,
    }
    if guild_id is not None:
        payload["guild_id"] = str(guild_id)
    return payload


@dataclass(frozen=True, slots=True)
class FakeAttachment:
    """A file a person attached to a slash command's ATTACHMENT option (`FakeDiscord.attach`):
    Discord keeps it on its CDN behind a signed, expiring link."""

    id: int
    filename: str
    data: bytes = field(repr=False)
    content_type: str | None  # Discord's guess from the bytes; absent when it has none
    width: int | None = None
    height: int | None = None

    @property
    def size(self) -> int:
        return len(self.data)
