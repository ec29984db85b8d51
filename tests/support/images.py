"""Small real images for tests."""

from __future__ import annotations

import io

from PIL import Image


def png_bytes(
    color: tuple[int, int, int] = (200, 40, 90),
    size: tuple[int, int] = (64, 48),
    *,
    exif: bool = False,
) -> bytes:
    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    if exif:
        info = Image.Exif()
        info[0x010F] = "SecretCam"  # Make
        info[0x8825] = {2: (52.0, 31.0, 0.0)}  # GPS
        image.save(out, format="JPEG", exif=info)
    else:
        image.save(out, format="PNG")
    return out.getvalue()
