"""/describe of an upload that is not a Mosaic image: prompt ideas from its colours and
composition (the two main colours, how light it is, its shape, and where its detail is).

Pillow and numpy are needed only here, so `Describer` imports this module on first use.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageFilter, UnidentifiedImageError

from core.errors import InvalidInput
from core.generation.description import IDEA_MAX, IDEAS
from core.i18n import translate
from core.picture_codec import open_image

# Named colours (RGB) for the main colours of a picture; names in core/i18n ("colour.*").
COLOURS = {
    "red": (200, 40, 40),
    "orange": (235, 140, 40),
    "yellow": (235, 215, 60),
    "green": (60, 150, 70),
    "teal": (40, 140, 140),
    "blue": (50, 90, 200),
    "purple": (130, 60, 170),
    "pink": (235, 130, 180),
    "brown": (120, 80, 45),
    "black": (20, 20, 20),
    "grey": (128, 128, 128),
    "white": (240, 240, 240),
}


def read_picture(image: bytes, language: str) -> tuple[str, ...]:
    """`ideas_from_picture`, with a picture Pillow cannot or will not decode refused."""
    try:
        return ideas_from_picture(image, language)
    except Image.DecompressionBombError:  # over twice the decode limit (core/picture_codec.py)
        raise InvalidInput("error.describe_too_many_pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):  # damaged or truncated
        raise InvalidInput("error.describe_not_image") from None


def ideas_from_picture(image: bytes, language: str) -> tuple[str, ...]:
    """Prompts from the picture's two main colours, lightness, shape and where its detail is."""
    with open_image(io.BytesIO(image)) as opened:
        width, height = opened.size
        small = opened.convert("RGB")
        small.thumbnail((96, 96))
    pixels = np.asarray(small, dtype=np.float32).reshape(-1, 3)
    first, second = _main_colours(pixels)
    lightness = float(pixels.mean()) / 255.0
    mood = "bright" if lightness > 0.62 else "dark" if lightness < 0.35 else "soft"
    shape = "wide" if width > 1.2 * height else "tall" if height > 1.2 * width else "square"
    where = _where_the_detail_is(small)

    def t(key: str) -> str:
        return translate(language, key)

    values = {
        "first": t(f"colour.{first}"),
        "second": t(f"colour.{second}"),
        "mood": t(f"describe.mood.{mood}"),
        "shape": t(f"describe.shape.{shape}"),
        "where": t(f"describe.where.{where}"),
    }
    ideas = [translate(language, f"describe.idea.{n}", **values) for n in range(1, IDEAS + 1)]
    return tuple(idea[:IDEA_MAX] for idea in ideas)


def _main_colours(pixels: np.ndarray) -> tuple[str, str]:
    """The two named colours most pixels are nearest to (one twice when it is all)."""
    names = list(COLOURS)
    palette = np.array([COLOURS[n] for n in names], dtype=np.float32)
    nearest = np.argmin(((pixels[:, None, :] - palette[None]) ** 2).sum(axis=2), axis=1)
    counts = np.bincount(nearest, minlength=len(names))
    order = np.argsort(-counts, kind="stable")
    first = names[order[0]]
    second = names[order[1]] if counts[order[1]] > 0.05 * len(pixels) else first
    return first, second


def _where_the_detail_is(picture: Image.Image) -> str:
    """centre, left, right, top or bottom: where the edges (the detail) weigh most."""
    edges = np.asarray(picture.convert("L").filter(ImageFilter.FIND_EDGES), dtype=np.float32)
    edges = edges[1:-1, 1:-1]  # the filter's border is noise
    total = float(edges.sum())
    if total <= 0:
        return "centre"
    rows, columns = edges.shape
    y = float((edges.sum(axis=1) * np.arange(rows)).sum()) / total / max(rows - 1, 1)
    x = float((edges.sum(axis=0) * np.arange(columns)).sum()) / total / max(columns - 1, 1)
    dx, dy = x - 0.5, y - 0.5
    if max(abs(dx), abs(dy)) < 0.08:
        return "centre"
    if abs(dx) >= abs(dy):
        return "left" if dx < 0 else "right"
    return "top" if dy < 0 else "bottom"
