"""The ports delivery speaks through: a live `Conversation`, an out-of-band `Messenger`,
and the `OutboxRenderer` that words what the scheduler queues.

Each adapter implements the first two for its platform (the console, Telegram, Discord);
`bot/commands` implements the renderer; `bot/bootstrap.py` wires them. Commands, services, the
scheduler and the outbox sender only see these protocols and the neutral `Reply`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

from core.delivery.replies import Reply
from core.domain import Platform

if TYPE_CHECKING:
    from core.digests.compose import ComposedDigest
    from core.persistence.models import Notification


# A message handle: whatever an adapter needs to edit a message it sent (Telegram's
# `TelegramMessage`, Discord's `DiscordMessage`; opaque to handlers). The ports are generic
# over it, so each adapter's `edit` takes exactly the handle its own `send` returned.
Handle = TypeVar("Handle")
Handle_co = TypeVar("Handle_co", covariant=True)


class Conversation(Protocol[Handle]):
    """Where replies to one invocation go; lets a handler send now and edit later.

    `reply_target()` is JSON-able data that lets the platform's `Messenger` reach the same
    person or chat later, when this conversation is gone (a restart, an expired Discord
    interaction token).
    """

    async def send(self, reply: Reply) -> Handle: ...

    async def edit(self, handle: Handle, reply: Reply) -> None: ...

    def reply_target(self) -> dict[str, str]: ...


@runtime_checkable
class PostLinks(Protocol):
    """A conversation on a platform that has shareable links to posts (Telegram deep links)."""

    def post_link(self, post_id: int) -> str: ...


class Messenger(Protocol[Handle_co]):
    """Sends outside any live conversation, to a target from `Conversation.reply_target()`."""

    async def send_to(self, target: dict[str, str], reply: Reply) -> Handle_co: ...


@runtime_checkable
class DirectMessenger(Protocol):
    """A messenger that can reach a person privately by their platform user id."""

    def direct_target(self, user_id: str) -> dict[str, str]: ...


@runtime_checkable
class EditingMessenger(Protocol):
    """A messenger that can edit a message the bot sent, named by the `ref` its conversation
    gave (`MessageRefs`), from any process: over the platform's HTTP API, or queued in the
    outbox for the process that sends that platform (`QueuedMessenger`)."""

    async def edit_to(self, target: dict[str, str], ref: str, reply: Reply) -> None: ...


@runtime_checkable
class MessageRefs(Protocol):
    """A conversation whose messages can be named for a later edit by another process."""

    def message_ref(self, handle: Any) -> str | None:
        """What `EditingMessenger.edit_to` needs besides the target (None: not editable)."""
        ...


@runtime_checkable
class EditTokens(Protocol):
    """A conversation whose messages another process can edit only with a secret token
    that expires (a Discord interaction's): kept with the job, never in a ref or target
    (`core.generation.status_tokens`)."""

    def edit_token(self) -> tuple[str, datetime] | None:
        """The token and when it stops working (None: none, or expired already)."""
        ...


@runtime_checkable
class RetractingMessenger(Protocol):
    """A messenger that can delete a message the bot sent."""

    async def delete(self, chat_id: str, message_id: str) -> bool: ...


class OutboxRenderer(Protocol):
    """Words what the scheduler and the outbox's outcomes queue, as serialized replies for the
    outbox (buttons already tokenized), like `core.crossposts.CrossPostRenderer` does for
    cross-posts."""

    async def digest(
        self, digest: ComposedDigest, platform: Platform, viewer_id: int
    ) -> dict[str, Any]:
        """A digest for `platform`; owner-only buttons are bound to `viewer_id`."""
        ...

    def paused_notice(
        self, language: str, subscription_id: int, place: str, reason: str
    ) -> dict[str, Any]:
        """Tells a subscriber that `place` refused their digest, and how to resume it."""
        ...

    def notification(self, language: str, notifications: Sequence[Notification]) -> dict[str, Any]:
        """One batch of a person's notifications."""
        ...
