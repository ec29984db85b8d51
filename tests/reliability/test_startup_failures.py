"""Bad files and bad configuration: one clear line and a documented exit code, never a hang
or a traceback (issue #16, finding 3). Through `bot.cli.main`, as `mosaic` runs it."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from core.persistence.database import upgrade
from core.persistence.preflight import ExitCode
from tests.support.databases import run_isolated


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("MOSAIC_DATA_DIR", str(folder))
    monkeypatch.delenv("MOSAIC_DATABASE_URL", raising=False)
    for token in ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN"):
        monkeypatch.delenv(token, raising=False)
    return folder


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got: {err}"
    return code, lines[0]


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("migrated") / "mosaic.db"
    run_isolated(upgrade(f"sqlite://{path}"))
    return path


def test_random_bytes(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (data / "mosaic.db").write_bytes(os.urandom(100_000))
    code, line = run(capsys, "db", "upgrade")
    assert code == ExitCode.DATABASE_DAMAGED == 4
    assert "is damaged (not a SQLite file)" in line and "move it aside" in line


def test_truncated_file(data: Path, migrated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    whole = migrated.read_bytes()
    (data / "mosaic.db").write_bytes(whole[: len(whole) // 3])
    code, line = run(capsys, "db", "upgrade")
    assert code == ExitCode.DATABASE_DAMAGED
    assert "is damaged" in line


def test_overwritten_pages(data: Path, migrated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    damaged = bytearray(migrated.read_bytes())
    page = 4096
    for number in range(1, len(damaged) // page, 2):  # every other page after the first
        damaged[number * page : number * page + 512] = os.urandom(512)
    (data / "mosaic.db").write_bytes(bytes(damaged))
    code, line = run(capsys, "chat", "--as", "a")
    assert code == ExitCode.DATABASE_DAMAGED
    assert "is damaged" in line


def test_read_only_data_folder(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes to read-only folders: cannot test as root")
    data.chmod(0o555)
    try:
        code, line = run(capsys, "chat", "--as", "a")
    finally:
        data.chmod(0o755)
    assert code == ExitCode.NOT_WRITABLE
    assert "not writable" in line


def test_data_folder_that_is_a_file(tmp_path: Path, data: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("MOSAIC_DATA_DIR", str(blocker / "data"))
    code, line = run(capsys, "chat", "--as", "a")
    assert code == ExitCode.NOT_WRITABLE
    assert "is not writable" in line and "MOSAIC_DATA_DIR" in line


def test_migration_unknown_to_this_version(
    data: Path, migrated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copyfile(migrated, data / "mosaic.db")
    with sqlite3.connect(data / "mosaic.db") as connection:
        connection.execute(
            "INSERT INTO tortoise_migrations (app, name, applied_at) "
            "VALUES ('models', '0099_from_the_future', '2030-01-01')"
        )
    code, line = run(capsys, "db", "upgrade")
    assert code == ExitCode.SCHEMA_UNKNOWN
    assert "0099_from_the_future" in line


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://postgres@127.0.0.1:5499/x", "cannot reach PostgreSQL at 127.0.0.1:5499"),
        ("mysql://user@127.0.0.1/x", "the scheme 'mysql'"),
    ],
)
def test_database_url_that_cannot_work(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys, url: str, expected: str
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MOSAIC_DATABASE_URL", url)
    code, line = run(capsys, "chat", "--as", "a")
    assert code in (ExitCode.DATABASE_UNREACHABLE, ExitCode.CONFIGURATION)
    assert expected in line


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("nobody_r16@127.0.0.1:5432/postgres", "refused the login of 'nobody_r16'"),
        ("postgres@127.0.0.1:5432/no_such_db_r16", "has no database 'no_such_db_r16'"),
    ],
)
def test_postgres_refuses(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys, path: str, expected: str
) -> None:  # type: ignore[no-untyped-def]
    from tests.support.databases import postgres_admin_url

    try:
        run_isolated(_reachable(postgres_admin_url()))
    except OSError as error:
        if os.environ.get("MOSAIC_REQUIRE_POSTGRES") == "1":
            raise
        pytest.skip(f"PostgreSQL unreachable: {error!r}")
    monkeypatch.setenv("MOSAIC_DATABASE_URL", f"postgres://{path}")
    code, line = run(capsys, "chat", "--as", "a")
    assert code == ExitCode.DATABASE_UNREACHABLE
    assert expected in line


async def _reachable(url: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url, timeout=5)
    await connection.close()


def test_piping_into_head_ends_quietly(tmp_path: Path) -> None:
    import subprocess
    import sys

    mosaic = Path(sys.executable).with_name("mosaic")
    env = {**os.environ, "MOSAIC_DATA_DIR": str(tmp_path / "d"), "MOSAIC_DATABASE_URL": ""}
    done = subprocess.run(
        f"printf '/help\\n/quota\\n/help\\n/help\\n' | {mosaic} chat --as pipe | head -n 1",
        shell=True,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.stdout.startswith("pipe> /help")
    assert "BrokenPipe" not in done.stderr and "Traceback" not in done.stderr, done.stderr
