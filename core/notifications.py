"""Notifications: a DM when someone follows you, likes, comments on or remixes your post.

Services report what happened (`happened()`); nothing is sent right away. Every few minutes
the scheduler gathers each person's waiting notifications into one `NotificationBatch` (at
most one per `every` per person) and queues one message for it in the outbox. Each kind can
be switched off. People are reached in the private chat they last used with Mosaic
(`DirectChat`, remembered by the dispatcher).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Protocol

from pypika_tortoise import Query, Table
from tortoise import timezone
from tortoise.expressions import Subquery

from core.clock import Clock
from core.domain import Platform
from core.errors import InvalidInput
from core.persistence.columns import column
from core.persistence.models import (
    Account,
    DirectChat,
    Notification,
    NotificationBatch,
    NotificationPreference,
)
from core.persistence.statements import Slot, Written, db_value, value, write
from core.persistence.unit_of_work import TortoiseUnitOfWork, UnitOfWorkFactory

KINDS: tuple[str, ...] = ("follow", "like", "comment", "remix")


def notification_key(batch_id: int) -> str:
    """The outbox key of one batch of notifications."""
    return f"notify:{batch_id}"


class SocialEvents(Protocol):
    """What social services tell about things that happened (core.social takes one)."""

    async def happened(
        self, kind: str, recipient_id: int, actor_id: int, post_id: int | None = None
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class Batch:
    batch: NotificationBatch
    recipient: Account
    chat: DirectChat
    notifications: list[Notification]


class Notifications:
    def __init__(
        self,
        clock: Clock,
        every: timedelta,
        *,
        remember: int = 10_000,
        units: UnitOfWorkFactory = TortoiseUnitOfWork,
    ) -> None:
        self._clock = clock
        self._units = units
        self.every = every
        self._known_chats: OrderedDict[tuple[int, str], str] = OrderedDict()
        self._remember = remember

    async def happened(
        self, kind: str, recipient_id: int, actor_id: int, post_id: int | None = None
    ) -> None:
        """Note it for the recipient unless they turned that kind off: one statement (it was
        a query of the preference and the ORM's INSERT, two round trips in every like)."""
        if recipient_id == actor_id:
            return
        db = Notification._meta.db
        now = db_value(Notification, "created_at", self._clock.now())
        await db.execute_query(
            _notifying(db.capabilities.dialect), [recipient_id, kind, actor_id, post_id, now]
        )

    async def set_enabled(self, account: Account, kind: str, enabled: bool) -> None:
        if kind not in KINDS:
            raise InvalidInput("error.bad_choice", value=kind, choices=", ".join(KINDS))
        async with self._units():
            await NotificationPreference.update_or_create(
                defaults={"enabled": enabled}, account_id=account.id, kind=kind
            )
            if not enabled:  # what waits of that kind is not wanted any more either
                waiting = Notification.filter(recipient_id=account.id, kind=kind, batch_id=None)
                await waiting.delete()

    async def preferences(self, account: Account) -> dict[str, bool]:
        off = set(
            await column(
                NotificationPreference.filter(account_id=account.id, enabled=False), "kind"
            )
        )
        return {kind: kind not in off for kind in KINDS}

    async def remember_direct_chat(
        self, account_id: int, platform: Platform, target: dict[str, str]
    ) -> None:
        """Where `account_id` talks to us privately on `platform` (cached: one write per change)."""
        key, value = (account_id, platform.value), repr(sorted(target.items()))
        if self._known_chats.get(key) == value:
            return
        db = DirectChat._meta.db
        upserting = _remembering_chat(db.query_class)  # type: ignore[arg-type]
        bound = {
            _ACCOUNT: account_id,
            _PLATFORM: platform.value,
            _TARGET: db_value(DirectChat, "target", target),
            _AT: db_value(DirectChat, "updated_at", timezone.now()),  # as auto_now: real time
        }
        await db.execute_query(upserting.sql, upserting.bind(bound))
        self._known_chats[key] = value
        while len(self._known_chats) > self._remember:
            self._known_chats.popitem(last=False)

    async def direct_chat(self, account_id: int) -> DirectChat | None:
        return await DirectChat.filter(account_id=account_id).order_by("-updated_at").first()

    async def recipients_due(self, limit: int = 200) -> list[int]:
        """People with waiting notifications whose last batch is at least `every` old."""
        now = self._clock.now()
        recent = Subquery(
            NotificationBatch.filter(created_at__gt=now - self.every).values("recipient_id")
        )
        rows = await column(
            Notification.filter(batch_id=None)
            .exclude(recipient_id__in=recent)
            .distinct()
            .limit(limit),
            "recipient_id",
        )
        return list(rows)

    async def open_batch(self, recipient_id: int) -> Batch | None:
        """Gather the waiting notifications of one person (call inside a transaction)."""
        chat = await self.direct_chat(recipient_id)
        waiting = Notification.filter(recipient_id=recipient_id, batch_id=None)
        if chat is None:  # nowhere to send them: drop them rather than pile them up
            await waiting.delete()
            return None
        batch = await NotificationBatch.create(
            recipient_id=recipient_id, created_at=self._clock.now()
        )
        moved = await waiting.update(batch_id=batch.id)
        if not moved:
            await batch.delete()
            return None
        notifications = (
            await Notification.filter(batch_id=batch.id)
            .order_by("created_at", "id")
            .select_related("actor")
        )
        recipient = await Account.get(id=recipient_id)
        return Batch(batch, recipient, chat, notifications)


_DIRECT_CHAT = Table("direct_chat")
_ACCOUNT, _PLATFORM, _TARGET, _AT = (Slot(n) for n in ("account", "platform", "target", "at"))


@lru_cache(maxsize=4)
def _notifying(dialect: str) -> str:
    """INSERT INTO notification (…) SELECT <values> WHERE NOT EXISTS (the recipient's
    preference turning the kind off). The values are typed for PostgreSQL, which cannot infer
    them from a SELECT list (SQLite's `?N` and PostgreSQL's `$N` are numbered: used twice)."""
    if dialect == "postgres":
        types = ("BIGINT", "VARCHAR", "BIGINT", "BIGINT", "TIMESTAMPTZ")
        marks = [f"CAST(${n} AS {t})" for n, t in enumerate(types, start=1)]
        recipient, kind = "$1", "$2"
    else:
        marks = [f"?{n}" for n in range(1, 6)]
        recipient, kind = "?1", "?2"
    return (
        'INSERT INTO "notification" ("recipient_id", "kind", "actor_id", "post_id", "created_at")'
        f" SELECT {', '.join(marks)} WHERE NOT EXISTS (SELECT 1 FROM"
        f' "notification_preference" WHERE "account_id" = {recipient} AND "kind" = {kind}'
        ' AND NOT "enabled")'
    )


@lru_cache(maxsize=4)
def _remembering_chat(query_class: type[Query]) -> Written:
    """INSERT INTO direct_chat (account_id, platform, target, updated_at) VALUES (…) ON
    CONFLICT (account_id, platform) DO UPDATE SET target = …, updated_at = …: one statement
    (update_or_create was a transaction of a locking SELECT and a write)."""
    statement = (
        query_class.into(_DIRECT_CHAT)
        .columns("account_id", "platform", "target", "updated_at")
        .insert(value(_ACCOUNT), value(_PLATFORM), value(_TARGET), value(_AT))
        .on_conflict("account_id", "platform")
        .do_update("target", value(_TARGET))
        .do_update("updated_at", value(_AT))
    )
    return write(query_class, statement)
