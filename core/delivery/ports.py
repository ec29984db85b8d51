"""The ports delivery speaks through: a live `Conversation`, an out-of-band `Messenger`.

Each adapter implements them for its platform (the console, Telegram, Discord); commands,
services and the outbox sender only see these protocols and the neutral `Reply`.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from core.delivery.replies import Reply


class MessageHandle(Protocol):
    """Whatever an adapter needs to edit a message it sent (opaque to handlers)."""


class Conversation(Protocol):
    """Where replies to one invocation go; lets a handler send now and edit later.

    `reply_target()` is JSON-able data that lets the platform's `Messenger` reach the same
    person or chat later, when this conversation is gone (a restart, an expired Discord
    interaction token).
    """

    async def send(self, reply: Reply) -> MessageHandle: ...

    async def edit(self, handle: MessageHandle, reply: Reply) -> None: ...

    def reply_target(self) -> dict[str, str]: ...


@runtime_checkable
class PostLinks(Protocol):
    """A conversation on a platform that has shareable links to posts (Telegram deep links)."""

    def post_link(self, post_id: int) -> str: ...


class Messenger(Protocol):
    """Sends outside any live conversation, to a target from `Conversation.reply_target()`."""

    async def send_to(self, target: dict[str, str], reply: Reply) -> MessageHandle: ...


@runtime_checkable
class DirectMessenger(Protocol):
    """A messenger that can reach a person privately by their platform user id."""

    def direct_target(self, user_id: str) -> dict[str, str]: ...


@runtime_checkable
class RetractingMessenger(Protocol):
    """A messenger that can delete a message the bot sent."""

    async def delete(self, chat_id: str, message_id: str) -> bool: ...
