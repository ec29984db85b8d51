"""The test databases (tests/support/databases.py): the xdist workers of one run share their
migrated templates, the PostgreSQL template goes with the last worker done with it, and the
database a test gets is empty even when the previous test cut the connection that empties it.

What is checked is how often a template is made, who shares it and when it goes, not how it
is migrated (every other test of the suite runs on a migrated one): a PostgreSQL template
here gets a small schema of its own (`ACCOUNTS`) instead of the migrations, ~5 CPU-s each
(the clones are checked to hold it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from tests.support import databases as module
from tests.support.databases import (
    SHARED_FOLDER,
    DatabaseFactory,
    postgres_admin_url,
    run_isolated,
)


@pytest.fixture
def one_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """What two xdist workers of one run share: the run's id and a temporary folder."""
    monkeypatch.setenv("PYTEST_XDIST_TESTRUNUID", "feedc0ffee0123456789")
    shared = tmp_path / "run"
    shared.mkdir()
    yield shared


ACCOUNT = "INSERT INTO account (handle, display_name, created_at) VALUES ('x', 'x', now())"
# a PostgreSQL template's schema in these tests: the account table (as ACCOUNT fills it) and
# a table whose foreign key points at it (what the emptier's DELETEs must get past)
ACCOUNTS = """
CREATE TABLE account (id SERIAL PRIMARY KEY, handle TEXT NOT NULL, display_name TEXT NOT NULL,
                      created_at TIMESTAMPTZ NOT NULL);
CREATE TABLE post (id SERIAL PRIMARY KEY, author_id INTEGER NOT NULL REFERENCES account (id));
"""
POST = "INSERT INTO post (author_id) SELECT max(id) FROM account"


def counting_upgrades(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count the templates made; a PostgreSQL one gets `ACCOUNTS`, not the migrations."""
    made: list[str] = []
    real = module.upgrade

    async def upgrade(url: str, *, from_cache: bool = True) -> None:
        made.append(url.split("://", 1)[0])
        if url.startswith("sqlite"):
            # the migrated schema may come from the cache (core/persistence/schema_cache.py)
            await real(url)
            return
        connection = await asyncpg.connect(url, timeout=5)
        try:
            await connection.execute(ACCOUNTS)
        finally:
            await connection.close()

    monkeypatch.setattr(module, "upgrade", upgrade)
    return made


async def _fetch(url: str, sql: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(url, timeout=5)
    try:
        return await connection.fetch(sql)
    finally:
        await connection.close()


def databases_named(prefix: str) -> set[str]:
    rows = run_isolated(_fetch(postgres_admin_url(), "SELECT datname FROM pg_database"))
    return {row["datname"] for row in rows if row["datname"].startswith(prefix)}


def test_workers_of_one_run_migrate_one_sqlite_template(
    one_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = counting_upgrades(monkeypatch)
    first = DatabaseFactory(tmp_path / "gw0", one_run)
    second = DatabaseFactory(tmp_path / "gw1", one_run)
    a, b = first.fresh("sqlite"), second.fresh("sqlite")
    assert made == ["sqlite"]
    # a bench's smoke started by one of the run's tests joins the run's template
    monkeypatch.setenv(SHARED_FOLDER, str(one_run))
    bench = DatabaseFactory.of_this_test_run(tmp_path / "bench")
    assert bench.fresh("sqlite") not in (a, b) and made == ["sqlite"]
    assert a != b and Path(a.removeprefix("sqlite://")).read_bytes() == (
        Path(b.removeprefix("sqlite://")).read_bytes()
    )
    alone = DatabaseFactory(tmp_path / "alone")  # no xdist: a template of its own
    alone.fresh("sqlite")
    assert made == ["sqlite", "sqlite"]


@pytest.mark.postgres
def test_workers_of_one_run_share_the_postgres_template_until_the_last_is_done(
    one_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = counting_upgrades(monkeypatch)
    template = "mosaic_tpl_feedc0ffee01"
    first = DatabaseFactory(tmp_path / "gw0", one_run)
    second = DatabaseFactory(tmp_path / "gw1", one_run)
    try:
        a, b = first.fresh("postgres"), second.fresh("postgres")
        assert made == ["postgres"]
        assert a != b
        for clone in (a, b):  # clones of the template
            rows = run_isolated(_fetch(clone, "SELECT to_regclass('post') IS NOT NULL AS made"))
            assert rows[0]["made"]
        assert databases_named(template) == {template}
        # a bench's smoke started by one of the run's tests clones the run's template too,
        # and holds it until its cleanup
        monkeypatch.setenv(SHARED_FOLDER, str(one_run))
        bench = DatabaseFactory.of_this_test_run(tmp_path / "bench")
        assert bench.fresh("postgres") not in (a, b) and made == ["postgres"]
        first.cleanup()
        bench.cleanup()
        assert databases_named(template) == {template}  # the second still clones from it
        second.cleanup()
        assert databases_named(template) == set()
        assert databases_named(a.rsplit("/", 1)[1]) == databases_named(b.rsplit("/", 1)[1]) == set()
        third = DatabaseFactory(tmp_path / "gw2", one_run)  # a worker that comes after
        third.fresh("postgres")
        assert made == ["postgres", "postgres"]
        third.cleanup()
        assert databases_named(template) == set()
    finally:
        first.cleanup()
        second.cleanup()


@pytest.mark.postgres
def test_the_next_database_is_empty_though_its_emptier_was_cut_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counting_upgrades(monkeypatch)
    factory = DatabaseFactory(tmp_path / "gw0")
    try:
        url = factory.fresh("postgres")
        assert factory.fresh("postgres") == url  # emptied on the connection it keeps
        name = url.rsplit("/", 1)[1]

        async def write_and_cut() -> None:
            connection = await asyncpg.connect(url, timeout=5)
            try:
                await connection.execute(ACCOUNT)
                await connection.execute(POST)
            finally:
                await connection.close()
            admin = await asyncpg.connect(postgres_admin_url(), timeout=5)
            try:
                cut = await admin.fetch(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                    name,
                )
            finally:
                await admin.close()
            assert len(cut) == 1  # the kept connection that empties it

        run_isolated(write_and_cut())
        assert factory.fresh("postgres") == url  # reused, not a new clone
        rows = run_isolated(_fetch(url, "SELECT count(*) AS n FROM account"))
        assert rows[0]["n"] == 0
        rows = run_isolated(_fetch(url, "SELECT count(*) AS n FROM post"))
        assert rows[0]["n"] == 0
        rows = run_isolated(_fetch(url, f"{ACCOUNT} RETURNING id"))
        assert rows[0]["id"] == 1  # ids start again
    finally:
        factory.cleanup()
