"""The counters kept on each account (posts, followers, following) stay equal to counting
the rows, through every use case that changes them, on SQLite and PostgreSQL."""

from __future__ import annotations

from bot.bootstrap import App
from core.domain import Platform
from core.persistence.models import Account, Follow, Post
from core.social import Origin
from tests.support.chat import ChatUser
from tests.support.images import png_bytes

ORIGIN = Origin(Platform.CONSOLE)


async def assert_counters_true() -> None:
    for account in await Account.all():
        counted = (
            await Post.filter(author_id=account.id, deleted_at=None).count(),
            await Follow.filter(followee_id=account.id).count(),
            await Follow.filter(follower_id=account.id).count(),
        )
        kept = (account.post_count, account.follower_count, account.following_count)
        assert kept == counted, f"@{account.handle}: kept {kept}, counted {counted}"


async def test_counters_follow_every_change(app: App) -> None:
    services = app.services
    names = ("alice", "bob", "carol", "dave")
    for name in names[:3]:
        await services.accounts.resolve(Platform.CONSOLE, name, name)
    await services.accounts.resolve(Platform.TELEGRAM, "4242", "dave", handle_hint="dave")
    alice, bob, carol, dave = [await Account.get(handle=n) for n in names]
    graph, posts = services.graph, services.posts
    for follower, followee in ((bob, alice), (carol, alice), (alice, bob), (dave, alice)):
        await graph.follow(follower, followee)
    await assert_counters_true()
    made = [
        await posts.create(a, png_bytes((n, 1, 1)), caption="hi", origin=ORIGIN)
        for n, a in enumerate((alice, alice, bob, carol))
    ]
    await assert_counters_true()
    await graph.unfollow(carol, alice)
    await graph.block(alice, bob)  # both follows between them go
    await assert_counters_true()
    await posts.remove(made[0])
    await posts.remove(made[0])  # deleted twice (author and moderator at once): counted once
    await assert_counters_true()
    # a link merges two accounts: a follow of both becomes one, posts move
    await graph.follow(carol, alice)
    await graph.follow(carol, dave)
    await graph.follow(dave, carol)
    code = await services.linking.issue_code(Platform.CONSOLE, "alice")
    await services.linking.redeem(Platform.TELEGRAM, "4242", code.code)
    await assert_counters_true()
    await services.account_data.delete(await Account.get(handle="carol"))
    await assert_counters_true()


async def test_profile_shows_the_counters(app: App) -> None:
    alice, bob = ChatUser(app, "alice"), ChatUser(app, "bob")
    await alice.say("/profile")
    await bob.say("/follow @alice")
    await app.services.posts.create(
        await Account.get(handle="alice"), png_bytes((9, 9, 9)), caption="hi", origin=ORIGIN
    )
    assert "1 post · 1 follower · 0 following" in await alice.text("/profile")
    assert "0 posts · 0 followers · 1 following" in await bob.text("/profile")
