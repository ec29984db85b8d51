"""Where replies go: the chat an update came from (`Conversation`), or a chat named by a
stored target (`Messenger`, for messages outside any live update)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
from telegram.error import BadRequest, ChatMigrated, NetworkError, RetryAfter

from bot.adapters.telegram._delivery import ReplyDelivery, TelegramMessage
from bot.adapters.telegram._sender import ChatUnavailable, retry_seconds
from bot.adapters.telegram._translate import ChatRef, post_link
from core.delivery import (
    DeliveryBlocked,
    DeliveryRetryAfter,
    DeliveryTransient,
    DestinationMoved,
)
from core.delivery.replies import Reply
from core.destinations import Destinations
from core.domain import ChatKind, Platform

log = logging.getLogger(__name__)


class TelegramConversation:
    """Replies to one update. In a group the first reply quotes the command it answers."""

    def __init__(
        self,
        delivery: ReplyDelivery,
        chat: ChatRef,
        *,
        bot_username: Callable[[], str],
        quote: int | None = None,
    ) -> None:
        self._delivery = delivery
        self._chat = chat
        self._bot_username = bot_username
        self._quote = quote

    async def send(self, reply: Reply) -> TelegramMessage | None:
        quote, self._quote = self._quote, None
        return await self._delivery.send(self._chat, reply, reply_to=quote)

    async def edit(self, handle: TelegramMessage | None, reply: Reply) -> None:
        if handle is not None:
            await self._delivery.edit(handle, reply)

    def reply_target(self) -> dict[str, str]:
        return target_for(self._chat)

    def message_ref(self, handle: TelegramMessage | None) -> str | None:
        """`TelegramMessenger.edit_to` edits this message from any process."""
        if handle is None:
            return None
        return f"{handle.message_id}{MEDIA if handle.media else ''}"

    def post_link(self, post_id: int) -> str:
        return post_link(self._bot_username(), post_id)


def _maybe_arrived(error: NetworkError) -> bool:
    """Whether Telegram may have the message: anything but a connection that could not be
    opened (or a request that waited for one) means the request went out."""
    return not isinstance(
        error.__cause__, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout
    )


MEDIA = ":media"  # a message_ref's suffix: a photo or document, whose caption is edited


def target_for(chat: ChatRef) -> dict[str, str]:
    return {"platform": Platform.TELEGRAM.value, "chat_id": str(chat.id), "kind": chat.kind.value}


def chat_of(target: dict[str, str]) -> ChatRef:
    return ChatRef(int(target["chat_id"]), ChatKind(target.get("kind", ChatKind.PRIVATE.value)))


# Bot API answers to an edit of a message it will not edit any more
UNEDITABLE = ("message to edit not found", "message can't be edited")


class TelegramMessenger:
    """Sends to a stored target; refuses chats that blocked or removed the bot.

    `send_to` speaks the neutral delivery errors of `core.delivery` (the outbox sender acts
    on them): `DeliveryBlocked` (`ChatUnavailable` is one) for a chat that blocked or removed
    the bot or does not exist,
    `DeliveryRetryAfter` for a 429 the sender's own retries did not absorb,
    `DestinationMoved` for a group that became a supergroup (PTB's `ChatMigrated`: the outbox
    moves the destination, its subscriptions and waiting messages, then sends there), and
    `DeliveryTransient` when no connection could be made. When the request went out and its
    answer was lost (a cut connection, a read timeout) the message may have arrived: it is
    not sent again (a second copy is worse than a missing one).
    """

    def __init__(self, delivery: ReplyDelivery, destinations: Destinations) -> None:
        self._delivery = delivery
        self._destinations = destinations

    async def send_to(self, target: dict[str, str], reply: Reply) -> TelegramMessage | None:
        try:
            return await self._send_to(target, reply)
        except RetryAfter as flood:
            raise DeliveryRetryAfter(retry_seconds(flood)) from flood
        except ChatMigrated as migrated:
            raise DestinationMoved(str(migrated.new_chat_id)) from migrated
        except BadRequest as error:
            if "chat not found" in error.message.lower():
                raise DeliveryBlocked(f"telegram: {error.message}") from error
            raise
        except NetworkError as error:  # TimedOut too
            if not _maybe_arrived(error):
                raise DeliveryTransient(f"telegram: {error.message}") from error
            # The request reached Telegram and the answer was lost. The Bot API has no
            # idempotency key and no way to look a message up, so sending it again would
            # risk a second copy (issue #16): it counts as sent.
            log.warning("telegram: no answer to a send to %s (%s); not resent", target, error)
            return None

    async def edit_to(self, target: dict[str, str], ref: str, reply: Reply) -> None:
        """Edit the message `ref` names (`TelegramConversation.message_ref`) in the target's
        chat; one Telegram no longer lets us edit (deleted, too old) is sent anew instead.
        An edit whose answer was lost is tried again (a second edit changes nothing)."""
        chat = chat_of(target)
        message_id, media = ref.removesuffix(MEDIA), ref.endswith(MEDIA)
        handle = TelegramMessage(ChatRef(chat.id, chat.kind), int(message_id), media)
        try:
            await self._delivery.edit(handle, reply)
        except BadRequest as error:
            if "chat not found" in error.message.lower():
                raise DeliveryBlocked(f"telegram: {error.message}") from error
            if not any(m in error.message.lower() for m in UNEDITABLE):
                raise
            log.info("telegram: message %s in %s: %s; sent anew", ref, chat.id, error.message)
            await self.send_to(target, reply)
        except RetryAfter as flood:
            raise DeliveryRetryAfter(retry_seconds(flood)) from flood
        except ChatMigrated as migrated:
            raise DestinationMoved(str(migrated.new_chat_id)) from migrated
        except NetworkError as error:
            raise DeliveryTransient(f"telegram: {error.message}") from error

    async def _send_to(self, target: dict[str, str], reply: Reply) -> TelegramMessage | None:
        chat = chat_of(target)
        place = await self._destinations.find(Platform.TELEGRAM, str(chat.id))
        if place is not None and place.paused_reason is not None:
            raise ChatUnavailable(chat.id, place.paused_reason)
        return await self._delivery.send(chat, reply, follow_moves=False)

    def direct_target(self, user_id: str) -> dict[str, str]:
        """A person's private chat with the bot (its id is the user's id)."""
        return {"chat_id": user_id, "kind": ChatKind.PRIVATE.value}

    async def delete(self, chat_id: str, message_id: str) -> bool:
        """Delete a message the bot sent (a takedown); True when it is gone."""
        return await self._delivery.delete(int(chat_id), int(message_id))
