"""Start-up checks: a database and a data folder Mosaic can use, or one clear line.

Run before anything opens the database, each step under a time limit so that nothing hangs:

    URL scheme ─► data folder writable ─► SQLite file: header, `PRAGMA quick_check`,
    writable │ PostgreSQL: reachable, credentials, database exists ─► no migration unknown here

Each failure is a `StartupFailure` carrying its exit code (README, "Troubleshooting").
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from pathlib import Path
from urllib.parse import urlsplit

from core.errors import ConfigurationError
from core.persistence.database import (
    applied_in_postgres,
    applied_in_sqlite,
    asyncpg_url,
    is_postgres,
    migration_names,
)
from core.storage import ObjectStore, StorageUnavailable

__all__ = ["ExitCode", "StartupFailure", "check_startup"]

SQLITE_HEADER = b"SQLite format 3\x00"
CHECK_SECONDS = 20.0  # for the whole quick_check, and for reaching PostgreSQL


class ExitCode:
    UNEXPECTED = 1
    CONFIGURATION = 2  # also what `ConfigurationError` exits with
    DATABASE_UNREACHABLE = 3
    DATABASE_DAMAGED = 4
    NOT_WRITABLE = 5
    SCHEMA_UNKNOWN = 6
    STORAGE_UNAVAILABLE = 7
    INTERRUPTED = 130


class StartupFailure(ConfigurationError):
    def __init__(self, exit_code: int, message: str) -> None:
        super().__init__(message)
        self.exit_code = exit_code


async def check_startup(url: str, data_dir: Path, *, seconds: float = CHECK_SECONDS) -> None:
    if not url.startswith(("sqlite://", "postgres://", "postgresql://", "asyncpg://")):
        scheme = url.split("://", 1)[0] if "://" in url else url[:20]
        raise StartupFailure(
            ExitCode.CONFIGURATION,
            f"MOSAIC_DATABASE_URL has the scheme {scheme!r}, which Mosaic does not speak; "
            "use sqlite:///path/to/mosaic.db or postgres://user:password@host:5432/name",
        )
    _check_writable_folder(data_dir)
    if is_postgres(url):
        applied = await _check_postgres(url, seconds)
    else:
        applied = await asyncio.to_thread(_check_sqlite, url.removeprefix("sqlite://"), seconds)
    unknown = sorted(set(applied) - migration_names())
    if unknown:
        raise StartupFailure(
            ExitCode.SCHEMA_UNKNOWN,
            f"the database has migrations this Mosaic does not have ({', '.join(unknown)}): "
            "a newer version upgraded it; run that version, or restore a backup",
        )


async def check_object_store(store: ObjectStore) -> None:
    """The configured object store takes a write (reachable, credentials right, bucket there)."""
    try:
        await store.check_writable()
    except StorageUnavailable as error:
        raise StartupFailure(
            ExitCode.STORAGE_UNAVAILABLE,
            f"the object store {store.describe()} cannot be used ({error.cause}); check that "
            "the bucket exists, MOSAIC_STORAGE_URL, AWS_ENDPOINT_URL and the AWS credentials",
        ) from None


def _check_writable_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-check-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise StartupFailure(
            ExitCode.NOT_WRITABLE,
            f"the data folder {folder} is not writable ({error.strerror}); make it writable "
            "(chmod u+w) or point MOSAIC_DATA_DIR at another folder",
        ) from error


def _check_sqlite(path: str, seconds: float) -> list[str]:
    if path == ":memory:":
        return []
    file = Path(path)
    try:
        with file.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        _check_writable_folder(file.parent)
        return []  # a new database: created and migrated next
    except OSError as error:
        raise StartupFailure(
            ExitCode.NOT_WRITABLE,
            f"cannot read the database {file} ({error.strerror}); fix its permissions",
        ) from error
    if not header:
        return []  # an empty file is a new database to SQLite
    damaged = (
        f"the database {file} is damaged ({{}}); move it aside (a new, empty one is made "
        "at the next start) or restore a backup"
    )
    if header != SQLITE_HEADER:
        raise StartupFailure(ExitCode.DATABASE_DAMAGED, damaged.format("not a SQLite file"))
    if not os.access(file, os.W_OK) or not os.access(file.parent, os.W_OK):
        raise StartupFailure(
            ExitCode.NOT_WRITABLE,
            f"the database {file} or its folder is read-only; make both writable (chmod u+w)",
        )
    deadline = time.monotonic() + seconds
    try:
        connection = sqlite3.connect(f"file:{file}?mode=ro", uri=True, timeout=seconds)
    except sqlite3.Error as error:
        raise StartupFailure(ExitCode.DATABASE_DAMAGED, damaged.format(error)) from error
    try:
        connection.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
        problems = [row[0] for row in connection.execute("PRAGMA quick_check(5)")]
        if problems != ["ok"]:
            raise StartupFailure(
                ExitCode.DATABASE_DAMAGED, damaged.format("; ".join(problems)[:200])
            )
        return applied_in_sqlite(connection) or []
    except sqlite3.OperationalError as error:
        if "interrupted" in str(error):
            raise StartupFailure(
                ExitCode.DATABASE_DAMAGED,
                damaged.format(f"checking it took longer than {seconds:.0f} s"),
            ) from error
        if "locked" in str(error):
            return []  # another process is writing: it is in use, hence readable
        raise StartupFailure(ExitCode.DATABASE_DAMAGED, damaged.format(error)) from error
    except sqlite3.DatabaseError as error:
        raise StartupFailure(ExitCode.DATABASE_DAMAGED, damaged.format(error)) from error
    finally:
        connection.close()


async def _check_postgres(url: str, seconds: float) -> list[str]:
    import asyncpg  # here: a SQLite process never loads it

    parts = urlsplit(url)
    where = f"PostgreSQL at {parts.hostname or 'localhost'}:{parts.port or 5432}"
    name = parts.path.lstrip("/") or parts.username or "postgres"
    fix = "fix MOSAIC_DATABASE_URL"
    try:
        connection = await asyncpg.connect(asyncpg_url(url), timeout=seconds)
    except TimeoutError as error:
        raise StartupFailure(
            ExitCode.DATABASE_UNREACHABLE, f"{where} did not answer within {seconds:.0f} s; {fix}"
        ) from error
    except asyncpg.InvalidCatalogNameError as error:
        raise StartupFailure(
            ExitCode.DATABASE_UNREACHABLE,
            f"{where} has no database {name!r}; create it (createdb {name}) or {fix}",
        ) from error
    except (asyncpg.InvalidPasswordError, asyncpg.InvalidAuthorizationSpecificationError) as e:
        raise StartupFailure(
            ExitCode.DATABASE_UNREACHABLE,
            f"{where} refused the login of {parts.username or 'the user'!r} ({e}); {fix}",
        ) from e
    except asyncpg.PostgresError as error:
        raise StartupFailure(
            ExitCode.DATABASE_UNREACHABLE, f"{where} refused the connection ({error}); {fix}"
        ) from error
    except OSError as error:
        reason = error.strerror or str(error) or type(error).__name__
        raise StartupFailure(
            ExitCode.DATABASE_UNREACHABLE,
            f"cannot reach {where} ({reason}); start the server or {fix}",
        ) from error
    try:
        return await applied_in_postgres(connection) or []
    finally:
        await connection.close()
