"""Content-addressed image files with thumbnails.

Every image is decoded and re-encoded on the way in: that strips EXIF and other metadata,
normalizes the format, and shrinks anything that would not fit the smallest platform upload
cap (Telegram photos: 10 MB, width + height ≤ 10,000, aspect ratio ≤ 20). Files are named by
the SHA-256 of the stored bytes, so the same picture is stored once.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from core.storage import LocalFolder, ObjectStore, write_atomically

MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # Telegram photo cap; Discord's default is the same
MAX_SIDE_SUM = 10_000
MAX_ASPECT = 20
THUMBNAIL_SIZE = (320, 320)
# Pillow (decoding, re-encoding, thumbnails, the decode limit) is core/picture_codec.py,
# imported by the methods that need it: a process that never handles a picture never loads it.


@dataclass(frozen=True, slots=True)
class ImageFile:
    sha256: str
    format: str
    width: int
    height: int
    size_bytes: int
    path: Path
    thumbnail_path: Path


class ImageStore(Protocol):
    async def put(self, data: bytes, *, trusted: bool = False) -> ImageFile: ...

    def path(self, sha256: str) -> Path: ...

    def thumbnail_path(self, sha256: str) -> Path: ...

    async def thumbnail(self, sha256: str) -> Path: ...

    async def local_copy(self, sha256: str) -> Path: ...

    async def describe(self, sha256: str) -> ImageFile: ...

    async def remove(self, sha256: str) -> None: ...

    async def check_ready(self) -> None: ...


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Chunks that draw the picture; everything else (text, EXIF, time, ICC profiles…) is dropped.
PNG_PICTURE_CHUNKS = frozenset(
    {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND", b"gAMA", b"cHRM", b"sRGB", b"sBIT"}
)


def strip_png_metadata(data: bytes) -> bytes | None:
    """The same PNG without metadata chunks, or None if `data` is not a well-formed PNG.

    Copying chunks is far cheaper than decoding and re-compressing the pixels.
    """
    if not data.startswith(PNG_SIGNATURE):
        return None
    kept, offset = [PNG_SIGNATURE], len(PNG_SIGNATURE)
    while offset + 12 <= len(data):
        length = int.from_bytes(data[offset : offset + 4], "big")
        end = offset + 12 + length
        if end > len(data):
            return None
        kind = data[offset + 4 : offset + 8]
        if kind in PNG_PICTURE_CHUNKS:
            kept.append(data[offset:end])
        offset = end
        if kind == b"IEND":
            return b"".join(kept)
    return None


def _trusted_png(data: bytes, max_bytes: int) -> tuple[bytes, int, int] | None:
    """A trusted PNG without its metadata, with its size, if it fits every platform as is."""
    stripped = strip_png_metadata(data)
    if stripped is None or len(stripped) > max_bytes or stripped[12:16] != b"IHDR":
        return None
    width = int.from_bytes(stripped[16:20], "big")
    height = int.from_bytes(stripped[20:24], "big")
    if not width or not height or width + height > MAX_SIDE_SUM:
        return None
    if max(width, height) / min(width, height) > MAX_ASPECT:
        return None
    return stripped, width, height


class ContentImageStore:
    """Images by their SHA-256 in an `ObjectStore`, read through a local folder.

    Keys: `ab/abcdef….png` (or `.webp`) and `thumbs/ab/abcdef….webp`. With the default
    store, the folder *is* the store (`MOSAIC_DATA_DIR/images`); with an object store
    (`MOSAIC_STORAGE_URL`), the folder keeps local copies of what this process wrote or read,
    and a copy another machine needs is fetched from the store on first use.
    """

    def __init__(
        self, root: Path, max_bytes: int = MAX_UPLOAD_BYTES, objects: ObjectStore | None = None
    ) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self._folder = LocalFolder(root)
        self.objects: ObjectStore = objects or self._folder
        self._remote = objects is not None

    def __repr__(self) -> str:
        return f"ContentImageStore({str(self.root)!r}, objects={self.objects!r})"

    async def check_ready(self) -> None:
        """`/healthz`: the local folder takes writes and, when configured, the object store
        answers (`ObjectStore.check_ready`)."""
        await self._folder.check_ready()
        if self._remote:
            await self.objects.check_ready()

    @staticmethod
    def _keys(sha256: str) -> tuple[str, ...]:
        return tuple(f"{sha256[:2]}/{sha256}.{suffix}" for suffix in ("png", "webp"))

    @staticmethod
    def _thumbnail_key(sha256: str) -> str:
        return f"thumbs/{sha256[:2]}/{sha256}.webp"

    def _find(self, sha256: str) -> Path | None:
        for key in self._keys(sha256):
            candidate = self._folder.file(key)
            if candidate.exists():
                return candidate
        return None

    def path(self, sha256: str) -> Path:
        """The image's local file; with an object store, a missing copy is fetched (blocking:
        async callers use `local_copy`)."""
        found = self._find(sha256)
        if found is not None:
            return found
        if self._remote:
            for key in self._keys(sha256):
                try:
                    data = self.objects.read_now(key)
                except FileNotFoundError:
                    continue
                write_atomically(self._folder.file(key), data)
                return self._folder.file(key)
        raise FileNotFoundError(sha256)

    async def local_copy(self, sha256: str) -> Path:
        """The image's local file, fetched from the object store when this machine has none."""
        found = self._find(sha256)
        if found is not None or not self._remote:
            return found or self.path(sha256)
        for key in self._keys(sha256):
            try:
                data = await self.objects.get(key)
            except FileNotFoundError:
                continue
            await self._folder.put(key, data)
            return self._folder.file(key)
        raise FileNotFoundError(sha256)

    def thumbnail_path(self, sha256: str) -> Path:
        return self._folder.file(self._thumbnail_key(sha256))

    def _encode(self, data: bytes, trusted: bool) -> ImageFile:
        fast = _trusted_png(data, self.max_bytes) if trusted else None
        if fast is not None:
            encoded, width, height = fast
            fmt = "png"
        else:
            from core.picture_codec import encode_for_platforms

            encoded, fmt, image = encode_for_platforms(data, self.max_bytes)
            width, height = image.size
        sha = hashlib.sha256(encoded).hexdigest()
        path = self._folder.file(f"{sha[:2]}/{sha}.{fmt}")
        if not path.exists():
            write_atomically(path, encoded)
        return ImageFile(sha, fmt, width, height, len(encoded), path, self.thumbnail_path(sha))

    async def put(self, data: bytes, *, trusted: bool = False) -> ImageFile:
        """Store an image. `trusted` (our image providers' output) skips decoding a PNG:
        its structure is checked and its metadata chunks dropped, which is ~50× cheaper.
        The same bytes get the same key and are written once."""
        stored = await asyncio.to_thread(self._encode, data, trusted)
        if self._remote:
            key = f"{stored.sha256[:2]}/{stored.path.name}"
            await self.objects.put_new(key, await asyncio.to_thread(stored.path.read_bytes))
        return stored

    async def thumbnail(self, sha256: str) -> Path:
        """The thumbnail's path, made on first use (digests and collages need them)."""
        thumb = self.thumbnail_path(sha256)
        if thumb.exists():
            return thumb
        key = self._thumbnail_key(sha256)
        if self._remote:
            try:
                await self._folder.put(key, await self.objects.get(key))
                return thumb
            except FileNotFoundError:
                pass
        from core.picture_codec import thumbnail

        data = await asyncio.to_thread(thumbnail, await self.local_copy(sha256))
        await self._folder.put(key, data)
        if self._remote:
            await self.objects.put(key, data)
        return thumb

    def _describe_sync(self, path: Path) -> ImageFile:
        from core.picture_codec import picture_size

        width, height = picture_size(path)  # reads the header only
        fmt = path.suffix.removeprefix(".")
        sha256 = path.stem
        return ImageFile(
            sha256, fmt, width, height, path.stat().st_size, path, self.thumbnail_path(sha256)
        )

    async def describe(self, sha256: str) -> ImageFile:
        """A stored image's facts, from its file (raises FileNotFoundError when it is gone)."""
        return await asyncio.to_thread(self._describe_sync, await self.local_copy(sha256))

    async def remove(self, sha256: str) -> None:
        keys = (*self._keys(sha256), self._thumbnail_key(sha256))
        for key in keys:
            if self._remote:
                await self.objects.delete(key)
            await self._folder.delete(key)
