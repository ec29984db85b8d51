"""Content-addressed image files with thumbnails.

Every image is decoded and re-encoded on the way in: that strips EXIF and other metadata,
normalizes the format, and shrinks anything that would not fit the smallest platform upload
cap (Telegram photos: 10 MB, width + height ≤ 10,000, aspect ratio ≤ 20). Files are named by
the SHA-256 of the stored bytes, so the same picture is stored once.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PIL import Image, UnidentifiedImageError

from core.errors import InvalidInput

MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # Telegram photo cap; Discord's default is the same
MAX_SIDE_SUM = 10_000
MAX_ASPECT = 20
MAX_DECODE_PIXELS = 50_000_000
THUMBNAIL_SIZE = (320, 320)

Image.MAX_IMAGE_PIXELS = MAX_DECODE_PIXELS


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
    async def put(self, data: bytes) -> ImageFile: ...

    def path(self, sha256: str) -> Path: ...

    def thumbnail_path(self, sha256: str) -> Path: ...

    async def remove(self, sha256: str) -> None: ...


def _decode(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise InvalidInput("error.bad_image") from exc
    return image


def _fit_platform_shape(image: Image.Image) -> Image.Image:
    width, height = image.size
    if max(width, height) / max(1, min(width, height)) > MAX_ASPECT:
        raise InvalidInput("error.image_shape", width=width, height=height)
    if width + height > MAX_SIDE_SUM:
        scale = MAX_SIDE_SUM / (width + height)
        image = image.resize((max(1, int(width * scale)), max(1, int(height * scale))))
    return image


def encode_for_platforms(
    data: bytes, max_bytes: int = MAX_UPLOAD_BYTES
) -> tuple[bytes, str, Image.Image]:
    """Decode, drop metadata, and encode as PNG, or WebP/JPEG when PNG is over `max_bytes`."""
    image = _fit_platform_shape(_decode(data))
    has_alpha = image.mode in ("RGBA", "LA") or "transparency" in image.info
    clean = image.convert("RGBA" if has_alpha else "RGB")
    out = io.BytesIO()
    clean.save(out, format="PNG", optimize=False)
    if out.tell() <= max_bytes:
        return out.getvalue(), "png", clean
    for quality in (90, 80, 70, 55, 40):
        out = io.BytesIO()
        clean.save(out, format="WEBP", quality=quality, method=4)
        if out.tell() <= max_bytes:
            return out.getvalue(), "webp", clean
    while True:  # last resort: halve the size until it fits
        clean = clean.resize((max(1, clean.width // 2), max(1, clean.height // 2)))
        out = io.BytesIO()
        clean.save(out, format="WEBP", quality=80)
        if out.tell() <= max_bytes:
            return out.getvalue(), "webp", clean


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class LocalImageStore:
    """Images under a folder: `<root>/ab/abcdef….png` plus `<root>/thumbs/ab/abcdef….webp`."""

    def __init__(self, root: Path, max_bytes: int = MAX_UPLOAD_BYTES) -> None:
        self.root = root
        self.max_bytes = max_bytes

    def __repr__(self) -> str:
        return f"LocalImageStore({str(self.root)!r})"

    def _find(self, sha256: str) -> Path | None:
        folder = self.root / sha256[:2]
        for suffix in ("png", "webp"):
            candidate = folder / f"{sha256}.{suffix}"
            if candidate.exists():
                return candidate
        return None

    def path(self, sha256: str) -> Path:
        found = self._find(sha256)
        if found is None:
            raise FileNotFoundError(sha256)
        return found

    def thumbnail_path(self, sha256: str) -> Path:
        return self.root / "thumbs" / sha256[:2] / f"{sha256}.webp"

    def _put_sync(self, data: bytes) -> ImageFile:
        encoded, fmt, image = encode_for_platforms(data, self.max_bytes)
        sha = hashlib.sha256(encoded).hexdigest()
        path = self.root / sha[:2] / f"{sha}.{fmt}"
        if not path.exists():
            _write_atomically(path, encoded)
        thumb = self.thumbnail_path(sha)
        if not thumb.exists():
            small = image.copy()
            small.thumbnail(THUMBNAIL_SIZE)
            buffer = io.BytesIO()
            small.save(buffer, format="WEBP", quality=80)
            _write_atomically(thumb, buffer.getvalue())
        return ImageFile(sha, fmt, image.width, image.height, len(encoded), path, thumb)

    async def put(self, data: bytes) -> ImageFile:
        return await asyncio.to_thread(self._put_sync, data)

    async def remove(self, sha256: str) -> None:
        for path in (self._find(sha256), self.thumbnail_path(sha256)):
            if path is not None:
                path.unlink(missing_ok=True)
