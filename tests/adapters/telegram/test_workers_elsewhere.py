"""Generation workers in a process without the Telegram adapter (issue #19, part 1).

The process that took /imagine shows the status message and has no workers; a workers-only
process (no adapter, no polling, no token) runs the job. The status message is edited in
place, not answered with a second one: the workers process queues the edit in the outbox,
and the Telegram process carries it out over the Bot API (`editMessageText`), then sends the
preview. Two apps on one database stand for the processes (the real ones run in
tests/e2e/test_roles.py). SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from bot.bootstrap import build, build_telegram
from core.clock import MonotonicTimer
from core.delivery.outbox import EDITS
from core.delivery.reply_codec import decode_reply
from core.domain import JobState, OutboxState, Platform
from core.generation.jobs import STATUS_MESSAGE
from core.persistence.models import ActionToken, GenerationJob, OutboxMessage
from core.settings import Settings
from tests.adapters.telegram.conftest import TIME_SCALE, Handled, Telegram, messages
from tests.support.fakes import FakeModerator, FakeProvider
from tests.support.telegram import FakeBotApi
from tests.support.workers_elsewhere import LIMIT, queued, send_what_waits, workers_process


@asynccontextmanager
async def telegram_process(
    settings: Settings, fake: FakeBotApi, *, poll: float = 5.0
) -> AsyncIterator[Telegram]:
    app = build(
        settings,
        roles=frozenset({"telegram"}),
        provider=FakeProvider(),
        moderator=FakeModerator(),
        outbox_poll=poll,
    )
    await app.start(migrate=False)
    handled = Handled()
    adapter = build_telegram(app, timer=MonotonicTimer(TIME_SCALE), on_handled=handled)
    await adapter.start()
    try:
        yield Telegram(app, fake, adapter, handled)
    finally:
        await adapter.stop()
        await app.stop()


async def test_a_workers_only_process_edits_the_status_message_and_sends_the_preview(
    settings: Settings, fake_api: FakeBotApi
) -> None:
    ada = fake_api.user(4242, "Ada", "ada")
    async with telegram_process(settings, fake_api) as telegram:
        (status,) = messages(await telegram.say(ada, "/imagine a fox in the snow"))
        job = await GenerationJob.get()
        assert job.state is JobState.QUEUED  # nobody here runs it
        assert job.reply_target[STATUS_MESSAGE] == str(status["message_id"])

        async with workers_process(settings):  # the two share tortoise's connections: nested
            await queued(Platform.TELEGRAM, 2)
            edit, preview = await OutboxMessage.filter(platform=Platform.TELEGRAM).order_by("id")
            assert edit.target[EDITS] == str(status["message_id"])  # queued: an edit of it
            assert EDITS not in preview.target
            # Its buttons' tokens were stored with it (PostgreSQL: the same statement).
            buttons = [b for row in decode_reply(preview.reply).buttons for b in row]
            tokens = {b.token for b in buttons if b.token}
            assert len(tokens) >= 4  # post, reroll, vary, discard
            assert await ActionToken.filter(token__in=tokens).count() == len(tokens)

            before = len(fake_api.calls)
            await send_what_waits(telegram.app, Platform.TELEGRAM)
            calls = telegram.calls_since(before)
            assert [c.method for c in calls if c.ok] == ["editMessageText", "sendPhoto"]
            assert calls[0].params["message_id"] == status["message_id"]
            shown = fake_api.bot_messages(ada)
            assert len(shown) == 2, "one status message, edited; one preview"
            assert shown[0]["text"].startswith(f"✅ Job #{job.id} is done")
            assert "photo" in shown[1]
            assert (await GenerationJob.get()).state is JobState.SUCCEEDED


async def test_a_status_message_telegram_will_not_edit_is_sent_anew(
    settings: Settings, fake_api: FakeBotApi
) -> None:
    ada = fake_api.user(4343, "Ada", "ada")
    async with telegram_process(settings, fake_api) as telegram:
        (status,) = messages(await telegram.say(ada, "/imagine an owl at night"))
        del fake_api.messages[(ada.id, status["message_id"])]  # Ada deleted it meanwhile
        async with workers_process(settings):
            await queued(Platform.TELEGRAM, 2)
            await send_what_waits(telegram.app, Platform.TELEGRAM)
            shown = fake_api.bot_messages(ada)
            assert len(shown) == 2 and "photo" in shown[1]
            assert shown[0]["text"].startswith("✅ Job #1 is done")  # anew, then the preview
            assert await OutboxMessage.filter(state=OutboxState.SENT).count() == 2


LONG_POLL = 120.0  # seconds: longer than the test may take, so only a wake-up can serve it
WOKEN_WITHIN = 20.0  # seconds for command → preview on a loaded machine; far below LONG_POLL


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_work_queued_in_one_process_wakes_the_other_long_before_its_poll(
    settings: Settings, fake_api: FakeBotApi
) -> None:
    """Issue #19: on PostgreSQL a NOTIFY, sent in the transaction that queues the work and
    heard on each process's one listening connection, wakes the other process: the idle
    workers process claims the job at once, and the Telegram process sends what the workers
    process queued at once. Both poll only every LONG_POLL seconds here, and nothing in
    this process links the two apps (each wakes its own workers and senders): without the
    wake-ups the preview would come after LONG_POLL, and the test would time out."""
    ada = fake_api.user(4545, "Ada", "ada")
    async with telegram_process(settings, fake_api, poll=LONG_POLL) as telegram:
        await telegram.app.scheduler.tick()  # leads the Telegram outbox; nothing waits yet
        async with workers_process(settings, poll=LONG_POLL) as workers:
            assert telegram.app.changes.listening and workers.changes.listening
            await asyncio.wait_for(workers.worker.idle.wait(), LIMIT)  # looked: no job yet
            started = time.monotonic()
            (status,) = messages(await telegram.say(ada, "/imagine a heron in the reeds"))
            async with asyncio.timeout(WOKEN_WITHIN):
                while not any("photo" in m for m in fake_api.bot_messages(ada)):  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
            took = time.monotonic() - started
            shown = fake_api.bot_messages(ada)
            assert len(shown) == 2, "the status message, edited, and the preview"
            assert shown[0]["message_id"] == status["message_id"]
            assert shown[0]["text"].startswith("✅ Job #1 is done")
            assert took < WOKEN_WITHIN < LONG_POLL
