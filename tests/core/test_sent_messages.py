"""Recording which message shows which post: idempotent, one statement when alone, and
part of the caller's unit of work when inside one."""

from __future__ import annotations

import pytest

from bot.bootstrap import App
from core.delivery.sent_messages import SentMessages
from core.domain import Platform
from core.persistence.models import Post, SentMessage, ShownPost
from core.persistence.unit_of_work import TortoiseUnitOfWork
from core.social import Origin
from tests.support.images import png_bytes
from tests.support.queries import count_queries
from tests.support.unit_of_work import FakeUnits


async def _post(app: App) -> Post:
    author = await app.services.accounts.resolve(Platform.DISCORD, "author", "author")
    return await app.services.posts.create(
        author, png_bytes((9, 9, 9)), origin=Origin(Platform.DISCORD, "chan", "guild")
    )


async def test_a_message_is_recorded_once_however_often_it_is_retried(app: App) -> None:
    post = await _post(app)
    sent = app.services.sent_messages

    for _ in range(3):
        await sent.record(Platform.DISCORD, "chan", "m1", post.id, server_id="guild")

    rows = await SentMessage.filter(chat_id="chan", message_id="m1")
    assert [(r.post_id, r.server_id) for r in rows] == [(post.id, "guild")]
    assert rows[0].created_at is not None
    assert await sent.post_for(Platform.DISCORD, "chan", "m1") == post.id


async def test_a_message_alone_is_one_statement_without_a_transaction(app: App) -> None:
    post = await _post(app)
    units = FakeUnits()
    with count_queries() as queries:
        await SentMessages(units).record(Platform.DISCORD, "chan", "m1", post.id)
    assert len(queries) == 1, queries
    assert units.made == []  # no BEGIN, SAVEPOINT, RELEASE or COMMIT around it
    assert await SentMessage.exists(chat_id="chan", message_id="m1")


async def test_a_post_deleted_before_its_message_is_recorded_leaves_nothing(app: App) -> None:
    post = await _post(app)
    await Post.filter(id=post.id).delete()

    await app.services.sent_messages.record(Platform.DISCORD, "chan", "m1", post.id)

    assert not await SentMessage.filter(message_id="m1").exists()


async def test_inside_a_unit_of_work_it_rolls_back_with_it(app: App) -> None:
    post = await _post(app)
    sent = app.services.sent_messages
    await sent.record(Platform.DISCORD, "chan", "m0", post.id)

    with pytest.raises(RuntimeError):
        async with TortoiseUnitOfWork():
            await sent.record(Platform.DISCORD, "chan", "m0", post.id)  # a duplicate: kept
            await sent.record(Platform.DISCORD, "chan", "m1", post.id)
            raise RuntimeError("the use case failed")

    assert [r.message_id for r in await SentMessage.filter(chat_id="chan")] == ["m0"]


async def test_a_digest_records_every_post_it_shows(app: App) -> None:
    post = await _post(app)
    sent = app.services.sent_messages

    for _ in range(2):
        await sent.record(Platform.DISCORD, "digest", "m2", None, shows=[post.id, post.id])

    row = await SentMessage.get(chat_id="digest", message_id="m2")
    assert [s.post_id for s in await ShownPost.filter(message_id=row.id)] == [post.id]
