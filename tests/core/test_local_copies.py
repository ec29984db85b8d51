"""Per-process copies of accounts and chat settings (core.persistence.local_copies): kept
between updates, dropped when what they hold changes, in this app instance at once and in
another one (another process) on PostgreSQL by NOTIFY, on SQLite within the bound."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from tortoise import Tortoise

from bot.bootstrap import App
from bot.commands import Dispatcher
from core.clock import FakeClock
from core.domain import Platform, SanctionKind
from core.persistence.local_copies import ChangeNotices, LocalCopies
from core.persistence.models import Sanction
from core.safety import Sanctions
from core.services import Services
from core.social import Accounts
from tests.support.chat import ChatUser


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def another_instance(app: App, notices: ChangeNotices) -> Dispatcher:
    """What another process on the same database has: its own accounts and their copies."""
    services: Services = replace(app.services, accounts=Accounts(notices=notices))
    return Dispatcher(app.registry, services, app.notices)


def in_another_instance(app: App, dispatcher: Dispatcher, name: str) -> ChatUser:
    user = ChatUser(app, name)
    user.app = replace(app, dispatcher=dispatcher)
    return user


async def test_the_account_is_kept_between_updates(app: App) -> None:
    accounts = app.services.accounts
    await accounts.resolve(Platform.CONSOLE, "alice", "alice")  # created
    kept = await accounts.resolve(Platform.CONSOLE, "alice", "alice")
    assert await accounts.resolve(Platform.CONSOLE, "alice", "alice") is kept  # no reload


async def test_a_language_change_shows_in_the_next_reply_of_this_instance(app: App) -> None:
    alice = ChatUser(app, "alice")
    assert "following" in await alice.text("/profile")
    await alice.say("/settings language de")
    assert "folgt" in await alice.text("/profile")
    await alice.say("/settings language en")
    assert "following" in await alice.text("/profile")


async def test_another_instance_sees_a_language_change(app: App) -> None:
    """On PostgreSQL at once (NOTIFY on commit); on SQLite once its copy is `max_age` old."""
    ticks = Ticks()
    notices = ChangeNotices(app.database.url, clock=ticks)
    await notices.listen()
    try:
        other = another_instance(app, notices)
        there = in_another_instance(app, other, "alice")
        here = ChatUser(app, "alice")
        assert "following" in await there.text("/profile")  # its copy of alice, in English
        kept = await other.services.accounts.resolve(Platform.CONSOLE, "alice", "alice")
        assert await other.services.accounts.resolve(Platform.CONSOLE, "alice", "alice") is kept
        heard = notices.heard
        await here.say("/settings language de")
        if notices.postgres:
            async with asyncio.timeout(10):
                while notices.heard == heard:  # noqa: ASYNC110 - a counter, polled
                    await asyncio.sleep(0.01)
        else:
            assert "following" in await there.text("/profile")  # within the bound: its copy
            ticks.now += notices.max_age + 0.1
        assert "folgt" in await there.text("/profile")
    finally:
        await notices.stop()


async def test_a_link_moves_the_identity_in_every_copy(app: App) -> None:
    accounts = app.services.accounts
    for user in (ChatUser(app, "alice"), ChatUser(app, "4242", Platform.TELEGRAM)):
        await user.say("/profile")  # each its own account, kept
        await user.say("/profile")
    alone = await accounts.resolve(Platform.TELEGRAM, "4242", "4242")
    alice = await accounts.resolve(Platform.CONSOLE, "alice", "alice")
    assert alone.id != alice.id
    issued = await app.services.linking.issue_code(Platform.CONSOLE, "alice")
    await app.services.linking.redeem(Platform.TELEGRAM, "4242", issued.code)
    assert (await accounts.resolve(Platform.TELEGRAM, "4242", "4242")).id == alice.id
    await app.services.linking.unlink(alice, Platform.TELEGRAM)
    assert (await accounts.resolve(Platform.TELEGRAM, "4242", "4242")).id != alice.id


async def test_a_chat_without_settings_gets_them_in_every_copy(app: App) -> None:
    destinations = app.services.destinations
    assert await destinations.find(Platform.TELEGRAM, "-100") is None  # kept: none
    made = await destinations.get(Platform.TELEGRAM, "-100")
    await destinations.set_language(made, "de")
    found = await destinations.find(Platform.TELEGRAM, "-100")
    assert found is not None and found.language == "de"
    await destinations.pause(Platform.TELEGRAM, "-100", "kicked")
    paused = await destinations.find(Platform.TELEGRAM, "-100")
    assert paused is not None and paused.paused_reason == "kicked"


def test_copies_expire_and_drop_by_tag() -> None:
    ticks = Ticks()
    copies: LocalCopies[str, int] = LocalCopies(max_age=2.0, size=2, clock=ticks)
    copies.put("a", 1, "t:1", loaded_after=copies.drops)
    copies.put("b", 2, "t:2", loaded_after=copies.drops)
    assert (copies.get("a"), copies.get("b")) == (1, 2)
    copies.drop("t:1")
    assert copies.get("a") is None and copies.get("b") == 2
    ticks.now = 2.5
    assert copies.get("b") is None  # older than max_age
    loaded_after = copies.drops
    copies.drop("t:9")  # something changed while "c" was being loaded
    copies.put("c", 3, "t:3", loaded_after=loaded_after)
    assert copies.get("c") is None
    for key in "xyz":  # bounded: the oldest goes first
        copies.put(key, 0, loaded_after=copies.drops)
    assert len(copies) == 2 and copies.get("x") is None


# PostgreSQL only: on SQLite no other process is heard (the bound is what holds there)
@pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_copies_are_off_while_the_listening_connection_is_lost(app: App) -> None:
    assert app.changes.postgres
    accounts = app.services.accounts
    await accounts.resolve(Platform.CONSOLE, "alice", "alice")
    kept = await accounts.resolve(Platform.CONSOLE, "alice", "alice")
    assert await accounts.resolve(Platform.CONSOLE, "alice", "alice") is kept
    lost = (
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE query LIKE $1 AND datname = current_database()"
    )
    await Tortoise.get_connection(app.changes.connection).execute_query(
        lost,
        ['LISTEN "mosaic_%'],  # its last statement: the LISTEN of a channel it hears
    )
    async with asyncio.timeout(10):  # copies dropped at once, none kept while deaf
        while await accounts.resolve(Platform.CONSOLE, "alice", "alice") is kept:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    async with asyncio.timeout(10):  # it listens again, and keeps copies again
        while True:
            again = await accounts.resolve(Platform.CONSOLE, "alice", "alice")
            if await accounts.resolve(Platform.CONSOLE, "alice", "alice") is again:
                break
            await asyncio.sleep(0.05)


async def test_another_instance_sees_a_new_sanction(app: App, clock: FakeClock) -> None:
    """Another process keeps the sanctions it looked up (none, here): a sanction imposed
    in this one reaches it on PostgreSQL at once (NOTIFY on commit), on SQLite within the
    bound. A row written behind the service's back is not seen: the copy is what answers."""
    ticks = Ticks()
    notices = ChangeNotices(app.database.url, clock=ticks)
    await notices.listen()
    try:
        theirs = Sanctions(clock, notices)
        alice = await app.services.accounts.resolve(Platform.CONSOLE, "alice", "alice")
        admin = await app.services.accounts.resolve(Platform.CONSOLE, "admin", "admin")
        assert await theirs.active(alice.id, Platform.CONSOLE, None) is None  # kept: none
        await Sanction.create(
            account=alice,
            kind=SanctionKind.MUTE,
            until=None,
            reason="unsaid",
            created_at=clock.now(),
        )
        assert await theirs.active(alice.id, Platform.CONSOLE, None) is None  # the copy
        heard = notices.heard
        await app.services.safety.sanctions.impose(
            alice, SanctionKind.BAN, platform=None, server_id=None, until=None, reason="r", by=admin
        )
        if notices.postgres:
            async with asyncio.timeout(10):
                while notices.heard == heard:  # noqa: ASYNC110 - a counter, polled
                    await asyncio.sleep(0.01)
        else:
            ticks.now += notices.max_age + 0.1
        found = await theirs.active(alice.id, Platform.CONSOLE, None)
        assert found is not None and found.kind is SanctionKind.BAN
    finally:
        await notices.stop()
