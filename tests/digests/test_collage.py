"""The digest collage fits its header and label at every item count (1…10): each piece of
header text is measured with the font it is drawn in and must lie inside the canvas's header,
apart from the others, and be drawn whole."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from PIL import Image, ImageDraw, ImageFont

from core.digests.collage import (
    HEADER,
    CollageText,
    PlacedText,
    canvas_size,
    header_layout,
    render_collage,
)
from core.digests.compose import local_date
from core.generation.lettering import drawable_text
from core.i18n import translate

MOMENT = datetime(2026, 12, 7, 8, 30)
NAMES = ["#mosaic-art", "Sunday Sketchers", "Alexandra Müller-Lüdenscheidt"]


def texts() -> list[CollageText]:
    return [
        CollageText(
            translate(language, f"digest.title.{kind}", name=name),
            local_date(language, MOMENT),
            translate(language, "digest.ai_label"),
        )
        for language in ("en", "de")
        for kind in ("personal", "place")
        for name in NAMES
    ]


def box(placed: PlacedText) -> tuple[float, float, float, float]:
    font = ImageFont.load_default(size=placed.size)
    draw = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    return draw.textbbox(placed.xy, placed.text, font=font, anchor=placed.anchor)


def inside(inner: tuple[float, ...], outer: tuple[float, ...]) -> bool:
    return (
        inner[0] >= outer[0]
        and inner[1] >= outer[1]
        and inner[2] <= outer[2]
        and inner[3] <= outer[3]
    )


def apart(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]


@pytest.mark.parametrize("count", range(1, 11))
def test_the_header_fits_at_every_count(count: int) -> None:
    width, _ = canvas_size(count)
    header = (0, 0, width, HEADER)
    for text in texts():
        layout = header_layout(text, width)
        title, date, label = box(layout.title), box(layout.date), box(layout.label)
        for placed, whole in zip(
            (layout.title, layout.date, layout.label),
            (text.title, text.date, text.ai_label),
            strict=True,
        ):
            font = ImageFont.load_default(size=placed.size)
            assert placed.text == drawable_text(whole, font), "drawn whole, not shortened"
        assert inside(layout.label_box, header)
        assert inside(label, layout.label_box)
        for piece in (title, date):
            assert inside(piece, header)
            assert apart(piece, layout.label_box)
        assert apart(title, date)


@pytest.mark.parametrize("count", [1, 2, 10])
def test_the_picture_has_the_measured_size(count: int) -> None:
    picture = render_collage([None] * count, texts()[0])
    with Image.open(io.BytesIO(picture)) as image:
        assert image.size == canvas_size(count)


def test_a_name_too_long_for_any_size_is_shortened_inside_the_header() -> None:
    width, _ = canvas_size(1)
    text = CollageText("Digest of " + "x" * 120, "2026-12-07", "AI-generated")
    layout = header_layout(text, width)
    assert layout.title.text.endswith("…")
    assert inside(box(layout.title), (0, 0, width, HEADER))
    assert apart(box(layout.title), layout.label_box)
