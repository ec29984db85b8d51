"""A post's counters and its `hot`, written by the database in one UPDATE per like, unlike
and comment (core/social/counters.py, core/feed/hot.py), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import pytest

from bot.bootstrap import App
from core.clock import FakeClock
from core.errors import NotFound
from core.feed.hot import hot_score, refresh_hot
from core.persistence.database import asyncpg_url, is_postgres
from core.persistence.models import Post
from core.social.counters import post_counts_changed
from tests.core.test_feed import WATERCOLOR, people, post
from tests.support.queries import count_queries


async def _stored_and_computed(post_id: int) -> tuple[float, float]:
    row = await Post.get(id=post_id)
    counts = row.like_count, row.comment_count, row.remix_count
    return row.hot, hot_score(*counts, row.created_at, row.quality or 0.0)


async def test_the_databases_hot_is_hot_score_of_the_new_counts(app: App, clock: FakeClock) -> None:
    alice, bob, carol = await people(app, "alice", "bob", "carol")
    items = [await post(app, alice, WATERCOLOR) for _ in range(3)]
    # older and newer, with a quality, and a remix: every term of the formula in play
    await Post.filter(id=items[0].id).update(created_at=clock.now() - timedelta(days=40))
    await Post.filter(id=items[1].id).update(quality=0.8, remix_count=2)
    for item in items:
        await refresh_hot(item.id)
        stored, computed = await _stored_and_computed(item.id)
        assert stored == pytest.approx(computed, abs=1e-9)
    await app.services.engagement.like(bob, items[0].id)
    await app.services.engagement.like(carol, items[0].id)
    await app.services.engagement.comment(bob, items[1].id, "nice")
    await app.services.engagement.like(bob, items[2].id)
    await app.services.engagement.unlike(bob, items[2].id)
    expected = {items[0].id: (2, 0), items[1].id: (0, 1), items[2].id: (0, 0)}
    for item in items:
        row = await Post.get(id=item.id)
        assert (row.like_count, row.comment_count) == expected[item.id]
        stored, computed = await _stored_and_computed(item.id)
        assert stored == pytest.approx(computed, abs=1e-9)


async def test_a_like_writes_the_posts_row_once(app: App) -> None:
    alice, bob = await people(app, "alice", "bob")
    item = await post(app, alice, WATERCOLOR)
    with count_queries() as sent:
        liked = await app.services.engagement.like(bob, item.id)
    assert liked.like_count == 1
    on_the_post = [q for q in sent if q.lstrip().upper().startswith('UPDATE "POST"')]
    assert len(on_the_post) == 1, on_the_post
    assert sent[-1] == on_the_post[0], "the post's row is the last thing the like writes"


async def test_counting_an_unknown_post_is_refused(app: App) -> None:
    with pytest.raises(NotFound):
        await post_counts_changed(987_654, likes=1)


async def test_a_like_locks_its_posts_row_only_inside_its_commit(
    app: App, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: the counters' UPDATE goes with the like's COMMIT, in one message, so the
    post's row is not locked while the like's transaction waits for this process to commit
    (every other like of the post would wait with it): once the like has counted, and before
    it commits, another connection can still lock the row at once, as an UPDATE of the
    counters would (`FOR NO KEY UPDATE`)."""
    if not is_postgres(database_url):
        pytest.skip("SQLite locks the whole database for a write, not a row")
    alice, bob = await people(app, "alice", "bob")
    item = await post(app, alice, WATERCOLOR)
    taste = app.services.engagement._taste
    counting = taste.count
    other = await asyncpg.connect(asyncpg_url(database_url))
    found: list[str] = []

    async def count_then_try_the_row(*args: object, **kwargs: object) -> int:
        counted = await counting(*args, **kwargs)  # type: ignore[arg-type]
        try:
            async with other.transaction():
                locking = 'SELECT 1 FROM "post" WHERE "id" = $1 FOR NO KEY UPDATE NOWAIT'
                await other.execute(locking, item.id)
            found.append("free")
        except asyncpg.LockNotAvailableError:
            found.append("locked")
        return counted

    monkeypatch.setattr(taste, "count", count_then_try_the_row)
    try:
        liked = await app.services.engagement.like(bob, item.id)
    finally:
        await other.close()
    assert found == ["free"], "the post's row, between the like's counting and its commit"
    assert liked.like_count == 1
    row = await Post.get(id=item.id)
    assert row.like_count == 1
    stored, computed = await _stored_and_computed(item.id)
    assert stored == pytest.approx(computed, abs=1e-9)
