"""A Mosaic process that starts one generation job and hangs in the provider until killed.

Used by the crash-recovery tests:
`python -m tests.support.crash_worker <database-url> <data> [terminal]`. With a terminal the
job is asked for there and this process is attached to it, as `mosaic chat` is.
Prints `running <job id>` once the job is claimed, then waits forever.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from pathlib import Path

from bot.bootstrap import build
from core.domain import Platform
from core.generation import ImageOptions
from core.generation.jobs import JobRequest
from core.persistence.models import GenerationJob
from core.settings import Settings
from tests.support.fakes import FakeModerator, FakeProvider


async def main(url: str, data: Path, terminal: str | None) -> None:
    provider = FakeProvider(gate=asyncio.Event())  # never set: the provider hangs
    settings = Settings(MOSAIC_DATABASE_URL=url, MOSAIC_DATA_DIR=data, _env_file=None)
    app = build(
        settings,
        provider=provider,
        moderator=FakeModerator(),
        job_lease=timedelta(seconds=1),
        progress_every=0.2,
    )
    await app.start(migrate=False)
    target = {"user": "alice", "language": "en"}
    if terminal is not None:
        app.worker.serve_terminal(terminal)
        target["terminal"] = terminal
    account = await app.services.accounts.resolve(Platform.CONSOLE, "alice", "alice")
    job = await app.services.generation.jobs.submit(
        JobRequest(
            account,
            "a lighthouse",
            ImageOptions(),
            Platform.CONSOLE,
            reply_target=target,
        )
    )
    app.worker.wake()
    await provider.started.wait()
    assert (await GenerationJob.get(id=job.id)).attempts == 1
    print(f"running {job.id}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else None))
