"""Lazy commits (core/persistence/lazy_commits.py): on PostgreSQL a transaction of its own that
does not wait for the disk, never making a transaction around it lazy; on SQLite the
connection as it is. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from bot.bootstrap import App
from core.persistence.lazy_commits import LAZY_FROM, commits_lazily, lazy_transaction
from core.persistence.models import Account
from core.persistence.unit_of_work import TortoiseUnitOfWork

SETTING = "SELECT setting, source FROM pg_settings WHERE name = 'synchronous_commit'"


def _name() -> str:
    return Account._meta.db.connection_name


def _postgres() -> bool:
    return Account._meta.db.capabilities.dialect == "postgres"


async def test_a_lazy_transaction_commits_its_writes_and_rolls_back_on_error(app: App) -> None:
    async with lazy_transaction(_name()) as connection:
        await Account.create(handle="ann", display_name="Ann", using_db=connection)
    with pytest.raises(ZeroDivisionError):
        async with lazy_transaction(_name()) as connection:
            await Account.create(handle="ben", display_name="Ben", using_db=connection)
            if not _postgres():  # SQLite: each statement commits on its own
                raise ZeroDivisionError
            _ = 1 / 0
    handles = set(await Account.all().values_list("handle", flat=True))
    assert handles == ({"ann"} if _postgres() else {"ann", "ben"})


async def test_on_postgres_only_the_lazy_transaction_itself_skips_the_flush(app: App) -> None:
    if not _postgres():
        pytest.skip("synchronous_commit is a PostgreSQL setting: nothing to check on SQLite")
    async with lazy_transaction(_name()) as connection:
        _, rows = await connection.execute_query(SETTING)
        assert (rows[0]["setting"], rows[0]["source"]) == ("off", "session")
    _, rows = await Account._meta.db.execute_query(SETTING)
    assert rows[0]["source"] != "session", "SET LOCAL ended with its transaction"
    async with TortoiseUnitOfWork():
        outer = Account._meta.db
        await outer.execute_script("SET LOCAL synchronous_commit TO on")
        async with lazy_transaction(_name()) as connection:
            await Account.create(handle="cy", display_name="Cy", using_db=connection)
        _, rows = await outer.execute_query(SETTING)
        assert rows[0]["setting"] == "on", "the outer transaction's commit stays durable"
    assert await Account.filter(handle="cy").exists()


async def test_a_statement_with_lazy_from_makes_only_its_own_transaction_lazy(app: App) -> None:
    if not _postgres():
        pytest.skip("synchronous_commit is a PostgreSQL setting: nothing to check on SQLite")
    db = Account._meta.db
    assert commits_lazily(_name())
    # (the test databases may have it off already: `source` says who set it)
    own = f"{SETTING.replace('FROM pg_settings', f'FROM pg_settings, {LAZY_FROM}')}"
    _, rows = await db.execute_query(own)  # a statement that commits on its own
    assert (rows[0]["setting"], rows[0]["source"]) == ("off", "session")
    _, rows = await db.execute_query(SETTING)
    assert rows[0]["source"] != "session", "the setting ended with the statement's transaction"
    async with TortoiseUnitOfWork():
        assert not commits_lazily(_name()), "a transaction is open: its commit stays durable"
        await Account._meta.db.execute_query(own)
        _, rows = await Account._meta.db.execute_query(SETTING)
        assert (rows[0]["setting"], rows[0]["source"]) == ("off", "session"), "until its end"
    _, rows = await db.execute_query(SETTING)
    assert rows[0]["source"] != "session"
