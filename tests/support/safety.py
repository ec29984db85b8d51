"""A messenger that records notices and takedowns, and people placed in servers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace

from bot.bootstrap import App
from core.clock import MonotonicTimer
from core.delivery.pacing import PaceLimits
from core.delivery.replies import Reply
from core.delivery.sender import OutboxSender
from core.domain import ChatKind, Platform
from tests.support.chat import ChatUser

FAST = PaceLimits(
    overall_per_second=10_000, chat_interval=0.0, window_messages=10_000, window_seconds=1.0
)


@dataclass
class RecordingMessenger:
    """Stands in for a platform's messenger: what was sent to whom, what was deleted."""

    sent: list[tuple[dict[str, str], Reply]] = field(default_factory=list)
    deleted: list[tuple[str, str]] = field(default_factory=list)
    app: App | None = None
    sender: OutboxSender | None = None

    async def flush(self) -> None:
        """One scheduler tick, then until the outbox sender (takedowns) is done."""
        assert self.app is not None and self.sender is not None
        await self.app.scheduler.tick()
        await asyncio.wait_for(self.sender.drain(), 20)

    async def send_to(self, target: dict[str, str], reply: Reply) -> int:
        self.sent.append((dict(target), reply))
        return len(self.sent)

    def direct_target(self, user_id: str) -> dict[str, str]:
        return {"user": user_id}

    async def delete(self, chat_id: str, message_id: str) -> bool:
        self.deleted.append((chat_id, message_id))
        return True

    def texts_to(self, user_id: str) -> list[str]:
        return [reply.text for target, reply in self.sent if target.get("user") == user_id]


def recording_messenger(app: App, platform: Platform = Platform.DISCORD) -> RecordingMessenger:
    """Notices go to it at once; takedowns once `flush` lets its outbox sender work."""
    messenger = RecordingMessenger(app=app)
    messenger.sender = app.add_messenger(platform, messenger, limits=FAST, timer=MonotonicTimer())
    return messenger


def in_server(user: ChatUser, server: str, *, admin: bool = False) -> ChatUser:
    user.actor = replace(
        user.actor,
        server_id=server,
        chat_id=f"{server}-general",
        chat_kind=ChatKind.CHANNEL,
        is_admin=admin,
    )
    return user
