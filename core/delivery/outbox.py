"""The outbox: every message that is not a reply is a row here before it is sent.

Rows are added in the same transaction as whatever decided to send them (a digest run, a
notification batch); `dedupe_key` is unique, so deciding twice still queues one message.
One process per platform sends (pacing is per bot token, so one sender per platform in the
whole cluster), and a new sender first takes back the rows its dead predecessor was sending:
those are sent again, because nobody can know whether the platform got them.

The sender may run in another process than the one that queued a message (a workers process
finishes a job; the Telegram process sends its preview). On PostgreSQL, adding rows sends a
NOTIFY in the same transaction, which wakes the platform's sender wherever it runs
(`core.persistence.wakes`); without it (SQLite, or the listener down) the sender finds them
at its next poll.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from pypika_tortoise import Query, Table
from pypika_tortoise.terms import NullValue, Star
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from core.button_tokens import Unstored, store, token_cells, token_rows
from core.clock import Clock
from core.domain import ChatKind, ModerationState, OutboxOperation, OutboxState, Platform
from core.persistence.models import Destination, OutboxMessage, Post, SentMessage
from core.persistence.statements import Slot, Written, db_value, literal, value, write
from core.persistence.wakes import OUTBOX_CHANNEL, Announcing, announce


@dataclass(frozen=True, slots=True)
class OutboxItem:
    platform: Platform
    chat_key: str  # the chat the platform limits (what the pacer counts)
    target: dict[str, str]  # the Messenger's target
    reply: dict[str, Any]  # a serialized Reply
    dedupe_key: str
    group_chat: bool = False
    run_id: int | None = None
    channel_id: int | None = None  # a cross-post: its Mosaic channel …
    post_id: int | None = None  # … and the post it shows
    extra: dict[str, Any] = field(default_factory=dict)
    operation: OutboxOperation = OutboxOperation.SEND


def to_place(
    destination: Destination,
    target: dict[str, str],
    reply: dict[str, Any],
    dedupe_key: str,
    *,
    channel_id: int | None = None,
    post_id: int | None = None,
) -> OutboxItem:
    """A message for a stored chat (a Mosaic channel, a challenge follower), paced per chat;
    a cross-post names its channel and post (checked again before sending)."""
    return OutboxItem(
        platform=Platform(destination.platform),
        chat_key=destination.chat_id,
        group_chat=destination.kind is not ChatKind.PRIVATE,
        target=target,
        reply=reply,
        dedupe_key=dedupe_key,
        channel_id=channel_id,
        post_id=post_id,
    )


def retraction(copy: SentMessage) -> OutboxItem:
    """The outbox row that deletes one sent copy of a post (a takedown), paced like a send.

    One per copy (`dedupe_key`): a second takedown of the same copy queues nothing new."""
    return OutboxItem(
        platform=Platform(copy.platform),
        chat_key=copy.chat_id,
        target={"chat_id": copy.chat_id, "message_id": copy.message_id},
        reply={},
        dedupe_key=retraction_key(copy.id),
        group_chat=copy.server_id is not None,
        operation=OutboxOperation.RETRACT,
    )


def retraction_key(sent_message_id: int) -> str:
    return f"retract:{sent_message_id}"


def shown_posts(reply: dict[str, Any]) -> set[int]:
    """The posts a serialized reply shows (its own and a digest's)."""
    shown = {int(p) for p in reply.get("shows", ())}
    if reply.get("post_id") is not None:
        shown.add(int(reply["post_id"]))
    return shown


# A sent row whose target holds this key edits the message it names (`EditingMessenger`)
# instead of sending a new one: a job's status, edited by whichever process sends the platform.
EDITS = "edits"


def chat_key_for(target: dict[str, str]) -> str:
    """The chat a Messenger target points at, for pacing (adapters name it differently)."""
    for key in ("chat_id", "channel", "user"):
        if target.get(key):
            return str(target[key])
    return repr(sorted(target.items()))


class Outbox:
    def __init__(self, clock: Clock, *, postgres: bool = False) -> None:
        self._clock = clock
        self._postgres = postgres

    async def add(self, items: list[OutboxItem], *, tokens: Unstored | None = None) -> None:
        """Queue messages; a dedupe key already queued (or sent) is left alone. `tokens`: the
        new tokens of their buttons, stored with them (before anyone can press them)."""
        now = self._clock.now()
        rows = [
            OutboxMessage(
                platform=item.platform,
                chat_key=item.chat_key[:64],
                group_chat=item.group_chat,
                target=item.target,
                reply=item.reply,
                dedupe_key=item.dedupe_key[:96],
                next_attempt_at=now,
                run_id=item.run_id,
                channel_id=item.channel_id,
                post_id=item.post_id,
                operation=item.operation,
            )
            for item in items
        ]
        if not rows:
            return
        if not self._postgres:
            if not tokens:
                await OutboxMessage.bulk_create(rows, ignore_conflicts=True)
                return
            async with in_transaction():
                await store(tokens)
                await OutboxMessage.bulk_create(rows, ignore_conflicts=True)
            return
        # The platforms' senders may run in other processes: wake them when this commits,
        # in the same statement (it was a transaction of four round trips: BEGIN, the bulk
        # insert, the NOTIFY, COMMIT; a finished job's status edit and preview are one add).
        # The buttons' tokens ride on it too (`WITH tokens AS (INSERT …)`: a round trip less).
        platforms = " ".join(sorted({item.platform.value for item in items}))
        await _insert_announcing(rows, platforms, tokens or {})

    async def _announce(self, platforms: set[Platform]) -> None:
        """On PostgreSQL, wake the senders of `platforms` in every process once the current
        transaction commits (`core.persistence.wakes`); their poll is the fallback."""
        if self._postgres and platforms:
            await announce(OUTBOX_CHANNEL, " ".join(sorted(p.value for p in platforms)))

    async def retract(self, copies: list[SentMessage]) -> set[Platform]:
        """Queue the deletion of these copies. A copy whose earlier deletion gave up (the
        platform kept failing) is queued again: its row is still there, so it is retried."""
        if not copies:
            return set()
        await self.add([retraction(copy) for copy in copies])
        await OutboxMessage.filter(
            dedupe_key__in=[retraction_key(copy.id) for copy in copies],
            state__in=[OutboxState.FAILED, OutboxState.SENT],
        ).update(state=OutboxState.PENDING, attempts=0, next_attempt_at=self._clock.now())
        platforms = {Platform(copy.platform) for copy in copies}
        await self._announce(platforms)  # the rows queued again are due now too
        return platforms

    async def withdraw_showing(self, post_ids: set[int]) -> list[OutboxMessage]:
        """Waiting messages that show any of these posts (taken down) are not sent; returns
        them (a digest run among them has not been delivered)."""
        withdrawn = []
        waiting = await OutboxMessage.filter(
            state=OutboxState.PENDING, operation=OutboxOperation.SEND
        ).only("id", "reply", "run_id")
        for message in waiting:
            if shown_posts(message.reply) & post_ids and await self.withdraw(message.id):
                withdrawn.append(message)
        return withdrawn

    async def withdraw(self, message_id: int) -> int:
        return await OutboxMessage.filter(
            id=message_id, state__in=[OutboxState.PENDING, OutboxState.SENDING]
        ).update(state=OutboxState.WITHDRAWN, last_error="it shows a post taken down")

    async def taken_down(self, message: OutboxMessage) -> bool:
        """Whether the message shows a post that may no longer be shown (checked just
        before sending: a takedown may come after the message was claimed)."""
        shown = shown_posts(message.reply)
        if not shown:
            return False
        return (
            await Post.filter(id__in=shown)
            .filter(Q(deleted_at__isnull=False) | ~Q(moderation=ModerationState.VISIBLE))
            .exists()
        )

    async def retracted(self, message: OutboxMessage) -> None:
        """A copy is gone from the platform: the row is done and the copy forgotten."""
        async with in_transaction():
            await self.sent(message.id)
            await SentMessage.filter(
                platform=message.platform,
                chat_id=message.target.get("chat_id", ""),
                message_id=message.target.get("message_id", ""),
            ).delete()

    async def claim(
        self, platform: Platform, limit: int, *, chats: frozenset[str] | None = None
    ) -> list[OutboxMessage]:
        """Take up to `limit` due messages of `platform` (oldest first) for sending; only
        those for `chats` when given (a console process prints only its own person's)."""
        now = self._clock.now()
        if self._postgres:
            return await _claim_postgres(platform, limit, now, chats)
        async with in_transaction():
            query = OutboxMessage.filter(
                platform=platform, state=OutboxState.PENDING, next_attempt_at__lte=now
            )
            if chats is not None:
                query = query.filter(chat_key__in=sorted(chats))
            rows = await query.order_by("next_attempt_at", "id").limit(limit)
            if not rows:
                return []
            ids = [row.id for row in rows]
            await OutboxMessage.filter(id__in=ids, state=OutboxState.PENDING).update(
                state=OutboxState.SENDING, lease_until=now, attempts=F("attempts") + 1
            )
        for row in rows:
            row.state, row.attempts = OutboxState.SENDING, row.attempts + 1
        return rows

    async def next_due(self, platform: Platform) -> datetime | None:
        """When the earliest waiting message of `platform` becomes due (None: none waits)."""
        row = (
            await OutboxMessage.filter(platform=platform, state=OutboxState.PENDING)
            .order_by("next_attempt_at")
            .first()
            .values_list("next_attempt_at", flat=True)
        )
        # first() with values_list(flat=True) gives the value itself; tortoise annotates a tuple
        return row  # type: ignore[return-value]

    async def sent(self, *message_ids: int) -> None:
        """These messages were sent: one UPDATE for all of them."""
        if not message_ids:
            return
        db = OutboxMessage._meta.db
        marking = _marking_sent(db.query_class, len(message_ids))  # type: ignore[arg-type]
        bound: dict[Slot, object] = {_NOW: db_value(OutboxMessage, "sent_at", self._clock.now())}
        bound |= {Slot("message", i): message_id for i, message_id in enumerate(message_ids)}
        await db.execute_query(marking.sql, marking.bind(bound))

    async def retry(self, message_id: int, after: timedelta, error: str) -> None:
        await OutboxMessage.filter(id=message_id).update(
            state=OutboxState.PENDING,
            next_attempt_at=self._clock.now() + after,
            last_error=error[:200],
        )

    async def give_back(self, message_id: int, after: timedelta, error: str) -> None:
        """Back to the queue without counting an attempt (the platform asked us to wait)."""
        await OutboxMessage.filter(id=message_id).update(
            state=OutboxState.PENDING,
            next_attempt_at=self._clock.now() + after,
            last_error=error[:200],
            attempts=F("attempts") - 1,
        )

    async def failed(self, message_id: int, error: str) -> None:
        await OutboxMessage.filter(id=message_id).update(
            state=OutboxState.FAILED, last_error=error[:200]
        )

    async def fail_waiting(self, platform: Platform, chat_key: str, error: str) -> int:
        """A destination refuses messages: drop everything still waiting for it."""
        return await OutboxMessage.filter(
            platform=platform, chat_key=chat_key, state=OutboxState.PENDING
        ).update(state=OutboxState.FAILED, last_error=error[:200])

    async def move_waiting(self, platform: Platform, old_chat: str, new_chat: str) -> None:
        """A chat got a new id: messages still waiting for it go to the new one."""
        rows = await OutboxMessage.filter(
            platform=platform, chat_key=old_chat, state__in=[OutboxState.PENDING]
        )
        for row in rows:
            target = dict(row.target)
            for key, held in target.items():
                if held == old_chat:
                    target[key] = new_chat
            await OutboxMessage.filter(id=row.id).update(chat_key=new_chat, target=target)

    async def take_back_all(self, platform: Platform) -> int:
        """On becoming `platform`'s sender: messages a dead sender was sending go back to the
        queue (not the console's: each terminal's process sends those, `take_back_stale`)."""
        if platform is Platform.CONSOLE:
            return 0
        return await OutboxMessage.filter(state=OutboxState.SENDING, platform=platform).update(
            state=OutboxState.PENDING, next_attempt_at=self._clock.now()
        )

    async def take_back_stale(
        self, platform: Platform, chats: frozenset[str], older_than: timedelta
    ) -> int:
        """Messages for `chats` that a process claimed longer ago than `older_than` and never
        finished (it died) go back to the queue."""
        now = self._clock.now()
        return await OutboxMessage.filter(
            platform=platform,
            chat_key__in=sorted(chats),
            state=OutboxState.SENDING,
            lease_until__lt=now - older_than,
        ).update(state=OutboxState.PENDING, next_attempt_at=now)


_OUTBOX = Table("outbox_message")
_PLATFORM, _NOW, _LIMIT = (Slot(n) for n in ("platform", "now", "limit"))
_PLATFORMS = Slot("platforms")
_TOKEN_CELL = "token_cell"  # the slots of the buttons' tokens in the outbox's INSERT


@lru_cache(maxsize=1)
def _insert_columns() -> tuple[str, ...]:
    """The fields a new row's INSERT writes, as tortoise's own INSERT writes them."""
    meta = OutboxMessage._meta
    return tuple(f for f in meta.fields_db_projection if not meta.fields_map[f].generated)


@lru_cache(maxsize=64)
def _inserting_announcing(query_class: type[Query], rows: int, tokens: int) -> Written:
    """PostgreSQL: INSERT INTO outbox_message (<columns>) VALUES (<cell>, …), … ON CONFLICT
    DO NOTHING RETURNING pg_notify('mosaic_outbox', <platforms>): one statement, atomic,
    and the wake-up goes with it (delivered when it commits; once, however many rows: the
    server folds equal notices of a transaction). A row already queued (its dedupe key) is
    left alone and announces nothing, as it was announced when it was queued. With
    `tokens` > 0 it is preceded by `WITH tokens AS (<token_rows>)`: the buttons' tokens are
    stored by the same statement, which PostgreSQL runs whole (a data-modifying WITH runs
    even when nothing reads it)."""
    columns = _insert_columns()
    projection = OutboxMessage._meta.fields_db_projection
    cells = iter(range(rows * len(columns)))
    start = query_class
    if tokens:
        start = query_class.with_(token_rows(query_class, tokens, _TOKEN_CELL), "tokens")  # type: ignore[assignment]
    statement = (
        start.into(_OUTBOX)
        .columns(*(projection[c] for c in columns))
        .insert(*[[value(Slot("cell", next(cells))) for _ in columns] for _ in range(rows)])
        .on_conflict()
        .do_nothing()
        .returning(Announcing(OUTBOX_CHANNEL, value(_PLATFORMS)))  # type: ignore[operator]  # PostgreSQL's has it
    )
    return write(query_class, statement)


async def _insert_announcing(rows: list[OutboxMessage], platforms: str, tokens: Unstored) -> None:
    db = OutboxMessage._meta.db
    columns = _insert_columns()
    fields = OutboxMessage._meta.fields_map
    inserting = _inserting_announcing(db.query_class, len(rows), len(tokens))  # type: ignore[arg-type]
    cells = (fields[c].to_db_value(getattr(row, c), row) for row in rows for c in columns)
    bound: dict[Slot, object] = {Slot("cell", i): cell for i, cell in enumerate(cells)}
    bound[_PLATFORMS] = platforms
    bound |= token_cells(tokens, _TOKEN_CELL)
    await db.execute_query(inserting.sql, inserting.bind(bound))


@lru_cache(maxsize=64)
def _marking_sent(query_class: type[Query], messages: int) -> Written:
    """UPDATE outbox_message SET state = 'sent', sent_at = <now>, last_error = NULL WHERE
    id IN (<message>, …) (written once per count: the sender marks what landed together)."""
    statement = (
        query_class.update(_OUTBOX)
        .set(_OUTBOX.state, value(OutboxState.SENT.value))
        .set(_OUTBOX.sent_at, value(_NOW))
        .set(_OUTBOX.last_error, NullValue())
        .where(_OUTBOX.id.isin([value(Slot("message", i)) for i in range(messages)]))
    )
    return write(query_class, statement)


@lru_cache(maxsize=64)
def _claiming(query_class: type[Query], chats: int | None) -> Written:
    """PostgreSQL: UPDATE outbox_message SET state = 'sending', lease_until = <now>,
    attempts = attempts + 1 WHERE id IN (the first <limit> due rows of <platform> [for
    <chats>], FOR UPDATE SKIP LOCKED) RETURNING *. One statement, one round trip: the claim
    was a transaction of four (BEGIN, SELECT … FOR UPDATE, UPDATE, COMMIT), each statement
    built anew by the ORM."""
    outbox, pending = _OUTBOX, value(OutboxState.PENDING.value)
    due = (
        query_class.from_(outbox)
        .select(outbox.id)
        .where(outbox.platform == value(_PLATFORM))
        .where(outbox.state == pending)
        .where(outbox.next_attempt_at <= value(_NOW))
    )
    if chats is not None:
        due = due.where(outbox.chat_key.isin([value(Slot("chat", i)) for i in range(chats)]))
    due = (
        due.orderby(outbox.next_attempt_at)
        .orderby(outbox.id)
        .limit(value(_LIMIT))
        .for_update(skip_locked=True)
    )
    statement = (
        query_class.update(outbox)
        .set(outbox.state, value(OutboxState.SENDING.value))
        .set(outbox.lease_until, value(_NOW))
        .set(outbox.attempts, outbox.attempts + literal(1))
        .where(outbox.id.isin(due))
        .where(outbox.state == pending)
        .returning(Star())  # type: ignore[operator]  # PostgreSQL's has it
    )
    return write(query_class, statement)


async def _claim_postgres(
    platform: Platform, limit: int, now: datetime, chats: frozenset[str] | None
) -> list[OutboxMessage]:
    db = OutboxMessage._meta.db
    wanted = sorted(chats) if chats is not None else None
    claiming = _claiming(db.query_class, None if wanted is None else len(wanted))  # type: ignore[arg-type]
    bound: dict[Slot, object] = {
        _PLATFORM: platform.value,
        _NOW: db_value(OutboxMessage, "next_attempt_at", now),
        _LIMIT: limit,
    }
    bound |= {Slot("chat", i): chat for i, chat in enumerate(wanted or ())}
    rows = await db.execute_query_dict(claiming.sql, claiming.bind(bound))
    claimed = [OutboxMessage._init_from_db(**row) for row in rows]
    return sorted(claimed, key=lambda row: (row.next_attempt_at, row.id))  # oldest first
