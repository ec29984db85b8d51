"""What the local generator decides before it paints: words, palette, shapes, finish.

The prompt's words choose the colours: each word hashes to a hue (colour words such as "blue"
or "sunset" keep their meaning), and the style pulls those hues toward its look. The seed
only moves things around, so a reroll keeps the colours and changes the composition.
"""

from __future__ import annotations

import colorsys
import hashlib
import re
from dataclasses import dataclass

import numpy as np

from core.generation.styles import DEFAULT_FAMILIES, PaletteBias, ShapeFamily, Style, Texture

RGB = tuple[int, int, int]

WORK_SIDE = 512  # long side of the canvas the shapes are painted on, before upscaling

# Words that carry a colour keep it (hue on the 0–1 wheel), whatever they hash to.
COLOUR_WORDS: dict[str, float] = {
    "red": 0.0,
    "rot": 0.0,
    "crimson": 0.97,
    "fire": 0.03,
    "orange": 0.07,
    "sunset": 0.06,
    "autumn": 0.08,
    "gold": 0.12,
    "golden": 0.12,
    "yellow": 0.15,
    "gelb": 0.15,
    "green": 0.33,
    "grün": 0.33,
    "forest": 0.3,
    "wald": 0.3,
    "teal": 0.47,
    "cyan": 0.5,
    "ocean": 0.56,
    "sea": 0.56,
    "meer": 0.56,
    "sky": 0.57,
    "blue": 0.61,
    "blau": 0.61,
    "night": 0.65,
    "nacht": 0.65,
    "indigo": 0.7,
    "purple": 0.77,
    "violet": 0.78,
    "lila": 0.78,
    "magenta": 0.86,
    "pink": 0.92,
    "rose": 0.95,
}

