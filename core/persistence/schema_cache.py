"""A new SQLite database starts as a copy of the migrated empty schema, not migration by migration.

Migrating an empty SQLite file through every migration costs ~3-4 s of CPU: tortoise rebuilds
its model state for each operation. For a given set of migrations the result is always the
same file, so the first upgrade of a new file keeps a copy of it in the local cache folder
(`core.local_cache`), named by a digest of the migrations' source (and of the project's
modules they import), the tortoise version and the SQLite library's version; a later upgrade
of a file that does not exist yet starts from that copy. The upgrade then runs the
migrations as always: with the copy, tortoise finds every one of them applied and does
nothing, so a copy that missed one would still get it.

Only a file that does not exist is made from the cache (never one another process is
creating: the copy is linked into place only if nothing is there). When the cache cannot be
read or written the upgrade migrates step by step: the cache only ever saves time. PostgreSQL
databases are always migrated.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import logging
import os
import shutil
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import tortoise

from core.local_cache import cache_root, private

log = logging.getLogger(__name__)


def _sources(migrations_module: str) -> list[Path]:
    """The migrations' files and those of the project's modules they import (the enums of
    `core.domain` set column lengths and comments)."""
    package = importlib.import_module(migrations_module)
    migrations = sorted(Path(package.__path__[0]).glob("*.py"))
    project = migrations_module.split(".")[0]
    used: set[str] = set()
    for source in migrations:
        if source.stem == "__init__":
            continue
        module = importlib.import_module(f"{migrations_module}.{source.stem}")
        for value in vars(module).values():
            name = (
                value.__name__
                if isinstance(value, ModuleType)
                else getattr(value, "__module__", None)
            )
            if isinstance(name, str) and name.split(".")[0] == project:
                used.add(name)
    imported = {Path(str(sys.modules[name].__file__)) for name in used}
    return migrations + sorted(imported - set(migrations))


def _entry(migrations_module: str) -> Path:
    digest = hashlib.sha256(f"{tortoise.__version__} {sqlite3.sqlite_version}".encode())
    for source in _sources(migrations_module):
        digest.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
    return cache_root() / f"sqlite-schema-{digest.hexdigest()[:24]}.db"


def restore(path: Path, migrations_module: str) -> bool:
    """Make `path` (which must not exist) a copy of the cached schema; False when there is
    none, it cannot be used, or another process made `path` first."""
    try:
        entry = _entry(migrations_module)
        if not entry.is_file() or not all(private(p) for p in (entry.parent, entry)):
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        shutil.copyfile(entry, partial)
        _applied_now(partial)
        try:
            os.link(partial, path)  # only if nothing is there yet
        finally:
            partial.unlink()
        return True
    except Exception as exc:  # no cache, a race lost, a read-only folder: migrate instead
        log.debug("SQLite schema not restored from the cache: %r", exc)
        return False


def _applied_now(path: Path) -> None:
    """The copy's migrations applied now, as an upgrade of this file would record them (the
    cached copy holds the times of the upgrade that made it)."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        known = "SELECT 1 FROM sqlite_master WHERE name = 'tortoise_migrations'"
        if db.execute(known).fetchone():
            now = str(datetime.now(UTC))
            db.execute("UPDATE tortoise_migrations SET applied_at = ?", (now,))
            db.commit()


def store(path: Path, migrations_module: str) -> None:
    """Keep a copy of `path`, just migrated from nothing and closed; quietly does nothing
    when it cannot."""
    if path.with_name(f"{path.name}-wal").exists():  # not closed cleanly: not a clean copy
        return
    partial: Path | None = None
    try:
        entry = _entry(migrations_module)
        entry.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = entry.with_name(f".{entry.name}.{os.getpid()}")
        shutil.copyfile(path, partial)
        os.replace(partial, entry)
    except Exception as exc:
        log.debug("SQLite schema not cached: %r", exc)
        if partial is not None:
            with contextlib.suppress(OSError):
                partial.unlink()
