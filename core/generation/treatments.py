"""How each style paints a composed scene, subjects included.

A scene of flat, outlined drawings (`composition.py`) is the same for every style; the style
then re-paints the whole of it on the working canvas: watercolour washes with darkened edges,
cel-shaded anime colour, a photo's shallow depth of field, a pixel sprite's few colours, oil
strokes, neon outlines in the dark, a pencil drawing, a woodblock's flat inks, a low-poly
mesh, or a pastel haze. `local._finish` adds the style's softness, glow and texture after.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter, ImageOps

from core.generation.composition import Scene
from core.generation.scene import RGB, Plan, mix
from core.generation.styles import Style

PAPER: RGB = (246, 240, 226)
WOODBLOCK_INKS: tuple[RGB, ...] = (
    (28, 36, 62),  # sumi ink
    (38, 66, 112),  # indigo
    (70, 110, 150),  # Prussian blue
    (140, 176, 196),  # pale blue
    (236, 226, 200),  # paper
    (196, 74, 52),  # vermilion
    (222, 150, 120),  # pink
    (210, 168, 84),  # ochre
    (118, 136, 88),  # sage
    (112, 80, 58),  # brown
    (160, 158, 146),  # grey
    (246, 240, 222),  # white
    (62, 96, 58),  # pine green
    (150, 176, 92),  # leaf green
    (96, 72, 122),  # dusk violet
    (178, 124, 150),  # mauve
    (236, 176, 104),  # orange
    (204, 122, 112),  # coral
)
PIXEL_COLOURS = 20  # a 16-bit console's palette, about
LOW_POLY_COLUMNS = 44  # facets across the working canvas


def treat(scene: Scene, plan: Plan, style: Style | None) -> Image.Image:
    """The scene repainted in `style` (no style: as composed)."""
    treatment = TREATMENTS.get(style.name) if style else None
    return treatment(scene, plan) if treatment else scene.canvas


def _watercolour(scene: Scene, plan: Plan) -> Image.Image:
    """Pigment on paper: lighter washes that bleed, edges where pigment pooled darker."""
    canvas = scene.canvas
    bleed = canvas.filter(ImageFilter.GaussianBlur(3 * plan.scale))
    wash = Image.blend(canvas, bleed, 0.35)
    wash = Image.blend(wash, Image.new("RGB", canvas.size, PAPER), 0.15)
    edges = ImageChops.difference(canvas, bleed).convert("L")
    edges = edges.point(lambda v: min(255, v * 2)).filter(ImageFilter.GaussianBlur(plan.scale))
    pooled = ImageChops.multiply(wash, Image.new("RGB", canvas.size, (150, 130, 140)))
    return Image.composite(pooled, wash, edges.point(lambda v: v * 0.55))


def _anime(scene: Scene, plan: Plan) -> Image.Image:
    """Cel shading: vivid colour in a few flat bands, crisp lines."""
    vivid = ImageEnhance.Color(scene.canvas).enhance(1.45)
    vivid = ImageEnhance.Contrast(vivid).enhance(1.1)
    return ImageOps.posterize(vivid, 3)


def _photo(scene: Scene, plan: Plan) -> Image.Image:
    """A 50 mm lens wide open: the subject sharp, the rest blurred, a soft vignette, muted."""
    canvas = scene.canvas
    background = canvas.filter(ImageFilter.GaussianBlur(4 * plan.scale))
    focus = scene.subjects.filter(ImageFilter.MaxFilter(3)).filter(ImageFilter.GaussianBlur(2))
    picture = Image.composite(canvas, background, focus)
    picture = ImageEnhance.Color(picture).enhance(0.8)
    return ImageChops.multiply(picture, _vignette(plan.work_size, 0.35))


def _pixel_art(scene: Scene, plan: Plan) -> Image.Image:
    """One working pixel per art pixel (the style's pixel size), and few colours."""
    few = scene.canvas.quantize(PIXEL_COLOURS, Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    return few.convert("RGB")


def _oil(scene: Scene, plan: Plan) -> Image.Image:
    """Short thick strokes that follow a flow field, each the colour of what lies under it."""
    canvas = scene.canvas.copy()
    pixels = np.asarray(canvas)
    rng, (width, height) = plan.rng, plan.work_size
    draw = ImageDraw.Draw(canvas, "RGBA")
    count = int(2400 * width * height / 512**2)
    xs, ys = rng.uniform(0, width, count), rng.uniform(0, height, count)
    fx, fy, phase = rng.uniform(2, 5), rng.uniform(2, 5), rng.uniform(0, 2 * math.pi)
    angles = np.sin(xs / width * fx * math.pi + phase) + np.cos(ys / height * fy * math.pi)
    in_subject = np.asarray(scene.subjects)[ys.astype(int), xs.astype(int)] > 0
    halves = np.where(in_subject, 6.0, 9.0) * rng.uniform(0.7, 1.3, count) * plan.scale
    widths = np.maximum(1, np.round(np.where(in_subject, 3.0, 6.0) * plan.scale)).astype(int)
    shades = rng.uniform(-0.25, 0.25, count)[:, None]
    colours = pixels[ys.astype(int), xs.astype(int)].astype(np.float32)
    target = np.where(shades > 0, 255.0, 0.0)  # lighter toward white, darker toward black
    colours = np.round(colours + (target - colours) * np.abs(shades)).astype(int)
    dxs, dys = np.cos(angles) * halves, np.sin(angles) * halves
    for x, y, dx, dy, stroke, (r, g, b) in zip(
        xs.tolist(),
        ys.tolist(),
        dxs.tolist(),
        dys.tolist(),
        widths.tolist(),
        colours.tolist(),
        strict=True,
    ):
        draw.line((x - dx, y - dy, x + dx, y + dy), fill=(r, g, b, 215), width=stroke)
    return canvas


def _neon(scene: Scene, plan: Plan) -> Image.Image:
    """The night turned off and every outline lit: tubes of light in two hues."""
    canvas = scene.canvas
    dark = ImageChops.multiply(canvas, Image.new("RGB", canvas.size, (40, 22, 70)))
    grey = canvas.convert("L")
    edges = grey.filter(ImageFilter.FIND_EDGES).point(lambda v: 255 if v > 40 else 0)
    edges = edges.filter(ImageFilter.MaxFilter(3)) if plan.scale >= 0.5 else edges
    width, height = plan.work_size
    hot, cold = plan.palette[-1], plan.palette[len(plan.palette) // 2]
    hot, cold = mix(hot, (255, 60, 200), 0.5), mix(cold, (40, 230, 255), 0.6)
    ramp = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    tubes = np.array(hot, np.float32) * (1 - ramp) + np.array(cold, np.float32) * ramp
    tube = Image.fromarray(tubes.astype(np.uint8).repeat(width, 1))
    lit = Image.composite(tube, dark, edges)
    inside = ImageChops.multiply(canvas, Image.new("RGB", canvas.size, (110, 80, 150)))
    return Image.composite(inside, lit, scene.subjects.point(lambda v: v * 0.5))


def _sketch(scene: Scene, plan: Plan) -> Image.Image:
    """Graphite on paper: a colour-dodge pencil drawing, cross-hatched where it is dark."""
    grey = scene.canvas.convert("L")
    blurred = ImageOps.invert(grey).filter(ImageFilter.GaussianBlur(5 * plan.scale))
    g = np.asarray(grey, np.float32)
    b = np.asarray(blurred, np.float32)
    dodge = np.clip(g * 255.0 / np.maximum(1.0, 255.0 - b), 0, 255)
    pencil = Image.fromarray(dodge.astype(np.uint8), "L")
    hatch = Image.new("L", plan.work_size, 255)
    draw = ImageDraw.Draw(hatch)
    width, height = plan.work_size
    gap = max(3, round(6 * plan.scale))
    for offset in range(-height, width, gap):
        draw.line((offset, height, offset + height, 0), fill=150)
    darkness = grey.point(lambda v: 255 if v < 90 else (150 if v < 170 else 0))
    pencil = Image.composite(ImageChops.multiply(pencil, hatch), pencil, darkness)
    tone = grey.point(lambda v: 150 + v * 105 // 255)  # a light graphite wash for the shading
    pencil = ImageChops.multiply(pencil, tone)
    graphite = Image.merge("RGB", (pencil, pencil, pencil.point(lambda v: min(255, v + 6))))
    return ImageChops.multiply(graphite, Image.new("RGB", graphite.size, (250, 246, 236)))


def _ukiyo_e(scene: Scene, plan: Plan) -> Image.Image:
    """A woodblock print: a dozen flat inks, no shading, bold key lines."""
    pixels = np.asarray(scene.canvas) >> 3  # 5 bits a channel: a 32³ lookup table of inks
    nearest = _nearest_ink()[pixels[..., 0], pixels[..., 1], pixels[..., 2]]
    printed = Image.fromarray(np.array(WOODBLOCK_INKS, np.uint8)[nearest], "RGB")
    key = scene.canvas.convert("L").point(lambda v: 255 if v < 60 else 0)
    key = key.filter(ImageFilter.MaxFilter(3)) if plan.scale >= 0.5 else key
    return Image.composite(Image.new("RGB", printed.size, WOODBLOCK_INKS[0]), printed, key)


@functools.cache
def _nearest_ink() -> np.ndarray:
    """For every colour on a 32³ grid, the index of the nearest woodblock ink."""
    levels = np.arange(32, dtype=np.int32) * 8 + 4
    grid = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), axis=-1)
    inks = np.array(WOODBLOCK_INKS, np.int32)
    weights = np.array([2, 4, 3], np.int32)  # the eye tells greens apart best, then blues
    distance = (((grid[..., None, :] - inks) ** 2) * weights).sum(axis=-1)
    return np.argmin(distance, axis=-1).astype(np.uint8)


def _low_poly(scene: Scene, plan: Plan) -> Image.Image:
    """A jittered triangle mesh, each facet the colour at its centre, lit from one side."""
    canvas = scene.canvas
    rng, (width, height) = plan.rng, plan.work_size
    cols = max(8, round(LOW_POLY_COLUMNS * min(1.0, plan.scale)))
    rows = max(6, round(cols * height / width))
    pixels = np.asarray(canvas.filter(ImageFilter.BoxBlur(width / cols / 3)), np.float32)
    points = np.stack(
        np.meshgrid(np.linspace(0, width, cols + 1), np.linspace(0, height, rows + 1)), -1
    )
    jitter = rng.uniform(-0.3, 0.3, points.shape) * (width / cols, height / rows)
    jitter[0, :, 1] = jitter[-1, :, 1] = jitter[:, 0, 0] = jitter[:, -1, 0] = 0
    points += jitter
    a, b = points[:-1, :-1], points[:-1, 1:]  # each cell's corners: a b / d e
    d, e = points[1:, :-1], points[1:, 1:]
    triangles = np.concatenate(
        [np.stack((a, b, e), -2).reshape(-1, 3, 2), np.stack((a, e, d), -2).reshape(-1, 3, 2)]
    )
    lights = np.repeat(np.array([0.07, -0.05], np.float32), rows * cols)[:, None]
    centres = triangles.mean(axis=1)
    xs = np.clip(centres[:, 0].astype(int), 0, width - 1)
    ys = np.clip(centres[:, 1].astype(int), 0, height - 1)
    under = pixels[ys, xs]
    target = np.where(lights > 0, 255.0, 0.0)  # the lit facet lighter, the other darker
    colours = np.round(under + (target - under) * np.abs(lights)).astype(int).tolist()
    out = Image.new("RGB", canvas.size)
    draw = ImageDraw.Draw(out)
    for corners, colour in zip(triangles.tolist(), colours, strict=True):
        fill = tuple(colour)
        draw.polygon([tuple(point) for point in corners], fill=fill, outline=fill)
    return out


def _dreamy(scene: Scene, plan: Plan) -> Image.Image:
    """A pastel haze with floating discs of light."""
    haze = Image.blend(scene.canvas, Image.new("RGB", scene.canvas.size, (255, 226, 244)), 0.3)
    draw = ImageDraw.Draw(haze, "RGBA")
    rng, (width, height) = plan.rng, plan.work_size
    for index in range(int(28 * width * height / 512**2) + 6):
        x, y = rng.uniform(0, width), rng.uniform(0, height)
        r = min(width, height) * rng.uniform(0.01, 0.06)
        colour = mix(plan.colour(index), (255, 255, 255), 0.6)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(*colour, int(rng.uniform(40, 110))))
    return haze


@functools.lru_cache(maxsize=16)
def _vignette(size: tuple[int, int], strength: float) -> Image.Image:
    """Darker toward the corners (multiply by it). Shared: never draw on it."""
    width, height = size
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    distance = ((xs / width - 0.5) ** 2 + (ys / height - 0.5) ** 2) * 2
    value = np.clip(1.0 - strength * distance, 0, 1) * 255
    return Image.merge("RGB", (Image.fromarray(value.astype(np.uint8), "L"),) * 3)


TREATMENTS: dict[str, Callable[[Scene, Plan], Image.Image]] = {
    "watercolor": _watercolour,
    "anime": _anime,
    "photo": _photo,
    "pixel-art": _pixel_art,
    "oil": _oil,
    "neon": _neon,
    "sketch": _sketch,
    "ukiyo-e": _ukiyo_e,
    "low-poly": _low_poly,
    "dreamy": _dreamy,
}