# Little words that say nothing about colour or shape (English and German).
STOPWORDS = frozenset(
    {
        "a", "an", "the", "of", "in", "on", "at", "by", "for", "to", "with", "and", "or",
        "from", "into", "over", "under", "is", "are", "my", "your",
        "ein", "eine", "einer", "der", "die", "das", "den", "dem", "des", "und", "oder",
        "mit", "im", "am", "auf", "von", "zu",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything decided before painting. `rng` is consumed in a fixed order, so a plan
    always paints the same picture."""

    words: tuple[str, ...]
    palette: tuple[RGB, ...]  # ordered dark → light
    background: tuple[RGB, RGB, RGB]  # gradient start, gradient end, pool of light
    family: ShapeFamily
    bias: PaletteBias
    texture: Texture
    size: tuple[int, int]  # the finished picture
    work_size: tuple[int, int]  # the canvas the shapes are painted on
    softness: float
    pixelated: bool
    glow: bool
    rng: np.random.Generator

    @property
    def scale(self) -> float:
        """Working pixels per `WORK_SIDE`: painters size strokes and outlines with it."""
        return max(self.work_size) / WORK_SIDE

    def colour(self, index: int) -> RGB:
        return self.palette[index % len(self.palette)]

    def rgba(self, colour: RGB, alpha: float) -> tuple[int, int, int, int]:
        return (*colour, round(255 * clamp(alpha)))


def make_plan(
    prompt: str,
    style: Style | None,
    size: tuple[int, int],
    seed: int,
    *,
    salt: str = "",
) -> Plan:
    """The plan for one picture; `salt` ties an edit to its parent image."""
    words = prompt_words(prompt)
    style_name = style.name if style else ""
    rng = np.random.default_rng(int(digest(f"{prompt}\0{style_name}\0{size}\0{seed}\0{salt}"), 16))
    bias = style.palette if style else PaletteBias()
    palette = make_palette(words, bias, rng)
    pixel_size = style.pixel_size if style else 1
    return Plan(
        words=words,
        palette=palette,
        background=background_colours(palette, bias, rng),
        family=style.shapes if style else default_family(words),
        bias=bias,
        texture=style.texture if style else Texture.GRAIN,
        size=size,
        work_size=work_size(size, pixel_size),
        softness=style.softness if style else 0.8,
        pixelated=pixel_size > 1,
        glow=style.glow if style else False,
        rng=rng,
    )


def prompt_words(prompt: str) -> tuple[str, ...]:
    """The meaningful words of a prompt, lower-cased, in order, without repeats."""
    words = re.findall(r"[^\W_]+", prompt.casefold())
    kept = [w for w in dict.fromkeys(words) if w not in STOPWORDS and not w.isdigit()]
    return tuple(kept) or ("mosaic",)


def default_family(words: tuple[str, ...]) -> ShapeFamily:
    """With no style, the words pick the shapes (the same prompt, the same kind of picture)."""
    return DEFAULT_FAMILIES[int(digest(" ".join(words)), 16) % len(DEFAULT_FAMILIES)]


def work_size(size: tuple[int, int], pixel_size: int) -> tuple[int, int]:
    """The painting canvas: `WORK_SIDE` on the long side, or one cell per art pixel."""
    long_side = max(size)
    blocky = pixel_size > 1
    work_long = max(16, long_side // pixel_size) if blocky else min(WORK_SIDE, long_side)
    return (
        max(8, round(size[0] * work_long / long_side)),
        max(8, round(size[1] * work_long / long_side)),
    )


def digest(data: str | bytes) -> str:
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def unit(word: str, aspect: str) -> float:
    """A stable number in [0, 1) for one aspect (hue, lightness, …) of a word."""
    return int(digest(f"{aspect}:{word}")[:12], 16) / 16**12


# ---------------------------------------------------------------- colour


def make_palette(
    words: tuple[str, ...], bias: PaletteBias, rng: np.random.Generator
) -> tuple[RGB, ...]:
    """One colour per word (up to six), plus harmonies when the prompt is short."""
    hues = [COLOUR_WORDS.get(word, unit(word, "hue")) for word in words[:6]]
    lights = [unit(word, "lightness") for word in words[:6]]
    sats = [unit(word, "saturation") for word in words[:6]]
    for offset in (0.5, 1 / 12, -1 / 12):  # complementary, then analogous
        if len(hues) >= 4:
            break
        hues.append(hues[0] + offset)
        lights.append(1.0 - lights[0])
        sats.append(sats[0])
    colours = []
    for hue, light, sat in zip(hues, lights, sats, strict=True):
        if bias.anchor_hue is not None:
            hue = toward(hue, bias.anchor_hue, bias.pull)
        hue += rng.normal(0.0, 0.015)
        colours.append(hls(hue, lerp(bias.lightness, light), lerp(bias.saturation, sat)))
    return tuple(sorted(colours, key=luma))


def background_colours(
    palette: tuple[RGB, ...], bias: PaletteBias, rng: np.random.Generator
) -> tuple[RGB, RGB, RGB]:
    darkest, lightest = palette[0], palette[-1]
    if bias.dark_background:
        start, end = mix(darkest, (4, 2, 12), 0.85), mix(darkest, (10, 6, 24), 0.7)
    elif bias.light_background:
        paper = (246, 241, 230)
        start, end = mix(lightest, paper, 0.85), mix(darkest, paper, 0.9)
    else:
        start, end = mix(darkest, BLACK, 0.35), mix(lightest, WHITE, 0.45)
        if rng.random() < 0.5:
            start, end = end, start
    light = mix(palette[len(palette) // 2], WHITE, 0.5)
    return start, end, light


BLACK: RGB = (0, 0, 0)
WHITE: RGB = (255, 255, 255)


def hls(hue: float, lightness: float, saturation: float) -> RGB:
    r, g, b = colorsys.hls_to_rgb(hue % 1.0, clamp(lightness), clamp(saturation))
    return (round(r * 255), round(g * 255), round(b * 255))


def clamp(value: float, low: float = 0.0, high: float = 1.0) -> float:
    return max(low, min(high, value))


def lerp(bounds: tuple[float, float], t: float) -> float:
    return bounds[0] + (bounds[1] - bounds[0]) * t


def toward(hue: float, anchor: float, pull: float) -> float:
    """Move a hue toward an anchor the short way round the colour wheel."""
    delta = (anchor - hue + 0.5) % 1.0 - 0.5
    return (hue + delta * pull) % 1.0


def luma(colour: RGB) -> float:
    r, g, b = colour
    return 0.299 * r + 0.587 * g + 0.114 * b


def mix(a: RGB, b: RGB, t: float) -> RGB:
    """`a` moved a fraction `t` of the way to `b`."""
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def shade(colour: RGB, amount: float) -> RGB:
    """Lighter for a positive amount, darker for a negative one."""
    return mix(colour, WHITE, amount) if amount > 0 else mix(colour, BLACK, -amount)
