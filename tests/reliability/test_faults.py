"""Faults: `kill -9` of a console process in the middle of its job (issue #16).

The job was asked for in that terminal, so only that process ran it. Once its lease has run
out, another process (here: the test's app, another person's terminal) takes the job over,
finishes it, and the result waits in the outbox for its person: printed exactly once, by
their next terminal, never in the terminal of whoever finished it. SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from bot.bootstrap import build
from core.domain import JobState, Platform
from core.persistence.models import GenerationJob
from core.settings import Settings
from tests.core.test_generation_jobs import RecordingMessenger
from tests.digests.helpers import FAST
from tests.support.crash_worker import kill_mid_job
from tests.support.fakes import FakeModerator, FakeProvider


async def test_a_killed_terminals_job_reaches_its_person_once(
    settings: Settings, database_url: str, tmp_path: Path
) -> None:
    job_id = await kill_mid_job(
        database_url, tmp_path / "d", "alices-terminal", startup_seconds=120
    )

    app = build(
        settings, provider=FakeProvider(), moderator=FakeModerator(), job_lease=timedelta(seconds=1)
    )
    await app.database.open(migrate_first=False)
    bobs_terminal, alices_next_terminal = RecordingMessenger(), RecordingMessenger()
    try:
        app.worker.serve_terminal("bobs-terminal")
        app.add_messenger(Platform.CONSOLE, bobs_terminal, limits=FAST, only_for=frozenset({"bob"}))
        await app.worker.start()
        for _ in range(400):  # lease out, queued again, leased, out again, run here
            if (await GenerationJob.get(id=job_id)).state is JobState.SUCCEEDED:
                break
            await asyncio.sleep(0.05)
        assert (await GenerationJob.get(id=job_id)).state is JobState.SUCCEEDED
        app.add_messenger(
            Platform.CONSOLE, alices_next_terminal, limits=FAST, only_for=frozenset({"alice"})
        )
        await asyncio.wait_for(alices_next_terminal.arrived.wait(), 30)
        await asyncio.sleep(0.5)  # anything more would arrive now
        texts = [reply.text for _, reply in alices_next_terminal.sent]
        titles = [reply.title for _, reply in alices_next_terminal.sent]
        assert sum(text.startswith(f"✅ Job #{job_id} is done") for text in texts) == 1, texts
        assert titles.count(f"Preview of job #{job_id}") == 1, titles
        assert bobs_terminal.sent == []
    finally:
        await app.stop()
