"""Report floods and takedowns: counted once per person, hidden once, told once, gone everywhere."""

from __future__ import annotations

from bot.bootstrap import App
from core.domain import ModerationState, Platform, ReportTarget
from core.persistence.models import Post, Report, SentMessage
from core.safety import Jurisdiction
from core.social import Origin
from tests.support.chat import ChatUser
from tests.support.images import png_bytes
from tests.support.safety import recording_messenger

THRESHOLD = 3  # the default MOSAIC_REPORT_HIDE_THRESHOLD


async def test_a_thousand_reports_from_a_hundred_people(app: App) -> None:
    messenger = recording_messenger(app)
    accounts = app.services.accounts
    author = await accounts.resolve(Platform.DISCORD, "author", "author")
    post = await app.services.posts.create(
        author, png_bytes((1, 2, 3)), origin=Origin(Platform.DISCORD, "chan", "guild")
    )
    await app.services.sent_messages.record(Platform.DISCORD, "chan", "m1", post.id)
    await app.services.sent_messages.record(Platform.DISCORD, "dm", "m2", post.id)
    reporters = [await accounts.resolve(Platform.DISCORD, f"r{i}", f"r{i}") for i in range(100)]
    reports = app.services.safety.reports
    here = Jurisdiction(Platform.DISCORD, "guild")

    counted, hidden_at = 0, []
    for round_ in range(10):
        for n, reporter in enumerate(reporters):
            target = await reports.resolve(
                reporter, ReportTarget.POST, str(post.id), here, moderating=True
            )
            filed = await reports.file(reporter, target, f"spam {round_}")
            counted += filed.counted
            if filed.hidden_now:
                hidden_at.append((round_, n))

    assert counted == 100
    assert await Report.filter(post_id=post.id).count() == 100
    assert hidden_at == [(0, THRESHOLD - 1)]  # the third distinct person hid it, once
    assert (await Post.get(id=post.id)).moderation is ModerationState.PENDING_REVIEW
    (entry,) = await reports.queue(here, limit=10)
    assert (entry.target.key, entry.reports) == (f"post:{post.id}", 100)
    assert len(messenger.texts_to("author")) == 1  # no duplicate notices
    assert "hidden until a moderator reviews it" in messenger.texts_to("author")[0]
    assert messenger.deleted == []  # queued in the outbox, paced like any send
    await messenger.flush()
    assert sorted(messenger.deleted) == [("chan", "m1"), ("dm", "m2")]  # each copy once
    assert not await SentMessage.exists(post_id=post.id)


async def test_hidden_posts_appear_nowhere_but_their_author_may_delete_them(app: App) -> None:
    recording_messenger(app, Platform.CONSOLE)
    alice, bob = ChatUser(app, "alice"), ChatUser(app, "bob")
    author = await app.dispatcher.account_for(alice.actor)
    post = await app.services.posts.create(
        author, png_bytes((4, 5, 6)), origin=Origin(Platform.CONSOLE)
    )
    await bob.say("/follow alice")
    for n in range(THRESHOLD):
        await ChatUser(app, f"r{n}").say(f"/report post {post.id} nope")
    assert "feed is empty" in await bob.text("/feed")
    assert "does not exist or is not visible to you" in await bob.text(f"/show {post.id}")
    assert "hidden while moderators review it" in await alice.text(f"/show {post.id}")
    assert "Post #" not in await alice.text("/feed")
    # the author may still delete it (hidden content is kept until then)
    assert "deleted" in await alice.text(f"/delete {post.id}")
    assert (await Post.get(id=post.id)).image_id is None  # image released as usual
