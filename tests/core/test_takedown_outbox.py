"""Takedowns go through the outbox: one retract row per copy, paced, retried, never lost."""

from __future__ import annotations

from bot.bootstrap import App
from core.clock import FakeClock
from core.delivery import OutboxItem
from core.domain import OutboxOperation, OutboxState, Platform
from core.persistence.models import OutboxMessage, SentMessage
from core.social import Origin
from tests.support.images import png_bytes
from tests.support.safety import recording_messenger


class FlakyDeletes:
    """The platform refuses deletions while `failing` (it answers, but nothing is gone)."""

    def __init__(self) -> None:
        self.failing = True


async def test_a_copy_whose_deletion_failed_stays_retryable(app: App, clock: FakeClock) -> None:
    messenger = recording_messenger(app)
    flaky = FlakyDeletes()
    recorded_delete = messenger.delete

    async def delete(chat_id: str, message_id: str) -> bool:
        if flaky.failing:
            return False
        return await recorded_delete(chat_id, message_id)

    messenger.delete = delete  # type: ignore[method-assign]
    author = await app.services.accounts.resolve(Platform.DISCORD, "author", "author")
    post = await app.services.posts.create(
        author, png_bytes((9, 9, 9)), origin=Origin(Platform.DISCORD, "chan", "guild")
    )
    sent = app.services.sent_messages
    await sent.record(Platform.DISCORD, "chan", "m1", post.id, server_id="guild")
    await sent.record(Platform.DISCORD, "digest-chan", "m2", None, server_id="g2", shows=[post.id])
    takedown = app.services.safety.takedown

    assert await takedown.take_down(post.id) == 2
    assert await takedown.take_down(post.id) == 2  # the same copies: no second row each
    rows = await OutboxMessage.filter(operation=OutboxOperation.RETRACT)
    assert len(rows) == 2
    await messenger.flush()
    assert messenger.deleted == []
    waiting = await OutboxMessage.filter(operation=OutboxOperation.RETRACT)
    assert {r.state for r in waiting} == {OutboxState.PENDING}  # backing off, not lost
    assert all(r.last_error for r in waiting)
    assert await SentMessage.all().count() == 2  # the copies are still known

    # it gave up for good: a later takedown of the same post queues them again
    await OutboxMessage.filter(operation=OutboxOperation.RETRACT).update(state=OutboxState.FAILED)
    flaky.failing = False
    await takedown.take_down(post.id)
    await messenger.flush()
    assert sorted(messenger.deleted) == [("chan", "m1"), ("digest-chan", "m2")]
    assert await SentMessage.all().count() == 0
    assert messenger.sender is not None and messenger.sender.stats.retracted == 2


async def test_messages_waiting_to_show_a_taken_down_post_are_withdrawn(
    app: App, clock: FakeClock
) -> None:
    messenger = recording_messenger(app)
    author = await app.services.accounts.resolve(Platform.DISCORD, "author", "author")
    post = await app.services.posts.create(
        author, png_bytes((9, 9, 9)), origin=Origin(Platform.DISCORD, "chan", "guild")
    )
    keep = await app.services.posts.create(
        author, png_bytes((19, 9, 9)), origin=Origin(Platform.DISCORD, "chan", "guild")
    )
    await app.outbox.add(
        [
            OutboxItem(
                Platform.DISCORD, "c1", {"channel": "c1"}, {"text": "a", "shows": [post.id]}, "k1"
            ),
            OutboxItem(
                Platform.DISCORD, "c2", {"channel": "c2"}, {"text": "b", "post_id": post.id}, "k2"
            ),
            OutboxItem(
                Platform.DISCORD, "c3", {"channel": "c3"}, {"text": "c", "shows": [keep.id]}, "k3"
            ),
        ]
    )
    await app.services.safety.takedown.take_down(post.id)
    await messenger.flush()
    assert [reply.text for _, reply in messenger.sent] == ["c"]
    states = dict(await OutboxMessage.all().values_list("dedupe_key", "state"))
    assert states == {"k1": "withdrawn", "k2": "withdrawn", "k3": "sent"}
