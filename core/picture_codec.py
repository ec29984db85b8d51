"""Decoding, re-encoding and thumbnailing pictures with Pillow, under Mosaic's decode limit.

Imported when a picture is first handled, not at start-up: Pillow costs every process ~0.05 s
of CPU to import, and a process that never touches a picture (a console chat reading its feed,
a scheduler) never loads it. Every module that opens a picture does so through `open_image`,
so the limit is set before any untrusted picture is decoded, whoever decodes first.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import IO

from PIL import Image, UnidentifiedImageError

from core.errors import InvalidInput
from core.images import (
    MAX_ASPECT,
    MAX_SIDE_SUM,
    MAX_UPLOAD_BYTES,
    THUMBNAIL_SIZE,
    strip_png_metadata,
)

MAX_DECODE_PIXELS = 50_000_000
# Pillow's own check (DecompressionBombError above twice this) for every open in this process
Image.MAX_IMAGE_PIXELS = MAX_DECODE_PIXELS


def open_image(source: str | Path | IO[bytes]) -> Image.Image:
    """`PIL.Image.open` with the decode limit in force (the file is read lazily, as there)."""
    return Image.open(source)


def decode(data: bytes) -> Image.Image:
    try:
        image = open_image(io.BytesIO(data))
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
    """Drop metadata and fit the platforms' limits.

    A PNG that fits keeps its pixel data as is (only metadata chunks go); anything else is
    decoded and encoded as PNG, or as WebP when the PNG would be over `max_bytes`.
    """
    stripped = strip_png_metadata(data)
    if stripped is not None and len(stripped) <= max_bytes:
        image = decode(stripped)  # decoding proves the pixels are intact
        if _fit_platform_shape(image) is image:
            return stripped, "png", image
    image = _fit_platform_shape(decode(data))
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


def thumbnail(source: Path) -> bytes:
    """A WebP no larger than THUMBNAIL_SIZE of the picture in `source`."""
    with open_image(source) as image:
        image.draft("RGB", THUMBNAIL_SIZE)  # JPEG decodes at a fraction of the size
        small = image.convert("RGB")
    factor = max(1, min(small.width // THUMBNAIL_SIZE[0], small.height // THUMBNAIL_SIZE[1]))
    small = small.reduce(factor) if factor > 1 else small
    small.thumbnail(THUMBNAIL_SIZE)
    buffer = io.BytesIO()
    small.save(buffer, format="WEBP", quality=80, method=0)
    return buffer.getvalue()


def picture_size(path: Path) -> tuple[int, int]:
    """Width and height from the file's header (the pixels are not decoded)."""
    with open_image(path) as image:
        return image.size
