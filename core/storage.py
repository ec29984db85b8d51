"""The storage port: named blobs (images, thumbnails, collages) in a folder or an object store.

`ObjectStore` is the one port every stored picture goes through. Keys are relative paths such
as `ab/abcdef….png`; callers make them content-addressed (the SHA-256 of the bytes), so a key
never changes meaning and writing the same key twice is skipped. Two implementations:

- `LocalFolder`: files under a folder, the embedded default (`MOSAIC_DATA_DIR/images`);
- `core.storage_s3.S3ObjectStore`: an S3-compatible store (`MOSAIC_STORAGE_URL=s3://…`).

A store that cannot be reached or refuses us raises `StorageUnavailable`: the user sees one
clear message (`error.storage_unavailable`), the operator a log line naming the store and the
cause, never a secret.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from abc import ABC, abstractmethod
from pathlib import Path

from core.errors import MosaicError


class StorageUnavailable(MosaicError):
    """The object store could not be reached or refused the request (user-safe)."""

    default_key = "error.storage_unavailable"

    def __init__(self, cause: str = "") -> None:
        super().__init__()
        self.cause = cause  # for the operator: what failed and the store's answer, no secret


class ObjectStore(ABC):
    """Blobs by key. `get`/`read_now` raise FileNotFoundError for a key that is not stored."""

    @abstractmethod
    def describe(self) -> str:
        """Where the blobs live, for logs and errors (never a secret)."""

    @abstractmethod
    async def put(self, key: str, data: bytes) -> None:
        """Store `data` under `key`, replacing nothing readers could tell apart."""

    @abstractmethod
    async def get(self, key: str) -> bytes: ...

    @abstractmethod
    def read_now(self, key: str) -> bytes:
        """`get` for callers that cannot await (it blocks: keep it off hot paths)."""

    @abstractmethod
    async def exists(self, key: str) -> bool: ...

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Remove `key`; removing a missing key is not an error."""

    async def put_new(self, key: str, data: bytes) -> bool:
        """Store `data` unless `key` exists (content-addressed: same key, same bytes).

        Returns whether it wrote."""
        if await self.exists(key):
            return False
        await self.put(key, data)
        return True

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.describe()})"

    async def check_writable(self) -> None:
        """Write and delete a probe object (start-up: the bucket exists and takes our writes);
        raises StorageUnavailable."""
        key = f".mosaic-write-check-{os.getpid()}"
        await self.put(key, b"")
        await self.delete(key)

    async def check_ready(self) -> None:
        """For `/healthz`, every few seconds: the store answers and lets us in. One read of a
        marker object; it is written only when missing (the first probe, or a bucket emptied
        or gone, where the write fails). Raises StorageUnavailable."""
        if not await self.exists(READY_KEY):
            await self.put(READY_KEY, b"")


READY_KEY = ".mosaic-ready"  # never a picture's key: those are content hashes


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Unique per writer: two jobs may store the same picture at the same moment.
    tmp = path.with_suffix(f"{path.suffix}.{os.getpid()}.{secrets.token_hex(6)}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class LocalFolder(ObjectStore):
    """Blobs as files under `root` (a key's slashes are folders)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def describe(self) -> str:
        return str(self.root)

    def file(self, key: str) -> Path:
        if key.startswith("/") or ".." in key.split("/"):
            raise ValueError(f"not a relative key: {key!r}")
        return self.root / key

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(write_atomically, self.file(key), data)

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self.read_now, key)

    def read_now(self, key: str) -> bytes:
        return self.file(key).read_bytes()

    async def exists(self, key: str) -> bool:
        return self.file(key).exists()

    async def delete(self, key: str) -> None:
        self.file(key).unlink(missing_ok=True)

    async def check_ready(self) -> None:
        """The folder, or the nearest folder it will be made in, takes our writes (nothing is
        written: the probe runs every few seconds)."""
        folder = self.root.resolve()
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        if not await asyncio.to_thread(os.access, folder, os.W_OK):
            raise PermissionError(f"{folder} is not writable")
