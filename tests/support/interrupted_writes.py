"""A Mosaic process that runs one use case and stops between two of its writes until killed.

`python -m tests.support.interrupted_writes <use case> <database-url> <data>` prepares what
the use case needs, then runs it with a pause point put in front of its second write: the
process prints `paused {json}` (the ids the test needs) and waits forever. The tests call
`kill_between_writes`, which starts it, waits for that line and kills it with SIGKILL, then
look in the database: a use case that is one unit of work left nothing behind.

Use cases:
- `publish`: a finished preview is posted; paused after the post is created, before the job
  records it as posted.
- `moderation-delete`: a moderator deletes a reported post; paused after the post is removed
  (its image row released), before its reports are resolved and the audit entry written.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, NoReturn

from bot.bootstrap import App, build
from core.domain import Audience, JobState, Platform, ReportTarget
from core.feed import HashedNgramEmbedder
from core.persistence.models import Account, GenerationJob, Report
from core.safety import Standing
from core.settings import Settings
from core.social import Origin
from tests.support.crash_worker import kill_when_ready
from tests.support.fakes import FakeModerator, FakeProvider
from tests.support.images import png_bytes

SERVER = "guild-a"
CHANNEL = "guild-a-general"


async def kill_between_writes(use_case: str, database_url: str, data: Path) -> dict[str, Any]:
    """Run `use_case` in its own process, `kill -9` it between its writes, and return what
    it reported when it paused (the ids of what it was writing)."""
    line = await kill_when_ready(
        "tests.support.interrupted_writes", [use_case, database_url, str(data)], "paused "
    )
    return json.loads(line.removeprefix("paused "))


def settings_for(database_url: str, data: Path) -> Settings:
    return Settings(MOSAIC_DATABASE_URL=database_url, MOSAIC_DATA_DIR=data, _env_file=None)


async def _pause(**seen: int) -> NoReturn:
    print("paused " + json.dumps(seen), flush=True)
    await asyncio.Event().wait()
    raise AssertionError("unreachable: the test kills this process")


async def finished_preview(app: App, requester: Account) -> GenerationJob:
    """A job that succeeded with one image, not posted yet."""
    image = await app.services.images.put(png_bytes((10, 120, 200)))
    return await GenerationJob.create(
        requester=requester,
        prompt="a lighthouse",
        state=JobState.SUCCEEDED,
        result_images=[image.sha256],
        provider="fake",
        model="fake-1",
        origin_platform=Platform.CONSOLE,
    )


async def publish(app: App) -> None:
    alice = await app.services.accounts.resolve(Platform.CONSOLE, "alice", "alice")
    job = await finished_preview(app, alice)
    previews = app.services.generation.previews

    async def before_recording(job: GenerationJob, index: int, post: Any) -> None:
        await _pause(job=job.id, post=post.id)

    previews._record_posted = before_recording  # type: ignore[method-assign]
    await previews.publish(
        alice, job.id, 0, audience=Audience.PUBLIC, origin=Origin(Platform.CONSOLE)
    )


async def moderation_delete(app: App) -> None:
    """The post was shown in the server's channel (a copy to take down) and reported there;
    the server's admin deletes it."""
    accounts = app.services.accounts
    owner = await accounts.resolve(Platform.DISCORD, "owner", "owner")
    witness = await accounts.resolve(Platform.DISCORD, "witness", "witness")
    admin = await accounts.resolve(Platform.DISCORD, "ada", "ada")
    post = await app.services.posts.create(
        owner, png_bytes((90, 9, 9)), origin=Origin(Platform.DISCORD, CHANNEL, SERVER)
    )
    await app.services.sent_messages.record(
        Platform.DISCORD, CHANNEL, "m1", post.id, server_id=SERVER
    )
    await Report.create(
        reporter=witness,
        target_kind=ReportTarget.POST,
        target_key=f"post:{post.id}",
        post=post,
        subject=owner,
        reason="illegal",
        platform=Platform.DISCORD,
        server_id=SERVER,
    )
    moderation = app.services.safety.moderation
    standing = Standing(admin, Platform.DISCORD, SERVER, is_server_admin=True)
    target = await moderation.target(standing, ReportTarget.POST, str(post.id))

    async def before_resolving(key: str, now: object) -> int:
        await _pause(post=post.id)

    moderation.reports.resolve_all = before_resolving  # type: ignore[method-assign]
    await moderation.delete(standing, target, "illegal")


USE_CASES: dict[str, Callable[[App], Awaitable[None]]] = {
    "publish": publish,
    "moderation-delete": moderation_delete,
}


async def main(use_case: str, url: str, data: Path) -> None:
    app = build(
        settings_for(url, data),
        provider=FakeProvider(),
        moderator=FakeModerator(),
        embedder=HashedNgramEmbedder(),  # no model to load
    )
    await app.database.open(migrate_first=False)
    await USE_CASES[use_case](app)
    raise AssertionError(f"{use_case} ended without reaching its pause point")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], Path(sys.argv[3])))
