"""A Mosaic process that starts one generation job and hangs in the provider until killed.

Used by the crash-recovery tests:
`python -m tests.support.crash_worker <database-url> <data> [terminal]`. With a terminal the
job is asked for there and this process is attached to it, as `mosaic chat` is.
Prints `running <job id>` once the job is claimed, then waits forever. The tests call
`kill_mid_job`, which starts it, waits for that line and kills it with SIGKILL.
"""

from __future__ import annotations

import asyncio
import os
import signal
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

ROOT = Path(__file__).resolve().parents[2]


async def kill_mid_job(
    database_url: str, data: Path, terminal: str | None = None, *, startup_seconds: float = 60
) -> int:
    """Run this worker in its own process until its job runs, `kill -9` it there, and return
    the job's id (the job is left `running`, its lease ticking out)."""
    args = [database_url, str(data), *([terminal] if terminal is not None else [])]
    line = await kill_when_ready(
        "tests.support.crash_worker", args, "running ", startup_seconds=startup_seconds
    )
    return int(line.split()[1])


async def kill_when_ready(
    module: str, args: list[str], ready: str, *, startup_seconds: float = 60
) -> str:
    """Run `python -m module args...` until it prints a line starting with `ready`, kill it
    there with SIGKILL (no clean-up, no rollback by the process itself) and return the line."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        *args,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), startup_seconds)).decode()
        assert line.startswith(ready), line
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()
    return line


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
