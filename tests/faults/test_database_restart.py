"""The database drops the app's connections in the middle of a command (PostgreSQL: every
backend of the app's database terminated with `pg_terminate_backend`, as a restart or a
failover does; the shared server itself is not restarted).

Whatever is cut: the command either completes or the person gets the clear "please try again"
answer, nothing is half-written (a like without its count, a count without its like), and the
next command works on fresh connections.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import asyncpg
import pytest

from bot.bootstrap import App
from core.persistence.models import GenerationJob, Post, Reaction
from core.social import Origin
from tests.support.chat import ChatUser
from tests.support.databases import postgres_admin_url
from tests.support.images import png_bytes

pytestmark = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)

TRY_AGAIN = "Please try again in a moment"


async def drop_connections(database_url: str) -> int:
    """Terminate every backend of the app's database; how many there were."""
    name = database_url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(postgres_admin_url(), timeout=5)
    try:
        rows = await admin.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
    finally:
        await admin.close()
    return len(rows)


async def test_connections_dropped_between_commands_are_replaced(
    app: App, database_url: str
) -> None:
    alice = ChatUser(app, "alice")
    assert "images left today" in await alice.text("/quota")
    assert await drop_connections(database_url) >= 1
    answer = await alice.text("/quota")
    assert "images left today" in answer or TRY_AGAIN in answer
    assert "images left today" in await alice.text("/quota"), "fresh connections"


async def test_connections_dropped_inside_a_like_leave_nothing_half_written(
    app: App, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    bob = ChatUser(app, "bob")
    await bob.say("/profile")
    post = await app.services.posts.create(
        await app.services.accounts.by_handle("bob"),
        png_bytes((1, 2, 3)),
        caption="a fox",
        origin=Origin("console"),
    )
    alice = ChatUser(app, "alice")
    taste = app.services.engagement._taste
    engaged = taste.engaged
    dropped: list[int] = []

    async def cut_then_engage(*args: object, **kwargs: object) -> None:
        if not dropped:  # the like is written, its count updated, the transaction still open
            dropped.append(await drop_connections(database_url))
        await engaged(*args, **kwargs)

    monkeypatch.setattr(taste, "engaged", cut_then_engage)
    answer = await alice.text(f"/like {post.id}")
    assert dropped and dropped[0] >= 1
    likes = await Reaction.filter(post_id=post.id).count()
    count = (await Post.get(id=post.id)).like_count
    assert likes == count, "the like and its count together, or neither"
    if likes == 0:
        assert TRY_AGAIN in answer, answer
    else:
        assert "like" in answer.lower() and TRY_AGAIN not in answer, answer

    again = await alice.text(f"/like {post.id}")  # fresh connections; a second try is fine
    assert await Reaction.filter(post_id=post.id).count() == 1
    assert (await Post.get(id=post.id)).like_count == 1
    assert TRY_AGAIN not in again, again


async def test_connections_dropped_between_the_quota_and_the_job_keep_the_quota_right(
    app: App, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`/imagine` charges the quota and writes the job: cut the connections once the quota
    is charged (a server's quota: in the unit of work, before the job's INSERT) or read (the
    account's quota alone: right before the one statement that charges it and saves the
    job), and a picture is charged only if its job exists."""
    quotas = app.services.generation.jobs._quotas
    dropped: list[int] = []

    def then_cut(step: Callable[..., Awaitable[object]]) -> Callable[..., Awaitable[object]]:
        async def step_then_cut(*args: object, **kwargs: object) -> object:
            done = await step(*args, **kwargs)
            if not dropped:
                dropped.append(await drop_connections(database_url))
            return done

        return step_then_cut

    monkeypatch.setattr(quotas, "reserve", then_cut(quotas.reserve))
    monkeypatch.setattr(quotas, "today_for", then_cut(quotas.today_for))
    alice = ChatUser(app, "alice")
    answer = await alice.text("/imagine a fox in the rain")
    await app.notices.wait_for(app.notices.live_jobs(alice.conversation))
    assert dropped and dropped[0] >= 1
    jobs = await GenerationJob.all().count()
    left = await alice.text("/quota")
    assert f"You have {25 - jobs} of 25 images left today." in left, (answer, left)
    if jobs == 0:
        assert TRY_AGAIN in answer, answer
