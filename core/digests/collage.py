"""The digest picture: a mosaic of the items' thumbnails with numbered tiles, a header with
the destination's name and the date, and the "AI-generated" label.

Tiles are the store's 320 px thumbnails, cropped square and shown at their own size (so
they stay sharp); the grid is as square as the item count allows. The canvas is never
narrower than two tiles (a single tile is centred), so the header fits at every count: the
title shrinks to fit beside the label, and only a name too long for the smallest size is
shortened with "…". `header_layout` says where each piece of text goes (tests measure it).
"""

from __future__ import annotations

import functools
import io
import math
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

from core.generation.lettering import drawable_text
from core.picture_codec import open_image

TILE = 300
GAP = 12
HEADER = 96
BACKGROUND = (24, 22, 32)
HEADER_TEXT = (245, 243, 255)
MUTED_TEXT = (180, 176, 200)
BADGE = (124, 92, 255)
LABEL_FILL = (255, 255, 255)
COLUMNS = {1: 1, 2: 2, 3: 3, 4: 2, 5: 3, 6: 3, 7: 4, 8: 4, 9: 3, 10: 5}
MIN_WIDTH = 2 * TILE + 3 * GAP
TITLE_SIZES = (34, 30, 26, 22)
LABEL_SIZE = 20
DATE_SIZE = 22
LABEL_PADDING = 12  # inside the label's rounded box, left and right


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


@dataclass(frozen=True, slots=True)
class PlacedText:
    text: str  # as drawn (shortened with "…" only if it could not fit at the smallest size)
    size: int  # font size in px
    xy: tuple[float, float]  # the anchor point
    anchor: str  # Pillow text anchor ("la": left/ascender, "mm": middle)


@dataclass(frozen=True, slots=True)
class HeaderLayout:
    title: PlacedText
    date: PlacedText
    label: PlacedText
    label_box: tuple[int, int, int, int]


def canvas_size(count: int) -> tuple[int, int]:
    columns, rows = grid(count)
    width = max(columns * TILE + (columns + 1) * GAP, MIN_WIDTH)
    return width, HEADER + rows * TILE + (rows + 1) * GAP


def header_layout(text: CollageText, width: int) -> HeaderLayout:
    """The label at the top right, the title beside it at the largest size that fits, the
    date below the title."""
    label_font = _font(LABEL_SIZE)
    label = _fit(text.ai_label, label_font, width / 2)
    label_width = int(label_font.getlength(label)) + 2 * LABEL_PADDING
    label_box = (width - GAP - label_width, 18, width - GAP, 50)
    room = label_box[0] - 2 * GAP - 4
    title = drawable_text(text.title, _font(TITLE_SIZES[0]))
    size = next((s for s in TITLE_SIZES if _font(s).getlength(title) <= room), TITLE_SIZES[-1])
    return HeaderLayout(
        title=PlacedText(_fit(title, _font(size), room), size, (GAP + 4, 16), "la"),
        date=PlacedText(
            _fit(text.date, _font(DATE_SIZE), width - 2 * GAP - 4), DATE_SIZE, (GAP + 4, 60), "la"
        ),
        label=PlacedText(label, LABEL_SIZE, ((label_box[0] + label_box[2]) / 2, 34), "mm"),
        label_box=label_box,
    )


def _fit(text: str, font: ImageFont.FreeTypeFont, width: float) -> str:
    text = drawable_text(text, font)
    while text and font.getlength(text) > width:
        text = text[:-2].rstrip() + "…" if len(text) > 2 else ""
    return text


def _tile(path: Path | None) -> Image.Image:
    if path is None:
        return Image.new("RGB", (TILE, TILE), (60, 56, 72))
    with open_image(path) as image:
        return ImageOps.fit(image.convert("RGB"), (TILE, TILE), Image.Resampling.LANCZOS)


def _badge(canvas: ImageDraw.ImageDraw, x: int, y: int, number: int | str) -> None:
    font = _font(26)
    radius = 22
    box = (x + 10, y + 10, x + 10 + 2 * radius, y + 10 + 2 * radius)
    canvas.ellipse(box, fill=BADGE, outline=(255, 255, 255), width=2)
    canvas.text(
        (box[0] + radius, box[1] + radius), str(number), font=font, fill=LABEL_FILL, anchor="mm"
    )


def render_collage(thumbnails: list[Path | None], text: CollageText) -> bytes:
    """A PNG of the numbered tiles under a header (blocking: run it in a thread)."""
    columns, _ = grid(len(thumbnails))
    width, height = canvas_size(len(thumbnails))
    left = (width - (columns * TILE + (columns + 1) * GAP)) // 2  # centres a narrow grid
    picture = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(picture)

    layout = header_layout(text, width)
    draw.rounded_rectangle(layout.label_box, radius=14, outline=MUTED_TEXT, width=2)
    for placed, fill in (
        (layout.label, MUTED_TEXT),
        (layout.title, HEADER_TEXT),
        (layout.date, MUTED_TEXT),
    ):
        draw.text(placed.xy, placed.text, font=_font(placed.size), fill=fill, anchor=placed.anchor)

    for index, path in enumerate(thumbnails):
        column, row = index % columns, index // columns
        x = left + GAP + column * (TILE + GAP)
        y = HEADER + GAP + row * (TILE + GAP)
        picture.paste(_tile(path), (x, y))
        _badge(draw, x, y, index + 1)

    out = io.BytesIO()
    picture.save(out, format="PNG", compress_level=3)
    return out.getvalue()


def render_pair(first: Path | None, second: Path | None) -> bytes:
    """/rate's picture: two tiles side by side, badged A and B (blocking: run it in a
    thread)."""
    picture = Image.new("RGB", (2 * TILE + 3 * GAP, TILE + 2 * GAP), BACKGROUND)
    draw = ImageDraw.Draw(picture)
    for index, (path, label) in enumerate(((first, "A"), (second, "B"))):
        x = GAP + index * (TILE + GAP)
        picture.paste(_tile(path), (x, GAP))
        _badge(draw, x, GAP, label)
    out = io.BytesIO()
    picture.save(out, format="PNG", compress_level=3)
    return out.getvalue()
