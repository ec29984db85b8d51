"""The machine-local cache folder: things a process can rebuild, kept so the next one need not.

It is `MOSAIC_CACHE_DIR`, else `$XDG_CACHE_HOME/mosaic`, else `~/.cache/mosaic`. What is in
it is only used when it belongs to this user and nobody else can write to it (`private`), and
whatever goes wrong with it, the process rebuilds what it needs: the cache only ever saves
time. Users: the embedding model's parsed form (`core.feed.model_cache`) and the migrated
empty SQLite schema (`core.persistence.schema_cache`).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


def cache_root() -> Path:
    configured = os.environ.get("MOSAIC_CACHE_DIR")
    if configured:
        return Path(configured)
    return user_cache_root()


def user_cache_root() -> Path:
    """This user's folder whatever `MOSAIC_CACHE_DIR` says (the test suite points that into its
    virtualenv): for what outlives a virtualenv, as the mypy gate's cache (tests/test_gates.py)."""
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "mosaic"


def private(path: Path) -> bool:
    """Ours, and nobody else may write to it (else what we read from it could be theirs)."""
    info = path.stat()
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
