"""Shared pieces for digest tests: people, posts, a scriptable recording messenger."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.bootstrap import App
from bot.invocation import Actor
from core.clock import MonotonicTimer
from core.delivery.pacing import PaceLimits
from core.delivery.replies import Reply
from core.delivery.sender import OutboxSender
from core.domain import ChatKind, Platform
from core.persistence.models import Account, Post
from core.social import Origin
from tests.support.chat import ChatUser, RecordingConversation
from tests.support.images import png_bytes

FAST = PaceLimits(
    overall_per_second=10_000, chat_interval=0.0, window_messages=10_000, window_seconds=1.0
)

Script = Callable[[dict[str, str], Reply], None]


@dataclass
class RecordingMessenger:
    """Records what it is asked to send; `script` may raise a delivery error instead."""

    sent: list[tuple[dict[str, str], Reply]] = field(default_factory=list)
    script: Script | None = None
    calls: int = 0

    async def send_to(self, target: dict[str, str], reply: Reply) -> int:
        self.calls += 1
        if self.script is not None:
            self.script(target, reply)
        self.sent.append((target, reply))
        await asyncio.sleep(0)
        return len(self.sent)

    def to(self, **target: str) -> list[Reply]:
        return [reply for where, reply in self.sent if where == target]


@dataclass
class PlaceConversation(RecordingConversation):
    target: dict[str, str] = field(default_factory=dict)

    def reply_target(self) -> dict[str, str]:
        return dict(self.target)


def dm_user(app: App, name: str) -> ChatUser:
    """A console user in a private chat; their messages reach `{"user": name}`."""
    user = ChatUser(app, name)
    user.conversation = PlaceConversation(target={"user": name})
    return user


def group_admin(app: App, name: str, chat: str, *, admin: bool = True) -> ChatUser:
    user = ChatUser(app, name)
    user.actor = Actor(
        Platform.CONSOLE,
        name,
        name,
        handle_hint=name,
        chat_id=chat,
        chat_kind=ChatKind.GROUP,
        server_id=chat,
        is_admin=admin,
    )
    user.conversation = PlaceConversation(target={"chat_id": chat})
    return user


async def account(app: App, name: str) -> Account:
    return await app.services.accounts.resolve(Platform.CONSOLE, name, name, handle_hint=name)


async def opted_in(app: App, person: Account) -> Account:
    """The person confirmed their age and sees (and makes) sensitive posts."""
    person.sensitive_confirmed_at = app.services.clock.now()
    await person.save(update_fields=["sensitive_confirmed_at"])
    return person


async def pictures(
    app: App, author: Account, count: int, prompt: str = "a lighthouse"
) -> list[Post]:
    made = []
    for n in range(count):
        made.append(
            await app.services.posts.create(
                author,
                png_bytes((40 + n * 20 % 200, 90, 160 - n * 7 % 150), size=(96, 72)),
                origin=Origin(Platform.CONSOLE),
                caption=f"{prompt} {n}",
            )
        )
    return made


def console_sender(app: App, messenger: RecordingMessenger) -> OutboxSender:
    return app.add_messenger(Platform.CONSOLE, messenger, limits=FAST, timer=MonotonicTimer())


async def deliver(app: App, sender: OutboxSender) -> None:
    """One scheduler tick, then until the sender has nothing left that is due."""
    await app.scheduler.tick()
    await asyncio.wait_for(sender.drain(), 20)
