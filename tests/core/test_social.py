"""The social rules the core enforces, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from bot.bootstrap import App
from core.clock import FakeClock
from core.domain import Audience, Platform
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.persistence.models import Account, Comment, Notification, Post, StoredImage
from core.social import Origin
from tests.support.images import png_bytes
from tests.support.queries import count_queries

ORIGIN = Origin(Platform.CONSOLE)


async def people(app: App, *names: str) -> list[Account]:
    return [await app.services.accounts.resolve(Platform.CONSOLE, n, n) for n in names]


async def make_post(
    app: App,
    author: Account,
    audience: Audience = Audience.PUBLIC,
    color: tuple[int, int, int] = (1, 2, 3),
) -> Post:
    return await app.services.posts.create(
        author, png_bytes(color), caption="hi", audience=audience, origin=ORIGIN
    )


async def test_account_created_once_per_identity(app: App) -> None:
    first = await app.services.accounts.resolve(Platform.CONSOLE, "alice", "Alice")
    again = await app.services.accounts.resolve(Platform.CONSOLE, "alice", "Alice")
    assert first.id == again.id
    assert first.handle == "alice"


async def test_handles_stay_unique_across_platforms(app: App) -> None:
    console = await app.services.accounts.resolve(Platform.CONSOLE, "bob", "bob")
    telegram = await app.services.accounts.resolve(
        Platform.TELEGRAM, "42", "Bob", handle_hint="bob"
    )
    assert console.id != telegram.id
    assert {console.handle, telegram.handle} == {"bob", "bob_2"}


async def test_audiences(app: App) -> None:
    alice, bob, carol = await people(app, "alice", "bob", "carol")
    public = await make_post(app, alice, Audience.PUBLIC, (1, 1, 1))
    followers = await make_post(app, alice, Audience.FOLLOWERS, (2, 2, 2))
    private = await make_post(app, alice, Audience.PRIVATE, (3, 3, 3))
    await app.services.graph.follow(bob, alice)
    posts = app.services.posts
    for post in (public, followers, private):
        assert (await posts.get_visible(alice, post.id)).id == post.id
    assert (await posts.get_visible(bob, followers.id)).id == followers.id
    with pytest.raises(NotFound):
        await posts.get_visible(bob, private.id)
    assert (await posts.get_visible(carol, public.id)).id == public.id
    for hidden in (followers, private):
        with pytest.raises(NotFound):
            await posts.get_visible(carol, hidden.id)
    bob_feed = await app.services.chronological.page(bob, limit=10)
    assert [p.id for p in bob_feed] == [followers.id, public.id]


async def test_blocked_user_sees_nothing_and_cannot_interact(app: App) -> None:
    alice, bob = await people(app, "alice", "bob")
    await app.services.graph.follow(bob, alice)
    post = await make_post(app, alice)
    await app.services.graph.block(alice, bob)
    with pytest.raises(NotFound):
        await app.services.posts.get_visible(bob, post.id)
    with pytest.raises(NotFound):
        await app.services.engagement.like(bob, post.id)
    with pytest.raises(NotFound):
        await app.services.engagement.comment(bob, post.id, "hey")
    with pytest.raises(Forbidden):
        await app.services.graph.follow(bob, alice)
    assert await app.services.chronological.page(bob, limit=10) == []
    assert (await app.services.accounts.profile(alice, bob)).following == 0  # follow removed


async def test_follow_rules(app: App) -> None:
    alice, bob = await people(app, "alice", "bob")
    with pytest.raises(InvalidInput):
        await app.services.graph.follow(alice, alice)
    await app.services.graph.follow(alice, bob)
    with pytest.raises(Conflict) as twice:
        await app.services.graph.follow(alice, bob)
    assert twice.value.key == "error.already_following"
    await app.services.graph.unfollow(alice, bob)
    with pytest.raises(Conflict):
        await app.services.graph.unfollow(alice, bob)


async def test_like_twice_and_counters(app: App) -> None:
    alice, bob = await people(app, "alice", "bob")
    post = await make_post(app, alice)
    liked = await app.services.engagement.like(bob, post.id)
    assert liked.like_count == 1
    with pytest.raises(Conflict):
        await app.services.engagement.like(bob, post.id)
    unliked = await app.services.engagement.unlike(bob, post.id)
    assert unliked.like_count == 0
    await app.services.engagement.comment(bob, post.id, "nice")
    assert (await Post.get(id=post.id)).comment_count == 1


async def test_unknown_post_and_user(app: App) -> None:
    (alice,) = await people(app, "alice")
    with pytest.raises(NotFound) as post_error:
        await app.services.posts.get_visible(alice, 999)
    assert post_error.value.key == "error.unknown_post"
    with pytest.raises(NotFound) as user_error:
        await app.services.accounts.by_handle("@nobody")
    assert user_error.value.key == "error.unknown_user"


async def test_only_author_deletes_and_image_files_go_when_unreferenced(app: App) -> None:
    alice, bob = await people(app, "alice", "bob")
    first = await make_post(app, alice, color=(9, 9, 9))
    second = await make_post(app, alice, color=(9, 9, 9))  # same picture: one stored file
    assert first.image_id == second.image_id
    path = app.services.images.path(first.image_id)
    with pytest.raises(Forbidden):
        await app.services.posts.delete(bob, first.id)
    await app.services.posts.delete(alice, first.id)
    assert path.exists(), "still referenced by the second post"
    with pytest.raises(NotFound) as deleted:
        await app.services.engagement.comment(bob, first.id, "late")
    assert deleted.value.key == "error.post_deleted"
    await app.services.posts.delete(alice, second.id)
    assert not path.exists()
    assert not await StoredImage.exists(sha256=second.image_id)
    assert await app.services.chronological.page(alice, limit=10) == []


async def test_text_limits_and_mentions(app: App) -> None:
    alice, bob = await people(app, "alice", "bob")
    post = await make_post(app, alice)
    with pytest.raises(InvalidInput) as too_long:
        await app.services.engagement.comment(bob, post.id, "x" * 2001)
    assert too_long.value.params["limit"] == 2000
    with pytest.raises(InvalidInput):
        await app.services.posts.create(alice, png_bytes(), caption="y" * 1001, origin=ORIGIN)
    comment = await app.services.engagement.comment(bob, post.id, "hi @everyone\x00\x1b[31m <@123>")
    stored = await Comment.get(id=comment.id)
    assert (
        "@everyone" not in stored.text and "\x00" not in stored.text and "\x1b" not in stored.text
    )
    assert "<@123>" not in stored.text


async def test_a_notification_is_one_statement_and_heeds_the_preference(
    app: App, clock: FakeClock
) -> None:
    """The author is told of a like, unless they turned likes off: the preference is asked
    inside the notification's one INSERT (core/notifications.py)."""
    author, fan, other = await people(app, "author", "fan", "other")
    post = await make_post(app, author)
    notifications = app.services.notifications
    with count_queries() as sent:
        await notifications.happened("like", author.id, fan.id, post.id)
    assert len(sent) == 1, sent
    (told,) = await Notification.filter(recipient_id=author.id)
    assert (told.kind, told.actor_id, told.post_id) == ("like", fan.id, post.id)
    assert told.created_at == clock.now()
    await notifications.set_enabled(author, "like", False)  # what waits of it goes too
    await notifications.happened("like", author.id, other.id, post.id)
    await notifications.happened("comment", author.id, other.id, post.id)
    rows = await Notification.filter(recipient_id=author.id)
    assert [(n.kind, n.actor_id, n.post_id) for n in rows] == [("comment", other.id, post.id)]
