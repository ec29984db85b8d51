"""Sending waiting notifications: one message per person per batch interval."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from core.delivery import Outbox, OutboxItem, chat_key_for
from core.delivery.ports import OutboxRenderer
from core.domain import Platform
from core.notifications import Notifications, notification_key


class NotificationFlusher:
    def __init__(
        self,
        notifications: Notifications,
        outbox: Outbox,
        renderer: OutboxRenderer,
        default_language: str,
    ) -> None:
        self._notifications = notifications
        self._outbox = outbox
        self._renderer = renderer
        self._default_language = default_language

    async def flush(self) -> set[Platform]:
        """Batch what is due; returns the platforms that got messages to send."""
        platforms: set[Platform] = set()
        for recipient_id in await self._notifications.recipients_due():
            async with in_transaction():  # the batch and its message, or neither
                batch = await self._notifications.open_batch(recipient_id)
                if batch is None:
                    continue
                language = batch.recipient.language or self._default_language
                reply = self._renderer.notification(language, batch.notifications)
                platform = Platform(batch.chat.platform)
                await self._outbox.add(
                    [
                        OutboxItem(
                            platform=platform,
                            chat_key=chat_key_for(batch.chat.target),
                            target=dict(batch.chat.target),
                            reply=reply,
                            dedupe_key=notification_key(batch.batch.id),
                        )
                    ]
                )
                platforms.add(platform)
        return platforms
