"""Real processes: the scheduler leader is killed with SIGKILL after it claimed an ended
challenge, while drawing its results; a restarted process takes over and every follower gets
the results once, and a later leader queues nothing more."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.bootstrap import App
from core.domain import ChallengeState, ChatKind, OutboxState, Platform
from core.persistence.models import Challenge, ChallengeEntry, ChallengeVote, OutboxMessage
from core.social import Origin
from tests.digests.test_processes import worker
from tests.support.images import png_bytes

pytestmark = pytest.mark.slow  # scheduler processes started, killed and restarted

FOLLOWERS = ("c1", "c2", "c3")
RESULTS = "🏆 Challenge results: kites"


async def ended_challenge(app: App) -> Challenge:
    """A challenge that ended a minute ago by the real clock (the workers'), with two entries,
    a vote and three following chats."""
    now = datetime.now(UTC)
    challenge = await Challenge.create(
        key="place:test:kites",
        theme="kites",
        starts_at=now - timedelta(hours=2),
        ends_at=now - timedelta(minutes=1),
    )
    accounts = app.services.accounts
    voter = await accounts.resolve(Platform.CONSOLE, "vic", "vic", handle_hint="vic")
    for n, name in enumerate(("ann", "ben")):
        author = await accounts.resolve(Platform.CONSOLE, name, name, handle_hint=name)
        post = await app.services.posts.create(
            author,
            png_bytes((60 + 70 * n, 90, 150), size=(96, 72)),
            caption=f"a kite {n}",
            origin=Origin(Platform.CONSOLE),
        )
        during = now - timedelta(minutes=30 - n)
        entry = await ChallengeEntry.create(
            challenge=challenge, post=post, platform=Platform.CONSOLE, created_at=during
        )
        if n == 1:  # Ben's entry gets the one vote
            await ChallengeVote.create(
                entry=entry, voter=voter, created_at=during, counts_from=during
            )
    for chat in FOLLOWERS:
        place = await app.services.destinations.get(Platform.CONSOLE, chat, kind=ChatKind.GROUP)
        await app.services.challenges.follow(place, {"chat_id": chat}, server_id=chat)
    return challenge


async def test_a_leader_killed_while_drawing_results_sends_them_once_after_restart(
    app: App, database_url: str, tmp_path: Path
) -> None:
    challenge = await ended_challenge(app)

    async with worker(database_url, tmp_path / "d", "stall-results", "1") as first:
        await first.until("drawing")  # it claimed the challenge and is drawing the collage
        await first.kill()
    await challenge.refresh_from_db()
    assert challenge.state is ChallengeState.ENDING
    assert not await OutboxMessage.filter(dedupe_key__startswith="challenge-results:").exists()

    async with worker(database_url, tmp_path / "d", "print", "1") as second:
        await second.until("delivered", len(FOLLOWERS))
        await second.kill()
    sent = [line for line in second.lines if line.startswith("sent ")]
    assert Counter(line.split(" ", 2)[1] for line in sent if line.endswith(RESULTS)) == Counter(
        {f'{{"chat_id":"{chat}"}}': 1 for chat in FOLLOWERS}
    )
    rows = await OutboxMessage.filter(dedupe_key__startswith="challenge-results:")
    assert len(rows) == len(FOLLOWERS) and {r.state for r in rows} == {OutboxState.SENT}
    await challenge.refresh_from_db()
    assert challenge.state is ChallengeState.FINISHED
    ranked = (
        await ChallengeEntry.filter(challenge_id=challenge.id)
        .order_by("rank")
        .select_related("post")
    )
    assert [(e.post.caption, e.rank, e.votes) for e in ranked] == [
        ("a kite 1", 1, 1),
        ("a kite 0", 2, 0),
    ]

    # A later leader (this process) queues nothing more.
    await app.scheduler.tick()
    await app.scheduler.tick()
    assert await OutboxMessage.filter(dedupe_key__startswith="challenge-results:").count() == 3
