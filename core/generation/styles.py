"""The named styles a user can pick with `/imagine … style:<name>`.

A style means two things, one per provider:

- for OpenAI, a short phrase appended to the prompt (`prompt_suffix`);
- for the local procedural generator, how it picks colours (`palette`), which shapes it draws
  (`shapes`), the surface it lays over them (`texture`) and how soft or blocky it renders.

Labels shown to users live in the catalogs as `style.<name>` (see `label_key`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from core.errors import InvalidInput

STYLE_NAME = re.compile(r"^[a-z-]{1,32}$")


class ShapeFamily(StrEnum):
    """What the local generator draws on top of the background."""

    BLOBS = "blobs"  # soft overlapping ellipses
    CLOUDS = "clouds"  # a sun, puffy clouds and rolling hills
    BOKEH = "bokeh"  # out-of-focus discs of light over a horizon
    BLOCKS = "blocks"  # axis-aligned rectangles and a stepped skyline
    STROKES = "strokes"  # short thick brush strokes along a flow field
    RINGS = "rings"  # bright outlines of circles and lines, glowing
    HATCHING = "hatching"  # pencil outlines with cross-hatched shading
    WAVES = "waves"  # layered curling bands, large flat areas
    FACETS = "facets"  # a jittered triangle mesh coloured by position


class Texture(StrEnum):
    """The surface laid over the finished picture at full resolution."""

    NONE = "none"
    GRAIN = "grain"  # fine film grain
    PAPER = "paper"  # blotchy low-frequency fibre plus a little grain
    CANVAS = "canvas"  # a woven cross pattern
    SCANLINES = "scanlines"  # every other row slightly darker


@dataclass(frozen=True, slots=True)
class PaletteBias:
    """How word colours are pulled toward a style's look.

    Each word of the prompt gets a hue from its hash; `anchor_hue` (0–1 around the colour
    wheel) pulls every hue toward it by `pull` (0 = not at all, 1 = all the way).
    """

    saturation: tuple[float, float] = (0.45, 0.8)
    lightness: tuple[float, float] = (0.35, 0.7)
    anchor_hue: float | None = None
    pull: float = 0.0
    dark_background: bool = False
    light_background: bool = False


@dataclass(frozen=True, slots=True)
class Style:
    name: str
    prompt_suffix: str
    shapes: ShapeFamily
    texture: Texture
    palette: PaletteBias = field(default_factory=PaletteBias)
    softness: float = 0.0  # Gaussian blur radius (working pixels) applied before upscaling
    pixel_size: int = 1  # > 1 renders blocky: one working pixel becomes pixel_size² pixels
    glow: bool = False  # add a blurred copy of the shapes on top (light bloom)

    def __post_init__(self) -> None:
        if not STYLE_NAME.fullmatch(self.name):
            raise ValueError(f"style name {self.name!r} must match {STYLE_NAME.pattern}")

    @property
    def label_key(self) -> str:
        return label_key(self.name)


def label_key(name: str) -> str:
    """The catalog key of a style's localized label."""
    return f"style.{name}"


_CATALOGUE: tuple[Style, ...] = (
    Style(
        "watercolor",
        "watercolor painting, soft washes of colour bleeding into textured paper",
        ShapeFamily.BLOBS,
        Texture.PAPER,
        PaletteBias(saturation=(0.4, 0.75), lightness=(0.5, 0.75), light_background=True),
        softness=3.5,
    ),
    Style(
        "anime",
        "anime illustration, clean cel shading, vivid sky, crisp line work",
        ShapeFamily.CLOUDS,
        Texture.NONE,
        PaletteBias(saturation=(0.6, 0.9), lightness=(0.5, 0.72), anchor_hue=0.58, pull=0.25),
    ),
    Style(
        "photo",
        "photograph, natural light, shallow depth of field, 50mm lens, realistic detail",
        ShapeFamily.BOKEH,
        Texture.GRAIN,
        PaletteBias(saturation=(0.25, 0.55), lightness=(0.3, 0.65)),
        softness=1.0,
    ),
    Style(
        "pixel-art",
        "pixel art, 16-bit video game sprite style, limited palette, crisp pixels",
        ShapeFamily.BLOCKS,
        Texture.NONE,
        PaletteBias(saturation=(0.55, 0.85), lightness=(0.35, 0.7)),
        pixel_size=16,
    ),
    Style(
        "oil",
        "oil painting on canvas, thick impasto brush strokes, rich colour",
        ShapeFamily.STROKES,
        Texture.CANVAS,
        PaletteBias(saturation=(0.45, 0.8), lightness=(0.3, 0.62)),
        softness=0.6,
    ),
    Style(
        "neon",
        "neon lights glowing in the dark, synthwave colours, luminous outlines",
        ShapeFamily.RINGS,
        Texture.SCANLINES,
        PaletteBias(
            saturation=(0.85, 1.0),
            lightness=(0.5, 0.65),
            anchor_hue=0.85,
            pull=0.3,
            dark_background=True,
        ),
        glow=True,
    ),
    Style(
        "sketch",
        "pencil sketch on paper, graphite hatching, loose expressive lines",
        ShapeFamily.HATCHING,
        Texture.PAPER,
        PaletteBias(saturation=(0.0, 0.12), lightness=(0.15, 0.4), light_background=True),
        softness=0.4,
    ),
    Style(
        "ukiyo-e",
        "ukiyo-e woodblock print, flat colour, bold outlines, Edo-period Japanese style",
        ShapeFamily.WAVES,
        Texture.PAPER,
        PaletteBias(saturation=(0.3, 0.6), lightness=(0.3, 0.7), anchor_hue=0.6, pull=0.45),
    ),
    Style(
        "low-poly",
        "low-poly 3D render, faceted geometric triangles, soft studio lighting",
        ShapeFamily.FACETS,
        Texture.NONE,
        PaletteBias(saturation=(0.45, 0.75), lightness=(0.35, 0.7)),
    ),
    Style(
        "dreamy",
        "dreamy soft-focus fantasy art, pastel haze, gentle glowing light",
        ShapeFamily.BOKEH,
        Texture.GRAIN,
        PaletteBias(saturation=(0.4, 0.65), lightness=(0.5, 0.78), anchor_hue=0.8, pull=0.2),
        softness=3.0,
        glow=True,
    ),
)

STYLES: dict[str, Style] = {style.name: style for style in _CATALOGUE}

# What the local generator draws when the user picks no style: every family but the
# style-defining ones (blocks, hatching), chosen from the prompt.
DEFAULT_FAMILIES: tuple[ShapeFamily, ...] = (
    ShapeFamily.BLOBS,
    ShapeFamily.CLOUDS,
    ShapeFamily.BOKEH,
    ShapeFamily.STROKES,
    ShapeFamily.RINGS,
    ShapeFamily.WAVES,
    ShapeFamily.FACETS,
)


def style_names() -> tuple[str, ...]:
    return tuple(STYLES)


def get_style(name: str | None) -> Style | None:
    """The style called `name`, None for no style; an unknown name is the user's mistake."""
    if name is None or name == "":
        return None
    try:
        return STYLES[name]
    except KeyError:
        raise InvalidInput(
            "error.bad_choice", value=name, choices=", ".join(style_names())
        ) from None


def prompt_with_style(prompt: str, name: str | None) -> str:
    """The prompt sent to a text-to-image model: the user's words, then the style's phrase."""
    style = get_style(name)
    return f"{prompt.rstrip()}\nStyle: {style.prompt_suffix}" if style else prompt
