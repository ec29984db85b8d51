"""Showing replies in a chat and changing them later (progress edits, a preview's outcome).

Images are read from the store off the event loop, once per reply, so a retried upload sends
the same bytes. Messages that show a post are recorded (`SentMessages`) for reactions and
takedowns.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from telegram import Message
from telegram.error import BadRequest, TelegramError

from bot.adapters.telegram._sender import TelegramSender
from bot.adapters.telegram._translate import (
    ChatRef,
    Photo,
    caption_kwargs,
    media_kwargs,
    reply_calls,
    text_kwargs,
)
from core.delivery.replies import ImageRef, Reply
from core.delivery.sent_messages import SentMessages
from core.domain import ChatKind, Platform

log = logging.getLogger(__name__)


@dataclass(slots=True, eq=False)
class TelegramMessage:
    """The message that stands for a reply: its keyboard and text, or its photo and caption."""

    chat: ChatRef
    message_id: int
    media: bool  # a photo or document, whose caption (not text) is edited


class ReplyDelivery:
    def __init__(self, sender: TelegramSender, sent_messages: SentMessages) -> None:
        self._sender = sender
        self._sent_messages = sent_messages

    async def send(
        self,
        chat: ChatRef,
        reply: Reply,
        *,
        reply_to: int | None = None,
        follow_moves: bool = True,
    ) -> TelegramMessage | None:
        """Show `reply` in `chat`; with `follow_moves=False` a group that became a
        supergroup raises `ChatMigrated` instead of being followed (the outbox moves it)."""
        photos, files = await asyncio.gather(_load(reply.images), _load(reply.files))
        handle: TelegramMessage | None = None
        shown: list[Message] = []
        for call in reply_calls(reply, photos, files, reply_to=reply_to):
            result = await self._sender.to_chat(
                chat, call.method, follow_moves=follow_moves, **call.kwargs
            )
            messages = list(result) if isinstance(result, Sequence) else [result]
            shown += messages
            if call.main:
                first = messages[0]
                where = ChatRef(first.chat.id, chat.kind)
                handle = TelegramMessage(where, first.message_id, call.method != "send_message")
        await self._record(reply, shown)
        return handle

    async def edit(self, handle: TelegramMessage, reply: Reply) -> None:
        photos = await _load(reply.images)
        if not handle.media and not photos and not reply.files:
            await self._edit(handle, "edit_message_text", text_kwargs(reply))
        elif handle.media and len(photos) == 1 and not reply.files:
            await self._edit(handle, "edit_message_media", media_kwargs(reply, photos[0]))
        elif handle.media and not photos and not reply.files:
            await self._edit(handle, "edit_message_caption", caption_kwargs(reply))
        else:  # text cannot become a photo (nor one photo an album): replace the message
            await self._replace(handle, reply)
            return
        if reply.post_id is not None or reply.shows:
            await self._sent_messages.record(
                Platform.TELEGRAM,
                str(handle.chat.id),
                str(handle.message_id),
                reply.post_id,
                server_id=str(handle.chat.id) if handle.chat.kind is not ChatKind.PRIVATE else None,
                shows=reply.shows,
            )

    async def _edit(self, handle: TelegramMessage, method: str, kwargs: dict[str, Any]) -> None:
        try:
            await self._sender.to_chat(handle.chat, method, message_id=handle.message_id, **kwargs)
        except BadRequest as error:
            if "not modified" not in error.message.lower():
                raise

    async def delete(self, chat_id: int, message_id: int) -> bool:
        """Delete a message the bot sent (a takedown); True when it is gone."""
        try:
            await self._sender.call(
                "delete_message", chat_id=self._sender.current_id(chat_id), message_id=message_id
            )
        except BadRequest as error:
            if "not found" in error.message.lower():
                return True  # gone already
            log.warning("could not delete message %s in %s: %s", message_id, chat_id, error)
            return False
        except TelegramError as error:
            log.warning("could not delete message %s in %s: %s", message_id, chat_id, error)
            return False
        return True

    async def _replace(self, handle: TelegramMessage, reply: Reply) -> None:
        replacement = await self.send(handle.chat, reply)
        try:
            await self._sender.call(
                "delete_message",
                chat_id=self._sender.current_id(handle.chat.id),
                message_id=handle.message_id,
            )
        except TelegramError as error:  # too old to delete, or already gone: both harmless
            log.info("could not delete replaced message: %s", error.message)
        if replacement is not None:
            handle.chat, handle.message_id = replacement.chat, replacement.message_id
            handle.media = replacement.media

    async def _record(self, reply: Reply, messages: list[Message]) -> None:
        if reply.post_id is None and not reply.shows:
            return
        for message in messages:
            group = message.chat.type != "private"  # a group's id is its server id
            await self._sent_messages.record(
                Platform.TELEGRAM,
                str(message.chat.id),
                str(message.message_id),
                reply.post_id,
                server_id=str(message.chat.id) if group else None,
                shows=reply.shows,
            )


async def _load(images: Sequence[ImageRef]) -> list[Photo]:
    if not images:
        return []
    return [
        Photo(data, image.filename)
        for image, data in zip(
            images,
            await asyncio.gather(*(asyncio.to_thread(i.path.read_bytes) for i in images)),
            strict=True,
        )
    ]
