"""What adapters hand to the command layer: who acts, where, and what they asked for."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.domain import ChatKind, Platform


@dataclass(frozen=True, slots=True)
class Actor:
    platform: Platform
    user_id: str
    display_name: str
    handle_hint: str = ""
    locale: str | None = None  # the platform's idea of the user's language
    chat_id: str | None = None  # where the message was typed (Telegram chat, Discord channel)
    chat_kind: ChatKind = ChatKind.PRIVATE
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
