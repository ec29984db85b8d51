"""Where a person is reached privately (core/notifications.py `remember_direct_chat`): one
upsert per change, on SQLite and PostgreSQL; another process's memory does not stop a
change from being written, and the latest chat is the one used."""

from __future__ import annotations

from datetime import timedelta

from bot.bootstrap import App
from core.clock import FakeClock
from core.domain import Platform
from core.notifications import Notifications
from core.persistence.models import Account, DirectChat


async def test_a_direct_chat_is_made_then_moved_and_the_latest_is_used(
    app: App, clock: FakeClock
) -> None:
    person = await Account.create(handle="reach", display_name="Reach")
    here, there = (Notifications(clock, timedelta(minutes=5)) for _ in range(2))
    await here.remember_direct_chat(person.id, Platform.TELEGRAM, {"chat_id": "1"})
    await there.remember_direct_chat(person.id, Platform.TELEGRAM, {"chat_id": "2"})
    await here.remember_direct_chat(person.id, Platform.DISCORD, {"user": "9"})
    rows = await DirectChat.filter(account_id=person.id).order_by("platform")
    assert [(r.platform, r.target) for r in rows] == [
        (Platform.DISCORD, {"user": "9"}),
        (Platform.TELEGRAM, {"chat_id": "2"}),
    ]
    latest = await here.direct_chat(person.id)
    assert latest is not None and latest.platform is Platform.DISCORD
    await there.remember_direct_chat(person.id, Platform.TELEGRAM, {"chat_id": "3"})
    latest = await here.direct_chat(person.id)
    assert latest is not None and (latest.platform, latest.target) == (
        Platform.TELEGRAM,
        {"chat_id": "3"},
    )
