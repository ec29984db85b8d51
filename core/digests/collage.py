"""The digest picture: a mosaic of the items' thumbnails with numbered tiles, a header with
the destination's name and the date, and the "AI-generated" label.

Tiles are the store's 320 px thumbnails, cropped square and shown at their own size (so
they stay sharp); the grid is as square as the item count allows.
"""

from __future__ import annotations

import functools
import io
import math
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

from core.generation.lettering import drawable_text

TILE = 300
GAP = 12
HEADER = 96
BACKGROUND = (24, 22, 32)
HEADER_TEXT = (245, 243, 255)
MUTED_TEXT = (180, 176, 200)
BADGE = (124, 92, 255)
LABEL_FILL = (255, 255, 255)
COLUMNS = {1: 1, 2: 2, 3: 3, 4: 2, 5: 3, 6: 3, 7: 4, 8: 4, 9: 3, 10: 5}


@dataclass(frozen=True, slots=True)
class CollageText:
    title: str  # the destination's name ("Your digest" in a DM)
    date: str  # already localized
    ai_label: str  # "AI-generated" / "KI-generiert"


@functools.lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont:
    font = ImageFont.load_default(size=size)
    if not isinstance(font, ImageFont.FreeTypeFont):  # Pillow built without FreeType
        raise RuntimeError("Pillow needs FreeType support to draw digest collages")
    return font.font_variant(layout_engine=ImageFont.Layout.BASIC)


def grid(count: int) -> tuple[int, int]:
    """(columns, rows) for `count` tiles."""
    columns = COLUMNS.get(count, math.ceil(math.sqrt(count)))
    return columns, math.ceil(count / columns)


def _fit(text: str, font: ImageFont.FreeTypeFont, width: float) -> str:
    text = drawable_text(text, font)
    while text and font.getlength(text) > width:
        text = text[:-2].rstrip() + "…" if len(text) > 2 else ""
    return text


def _tile(path: Path | None) -> Image.Image:
    if path is None:
        return Image.new("RGB", (TILE, TILE), (60, 56, 72))
    with Image.open(path) as image:
        return ImageOps.fit(image.convert("RGB"), (TILE, TILE), Image.Resampling.LANCZOS)


def _badge(canvas: ImageDraw.ImageDraw, x: int, y: int, number: int) -> None:
    font = _font(26)
    radius = 22
    box = (x + 10, y + 10, x + 10 + 2 * radius, y + 10 + 2 * radius)
    canvas.ellipse(box, fill=BADGE, outline=(255, 255, 255), width=2)
    canvas.text(
        (box[0] + radius, box[1] + radius), str(number), font=font, fill=LABEL_FILL, anchor="mm"
    )


def render_collage(thumbnails: list[Path | None], text: CollageText) -> bytes:
    """A PNG of the numbered tiles under a header (blocking: run it in a thread)."""
    columns, rows = grid(len(thumbnails))
    width = columns * TILE + (columns + 1) * GAP
    height = HEADER + rows * TILE + (rows + 1) * GAP
    picture = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(picture)

    label_font = _font(20)
    label = _fit(text.ai_label, label_font, width / 3)
    label_width = int(label_font.getlength(label)) + 24
    label_box = (width - GAP - label_width, 18, width - GAP, 50)
    draw.rounded_rectangle(label_box, radius=14, outline=MUTED_TEXT, width=2)
    draw.text(
        ((label_box[0] + label_box[2]) / 2, 34),
        label,
        font=label_font,
        fill=MUTED_TEXT,
        anchor="mm",
    )
    title_font = _font(34)
    title = _fit(text.title, title_font, width - label_width - 3 * GAP)
    draw.text((GAP + 4, 16), title, font=title_font, fill=HEADER_TEXT)
    draw.text((GAP + 4, 60), _fit(text.date, _font(22), width / 2), font=_font(22), fill=MUTED_TEXT)

    for index, path in enumerate(thumbnails):
        column, row = index % columns, index // columns
        x = GAP + column * (TILE + GAP)
        y = HEADER + GAP + row * (TILE + GAP)
        picture.paste(_tile(path), (x, y))
        _badge(draw, x, y, index + 1)

    out = io.BytesIO()
    picture.save(out, format="PNG", compress_level=3)
    return out.getvalue()
