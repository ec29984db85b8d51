"""A new SQLite file starts as a copy of the cached migrated schema
(core/persistence/schema_cache.py), and the migrations still run on it."""

from __future__ import annotations

import asyncio
import importlib
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.persistence import schema_cache
from core.persistence.database import MIGRATIONS_MODULE, upgrade
from tests.support.databases import DatabaseFactory

MIGRATIONS = sorted(
    p.stem for p in (Path(__file__).parents[2] / "core/persistence/migrations").glob("0*.py")
)


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _applied(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        return sorted(r[0] for r in db.execute("SELECT name FROM tortoise_migrations"))


def _schema(path: Path) -> dict[str, object]:
    """Each table's columns (name, type, NOT NULL, default, key), foreign keys and indexes
    (their columns and uniqueness), and the named indexes' SQL. Not the CREATE TABLE text:
    tortoise lays a model's relation columns out in the order of a set of their names
    (`tortoise/migrations/schema_generator/state_apps.py`), which varies with the process's
    hash seed, so two processes migrate the same schema with columns in a different order."""
    schema: dict[str, object] = {}
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in sorted(tables):
            columns = sorted(tuple(row[1:]) for row in db.execute(f'PRAGMA table_xinfo("{table}")'))
            keys = sorted(
                tuple(row[2:]) for row in db.execute(f'PRAGMA foreign_key_list("{table}")')
            )
            indexes = sorted(
                (
                    unique,
                    origin,
                    tuple(r[2] for r in db.execute(f'PRAGMA index_info("{name}")')),
                )
                for _, name, unique, origin, _ in db.execute(f'PRAGMA index_list("{table}")')
            )
            schema[table] = (columns, keys, indexes)
        named = "SELECT name, tbl_name, sql FROM sqlite_master WHERE type != 'table' AND sql != ''"
        schema["named indexes, triggers and views"] = sorted(db.execute(named))
    return schema


def _dump(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        return list(db.iterdump())


@pytest.fixture
def template(tmp_path: Path, databases: DatabaseFactory) -> Path:
    """A copy of the run's template (made first, so in the suite's own cache folder)."""
    return databases.migrated_sqlite_file(tmp_path / "template.db")


@pytest.fixture
def cache(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The cached schema's place in a cache folder of this test's own."""
    monkeypatch.setenv("MOSAIC_CACHE_DIR", str(tmp_path / "cache"))
    entry = schema_cache._entry(MIGRATIONS_MODULE)
    entry.parent.mkdir(mode=0o700)
    return entry


def _marked_copy(source: Path, entry: Path) -> None:
    """`entry` becomes a copy of `source` with one more table, so a file made from it shows."""
    entry.write_bytes(source.read_bytes())
    with sqlite3.connect(entry) as db:
        db.execute("CREATE TABLE marker (x INTEGER)")
    db.close()


def test_a_new_file_starts_as_the_cached_schema(
    cache: Path, template: Path, tmp_path: Path
) -> None:
    _marked_copy(template, cache)
    new = tmp_path / "data" / "mosaic.db"
    began = datetime.now(UTC)
    asyncio.run(upgrade(f"sqlite://{new}"))
    assert "marker" in _tables(new)
    assert _applied(new) == MIGRATIONS
    with sqlite3.connect(new) as db:  # applied now, as for a file migrated now
        times = [
            datetime.fromisoformat(r[0])
            for r in db.execute("SELECT applied_at FROM tortoise_migrations")
        ]
    db.close()
    assert min(times) >= began


def test_a_cached_schema_missing_migrations_still_gets_them(cache: Path, tmp_path: Path) -> None:
    with sqlite3.connect(cache) as db:  # a schema cached before any migration existed
        db.execute("CREATE TABLE marker (x INTEGER)")
    db.close()
    new = tmp_path / "mosaic.db"
    asyncio.run(upgrade(f"sqlite://{new}"))
    assert "marker" in _tables(new)
    assert _applied(new) == MIGRATIONS and {"post", "account"} <= _tables(new)


def test_an_existing_file_is_never_replaced(
    cache: Path, template: Path, tmp_path: Path, databases: DatabaseFactory
) -> None:
    _marked_copy(template, cache)
    mine = databases.migrated_sqlite_file(tmp_path / "mine.db")
    before = _dump(mine)
    assert not schema_cache.restore(mine, MIGRATIONS_MODULE)
    asyncio.run(upgrade(f"sqlite://{mine}"))
    assert _dump(mine) == before


def test_a_cached_schema_others_may_write_is_not_used(
    cache: Path, template: Path, tmp_path: Path
) -> None:
    _marked_copy(template, cache)
    cache.chmod(0o666)
    assert not schema_cache.restore(tmp_path / "new.db", MIGRATIONS_MODULE)
    assert not (tmp_path / "new.db").exists()


def test_the_cached_schema_is_the_schema_the_runs_template_was_migrated_to(
    template: Path,
) -> None:
    """tests/support/databases.py migrates the run's template from nothing (`step_by_step`),
    in this suite's cache folder; the copy kept there (by it, or by whichever new file of the
    run was migrated first) holds the same schema and migrations."""
    entry = schema_cache._entry(MIGRATIONS_MODULE)
    assert entry.is_file() and _schema(entry) == _schema(template)
    assert _applied(entry) == _applied(template) == MIGRATIONS


def test_the_name_of_the_cached_schema_changes_with_any_migration_or_what_it_imports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    (project / "migrations").mkdir(parents=True)
    (project / "__init__.py").write_text("")
    (project / "migrations" / "__init__.py").write_text("")
    (project / "kinds.py").write_text("class Kind:\n    A = 'a'\n")
    first = "from project.kinds import Kind\n\noperations = [Kind.A]\n"
    (project / "migrations" / "0001_initial.py").write_text(first)
    monkeypatch.syspath_prepend(str(tmp_path))
    names = [schema_cache._entry("project.migrations")]
    importlib.invalidate_caches()
    (project / "migrations" / "0001_initial.py").write_text(first + "# changed\n")
    names.append(schema_cache._entry("project.migrations"))
    (project / "migrations" / "0002_more.py").write_text("operations = []\n")
    importlib.invalidate_caches()
    names.append(schema_cache._entry("project.migrations"))
    (project / "kinds.py").write_text("class Kind:\n    A = 'a'\n    LONGER = 'longer'\n")
    names.append(schema_cache._entry("project.migrations"))
    assert len(set(names)) == 4
    assert schema_cache._entry("project.migrations") == names[-1]  # the same files: the same
    for name in [n for n in sys.modules if n == "project" or n.startswith("project.")]:
        del sys.modules[name]
