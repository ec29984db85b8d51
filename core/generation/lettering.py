"""The prompt, lettered small in the corner of a locally generated picture."""

from __future__ import annotations

import functools
import math
import unicodedata

from PIL import Image, ImageDraw, ImageFilter, ImageFont

# The built-in font draws little beyond ASCII: spell German letters out rather than drop them.
_SPELLED_OUT = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "ẞ": "SS"}
)
LABEL_WIDTH = 0.6  # the widest a label may be, as a share of the picture's width
_MISSING = "\uffff"  # a noncharacter: every font draws its "missing glyph" box for it


def letter_prompt(picture: Image.Image, prompt: str, *, full_width: bool = False) -> None:
    """Write the prompt on a frosted tab in the bottom-left corner (in place).

    The tab blurs what lies under it, so the text reads on any picture. `full_width` makes
    the tab as wide as any label can be: an edit of a local picture then hides the parent's
    label completely instead of leaving the end of it peeking out.
    """
    width, height = picture.size
    font = _font(max(10, min(28, round(min(width, height) / 48))))
    max_text_width = width * LABEL_WIDTH
    text = _fit(drawable_text(prompt, font), font, max_text_width)
    if not text and not full_width:
        return
    size = int(font.size)
    margin, pad = round(size * 0.8), round(size * 0.4)
    ascent, descent = font.getmetrics()
    text_width = max_text_width if full_width else font.getlength(text)
    box = (
        margin,
        height - margin - ascent - descent - 2 * pad,
        margin + math.ceil(text_width) + 2 * pad,
        height - margin,
    )
    if box[1] < 0 or box[2] > width:
        return  # too small a picture to letter
    region = picture.crop(box).filter(ImageFilter.GaussianBlur(size * 0.5)).convert("RGBA")
    overlay = Image.new("RGBA", region.size, (0, 0, 0, 0))
    tab = ImageDraw.Draw(overlay)
    tab.rounded_rectangle(
        (0, 0, region.width - 1, region.height - 1), radius=pad, fill=(0, 0, 0, 110)
    )
    tab.text((pad, pad), text, font=font, fill=(255, 255, 255, 235))
    picture.paste(Image.alpha_composite(region, overlay).convert(picture.mode), box[:2])


def drawable_text(prompt: str, font: ImageFont.FreeTypeFont) -> str:
    """One line of the prompt in characters the font can draw.

    Umlauts and accents are spelled out or dropped ("Brücke" → "Bruecke", "café" → "cafe");
    characters with no drawable form (emoji, CJK) become spaces.
    """
    text = unicodedata.normalize("NFC", prompt).translate(_SPELLED_OUT)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = "".join(c if _drawable(int(font.size), c) else " " for c in text)
    return " ".join(text.split())


@functools.lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont:
    """Pillow's built-in font, laid out without raqm so every machine letters alike."""
    font = ImageFont.load_default(size=size)
    if not isinstance(font, ImageFont.FreeTypeFont):  # Pillow built without FreeType
        raise RuntimeError("Pillow needs FreeType support to letter pictures")
    return font.font_variant(layout_engine=ImageFont.Layout.BASIC)


@functools.lru_cache(maxsize=4096)
def _drawable(size: int, char: str) -> bool:
    if unicodedata.category(char)[0] in "CZ":  # control, format, separator characters
        return False
    font = _font(size)
    return list(font.getmask(char)) != list(font.getmask(_MISSING))


def _fit(text: str, font: ImageFont.FreeTypeFont, max_width: float) -> str:
    """`text`, cut with an ellipsis where it would be wider than `max_width`."""
    if font.getlength(text) <= max_width:
        return text
    low, high = 0, len(text)  # the longest prefix that fits with its ellipsis
    while low < high:
        middle = (low + high + 1) // 2
        if font.getlength(text[:middle].rstrip() + "…") <= max_width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + "…" if low else ""
