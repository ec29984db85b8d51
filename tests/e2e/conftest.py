"""End-to-end tests run `mosaic chat` as a process on a data folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.databases import DatabaseFactory


@pytest.fixture
def data_dir(tmp_path: Path, databases: DatabaseFactory) -> Path:
    """A data folder whose database is migrated already, as `mosaic db upgrade` leaves it (a
    copy of the session's template): the processes start without migrating from nothing, which
    cost each test seconds. The first run of a new installation, on an empty folder, is
    test_console_chat.py's (its own `data_dir`)."""
    folder = tmp_path / "data"
    databases.migrated_sqlite_file(folder / "mosaic.db")
    return folder
