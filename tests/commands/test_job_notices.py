"""How long the process that showed a job's status keeps editing it live (JobNotices)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.commands.job_notices import LIVE_FOR, JobNotices
from core.button_tokens import ActionTokens
from core.clock import FakeClock
from core.images import ContentImageStore
from tests.support.chat import RecordingConversation


async def test_a_status_whose_job_never_comes_back_is_forgotten_after_a_while(
    tmp_path: Path,
) -> None:
    """A Telegram process without workers shows each status; the jobs finish in a workers
    process and never come back here. Their entries go (and whoever waits is let go) instead
    of piling up for the life of the process."""
    clock = FakeClock()
    notices = JobNotices(ActionTokens(), ContentImageStore(tmp_path), clock=clock)
    chat = RecordingConversation()
    notices.attach(1, chat, 101)
    notices.attach(2, chat, 102)
    clock.advance(seconds=LIVE_FOR.total_seconds() - 1)
    notices.attach(3, chat, 103)
    assert notices.live_jobs(chat) == [1, 2, 3]  # all young enough
    waiting = asyncio.create_task(notices.wait_for([1, 2]))  # a console waits for its jobs
    await asyncio.sleep(0)
    assert not waiting.done()

    clock.advance(seconds=2)
    notices.attach(4, chat, 104)
    assert notices.live_jobs(chat) == [3, 4]
    await asyncio.wait_for(waiting, 5)  # let go, not held for ever
