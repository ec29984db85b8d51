"""Claiming outbox rows (core/delivery/outbox.py), on SQLite and PostgreSQL (where it is one
UPDATE … WHERE id IN (… FOR UPDATE SKIP LOCKED) RETURNING *): claimers racing each other
take every due row exactly once, oldest first, only their chats' when they name chats, and
a sent row is marked so."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from core.clock import FakeClock
from core.delivery import Outbox, OutboxItem
from core.domain import OutboxState, Platform
from core.persistence.database import Database
from core.persistence.models import OutboxMessage

START = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@pytest.fixture
async def outbox(database_url: str) -> AsyncIterator[Outbox]:
    database = Database(database_url)
    await database.open(migrate_first=False)
    try:
        yield Outbox(FakeClock(START), postgres=database.dialect == "postgres")
    finally:
        await database.close()


def item(n: int, chat: str = "c", platform: Platform = Platform.TELEGRAM) -> OutboxItem:
    return OutboxItem(platform, chat, {"chat_id": chat}, {"text": f"m{n}"}, f"claim-{n}")


async def test_racing_claimers_take_each_due_row_once_oldest_first(outbox: Outbox) -> None:
    await outbox.add([item(n, chat=f"c{n % 5}") for n in range(60)])
    await outbox.add([item(100, platform=Platform.DISCORD)])  # another platform's
    later = item(101)
    await outbox.add([later])
    await OutboxMessage.filter(dedupe_key=later.dedupe_key).update(
        next_attempt_at=START + timedelta(minutes=5)  # not due yet
    )

    async def claimer() -> list[list[OutboxMessage]]:
        batches = []
        while batch := await outbox.claim(Platform.TELEGRAM, 7):
            batches.append(batch)
        return batches

    found = await asyncio.gather(*(claimer() for _ in range(6)))
    claimed = [row for batches in found for batch in batches for row in batch]
    texts = sorted(int(row.reply["text"][1:]) for row in claimed)
    assert texts == list(range(60))  # every due row once; not Discord's, not the later one
    for batches in found:
        for batch in batches:
            assert [row.id for row in batch] == sorted(row.id for row in batch)
            assert all(row.state is OutboxState.SENDING and row.attempts == 1 for row in batch)
            assert all(row.target == {"chat_id": row.chat_key} for row in batch)
    stored = await OutboxMessage.filter(platform=Platform.TELEGRAM, state=OutboxState.SENDING)
    assert len(stored) == 60
    assert all(row.attempts == 1 and row.lease_until == START for row in stored)


async def test_a_claim_for_some_chats_takes_only_theirs(outbox: Outbox) -> None:
    await outbox.add([item(n, chat=f"c{n % 3}") for n in range(9)])
    mine = await outbox.claim(Platform.TELEGRAM, 100, chats=frozenset({"c1", "c2"}))
    assert sorted(row.chat_key for row in mine) == ["c1"] * 3 + ["c2"] * 3
    rest = await outbox.claim(Platform.TELEGRAM, 100)
    assert sorted(row.chat_key for row in rest) == ["c0"] * 3


async def test_a_sent_row_is_marked_sent(outbox: Outbox) -> None:
    await outbox.add([item(1)])
    (row,) = await outbox.claim(Platform.TELEGRAM, 10)
    await OutboxMessage.filter(id=row.id).update(last_error="an earlier try")
    await outbox.sent(row.id)
    stored = await OutboxMessage.get(id=row.id)
    assert (stored.state, stored.sent_at, stored.last_error) == (OutboxState.SENT, START, None)
    assert await outbox.claim(Platform.TELEGRAM, 10) == []
