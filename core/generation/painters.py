"""The local generator's brushes: a background, a recolouring for edits, and one painter per
shape family. Every painter draws onto the working canvas in place, with the plan's colours
and random numbers only, so a plan always paints the same picture.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageChops, ImageDraw

from core.generation.scene import BLACK, RGB, WHITE, Plan, clamp, mix, shade
from core.generation.styles import ShapeFamily

FOAM: RGB = (250, 246, 235)
CLOUD: RGB = (252, 252, 255)
VERMILION: RGB = (214, 72, 48)
INK: RGB = (10, 20, 40)


def paint_background(plan: Plan) -> Image.Image:
    """A diagonal gradient with one soft pool of light.

    Computed small with numpy and enlarged: a smooth gradient loses nothing by it.
    """
    rng = plan.rng
    width, height = _small(plan.work_size, 128)
    angle = rng.uniform(0, 2 * math.pi)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    xs /= width
    ys /= height
    t = (xs - 0.5) * math.cos(angle) + (ys - 0.5) * math.sin(angle)
    t = np.clip(t / 1.2 + 0.5, 0.0, 1.0)
    t = t * t * (3 - 2 * t)  # smoothstep: no hard band at either end
    start, end, light = (np.array(c, np.float32) for c in plan.background)
    pixels = start + (end - start) * t[..., None]
    cx, cy, radius = rng.uniform(0.2, 0.8), rng.uniform(0.15, 0.6), rng.uniform(0.25, 0.5)
    pool = np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (radius * radius))
    strength = 0.15 if plan.bias.dark_background else 0.35
    pixels += (light - pixels) * (pool[..., None] * strength)
    small = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    return small.resize(plan.work_size, Image.Resampling.BILINEAR)


def recolour(base: Image.Image, plan: Plan, amount: float) -> Image.Image:
    """Map the picture's brightness through the plan's palette (dark stays dark, light stays
    light) and blend `amount` of that over its own colours: the structure survives."""
    pixels = np.asarray(base.convert("RGB"), dtype=np.float32)
    brightness = pixels @ np.array([0.299, 0.587, 0.114], np.float32) / 255.0
    stops = [mix(plan.palette[0], BLACK, 0.6), *plan.palette, mix(plan.palette[-1], WHITE, 0.6)]
    positions = np.linspace(0.0, 1.0, len(stops))
    mapped = np.stack(
        [np.interp(brightness, positions, [c[channel] for c in stops]) for channel in range(3)],
        axis=-1,
    )
    mixed = pixels + (mapped - pixels) * amount
    return Image.fromarray(np.clip(mixed, 0, 255).astype(np.uint8), "RGB")


def _small(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    factor = min(1.0, long_side / max(size))
    return max(2, round(size[0] * factor)), max(2, round(size[1] * factor))


def _focus_points(plan: Plan, count: int, spread: float = 0.18) -> np.ndarray:
    """Points clustered around the rule-of-thirds crossings: compositions feel placed."""
    thirds = np.array([(1 / 3, 1 / 3), (2 / 3, 1 / 3), (1 / 3, 2 / 3), (2 / 3, 2 / 3)])
    centres = thirds[plan.rng.integers(0, 4, count)]
    points = np.clip(centres + plan.rng.normal(0, spread, (count, 2)), 0.02, 0.98)
    return points * plan.work_size


def _motifs(plan: Plan, base: int, per_word: int, cap: int) -> int:
    """How many shapes to draw: wordier prompts make busier pictures."""
    return min(cap, base + per_word * len(plan.words))


def _line_width(plan: Plan, pixels: float) -> int:
    return max(1, round(pixels * plan.scale))


def _disc(x: float, y: float, rx: float, ry: float | None = None) -> tuple[float, ...]:
    return (x - rx, y - (ry or rx), x + rx, y + (ry or rx))


# ---------------------------------------------------------------- shape families


def paint_blobs(canvas: Image.Image, plan: Plan) -> None:
    """Overlapping soft washes, big ones first, each with a slightly darker rim."""
    draw = ImageDraw.Draw(canvas, "RGBA")
    rng, side = plan.rng, min(plan.work_size)
    count = _motifs(plan, 12, 4, 40)
    for index, (x, y) in enumerate(_focus_points(plan, count, 0.22)):
        rx = side * rng.uniform(0.06, 0.26) * (1 - 0.6 * index / count)
        ry = rx * rng.uniform(0.6, 1.4)
        colour = plan.colour(index)
        draw.ellipse(_disc(x, y, rx * 1.08, ry * 1.08), fill=plan.rgba(shade(colour, -0.2), 0.3))
        draw.ellipse(_disc(x, y, rx, ry), fill=plan.rgba(colour, rng.uniform(0.45, 0.75)))


def paint_clouds(canvas: Image.Image, plan: Plan) -> None:
    """A bright sun with a halo, puffy clouds, and rolling hills in front."""
    draw = ImageDraw.Draw(canvas, "RGBA")
    rng, (width, height) = plan.rng, plan.work_size
    x, y, r = width * rng.uniform(0.2, 0.8), height * rng.uniform(0.15, 0.4), height * 0.09
    sun = mix(plan.palette[-1], (255, 244, 200), 0.5)
    for ring in range(5, 0, -1):
        draw.ellipse(_disc(x, y, r * (1 + ring * 0.35)), fill=plan.rgba(sun, 0.08))
    draw.ellipse(_disc(x, y, r), fill=plan.rgba(sun, 1))
    for _ in range(int(rng.integers(3, 7))):
        cx, cy = width * rng.uniform(0, 1), height * rng.uniform(0.08, 0.45)
        puff = height * rng.uniform(0.035, 0.07)
        for _ in range(int(rng.integers(5, 10))):
            px, py = cx + rng.normal(0, puff * 1.4), cy + rng.normal(0, puff * 0.35)
            draw.ellipse(_disc(px, py, puff * rng.uniform(0.7, 1.3)), fill=plan.rgba(CLOUD, 0.85))
    _paint_hills(draw, plan, layers=3, top=0.55)


def _paint_hills(
    draw: ImageDraw.ImageDraw, plan: Plan, *, layers: int, top: float, outline: RGB | None = None
) -> None:
    """Rolling bands from `top` (a fraction of the height) down, each darker than the last."""
    rng, (width, height) = plan.rng, plan.work_size
    xs = np.linspace(-2, width + 2, 64)
    for layer in range(layers):
        base = height * (top + (1 - top) * layer / (layers + 0.5))
        amp = height * rng.uniform(0.03, 0.08)
        freq, phase = rng.uniform(1.5, 4.0) * math.pi / width, rng.uniform(0, 2 * math.pi)
        ys = base + amp * (np.sin(xs * freq + phase) + 0.3 * np.sin(xs * freq * 2.7 + phase))
        ridge = list(zip(xs.tolist(), ys.tolist(), strict=True))
        points = [*ridge, (width + 2, height + 2), (-2, height + 2)]
        fill = plan.rgba(shade(plan.colour(layer + 1), -0.15 * layer), 0.95)
        draw.polygon(points, fill=fill)
        if outline:
            draw.line(ridge, fill=plan.rgba(outline, 1), width=_line_width(plan, 2))


def paint_bokeh(canvas: Image.Image, plan: Plan) -> None:
    """Out-of-focus discs of light over a low horizon."""
    draw = ImageDraw.Draw(canvas, "RGBA")
    rng, (width, height), side = plan.rng, plan.work_size, min(plan.work_size)
    _paint_hills(draw, plan, layers=2, top=0.7)
    for index in range(_motifs(plan, 25, 6, 70)):
        x, y = width * rng.uniform(0, 1), height * rng.uniform(0.05, 0.85)
        colour = mix(plan.colour(index), WHITE, rng.uniform(0.2, 0.6))
        draw.ellipse(
            _disc(x, y, side * rng.uniform(0.015, 0.09)),
            fill=plan.rgba(colour, rng.uniform(0.15, 0.45)),
            outline=plan.rgba(colour, 0.5),
            width=_line_width(plan, 1),
        )


def paint_blocks(canvas: Image.Image, plan: Plan) -> None:
    """A tiny pixel scene: stars, a sun, a stepped skyline in three layers, a ground line."""
    draw = ImageDraw.Draw(canvas, "RGBA")
    rng, (width, height) = plan.rng, plan.work_size
    star = plan.rgba(mix(plan.palette[-1], WHITE, 0.6), 1)
    for _ in range(width * height // 60):
        draw.point((int(rng.integers(0, width)), int(rng.integers(0, height // 2))), fill=star)
    r = max(2, height // 10)
    x, y = int(width * rng.uniform(0.2, 0.8)), int(height * rng.uniform(0.15, 0.35))
    draw.ellipse(_disc(x, y, r), fill=plan.rgba(plan.palette[-1], 1))
    for layer in range(3):
        x, level = 0, height * (0.45 + 0.15 * layer)
        fill = plan.rgba(shade(plan.colour(layer), -0.25 * layer), 1)
        while x < width:
            step = int(rng.integers(2, max(3, width // 8)))
            level = clamp(level + rng.normal(0, height * 0.06), height * 0.3, height * 0.9)
            draw.rectangle((x, int(level), x + step, height), fill=fill)
            x += step
    ground = height - max(1, height // 12)
    draw.rectangle((0, ground, width, height), fill=plan.rgba(plan.palette[0], 1))


def paint_strokes(canvas: Image.Image, plan: Plan) -> None:
    """An underpainting of broad regions, then short thick strokes along a flow field."""
    draw = ImageDraw.Draw(canvas, "RGBA")
    rng, (width, height), side = plan.rng, plan.work_size, min(plan.work_size)
    centres = _focus_points(plan, len(plan.palette) + 2, 0.3)
    for index, (x, y) in enumerate(centres):
        draw.ellipse(_disc(x, y, side * 0.3), fill=plan.rgba(plan.colour(index), 0.5))
    fx, fy, phase = rng.uniform(2, 5), rng.uniform(2, 5), rng.uniform(0, 2 * math.pi)
    count = _motifs(plan, 1400, 80, 2000)
    xs, ys = rng.uniform(0, width, count), rng.uniform(0, height, count)
    angles = np.sin(xs / width * fx * math.pi + phase) + np.cos(ys / height * fy * math.pi)
    half_lengths = rng.uniform(5, 13, count) * plan.scale
    regions = np.argmin((xs[:, None] - centres[:, 0]) ** 2 + (ys[:, None] - centres[:, 1]) ** 2, 1)
    shades = rng.uniform(-0.25, 0.25, count)
    widths = np.maximum(1, np.round(rng.uniform(3, 8, count) * plan.scale)).astype(int)
    for x, y, angle, half, region, amount, stroke in zip(
        xs, ys, angles, half_lengths, regions, shades, widths, strict=True
    ):
        dx, dy = math.cos(angle) * half, math.sin(angle) * half
        colour = shade(plan.colour(int(region)), float(amount))
        draw.line((x - dx, y - dy, x + dx, y + dy), fill=plan.rgba(colour, 0.85), width=int(stroke))


def paint_rings(canvas: Image.Image, plan: Plan) -> None:
    """Neon: a perspective grid on the floor, a big outlined sun, rings and zigzags."""
    draw = ImageDraw.Draw(canvas, "RGBA")
    rng, (width, height) = plan.rng, plan.work_size
    line = _line_width(plan, 2)
    horizon = height * 0.62
    grid = plan.rgba(plan.colour(1), 0.7)
    for k in range(-12, 13):
        bottom_x = width / 2 + k * width * 0.25
        draw.line((width / 2 + k * width * 0.02, horizon, bottom_x, height), fill=grid, width=line)
    for k in range(1, 9):
        y = horizon + (height - horizon) * (k / 8) ** 1.8
        draw.line((0, y, width, y), fill=grid, width=line)
    x, r = width * rng.uniform(0.3, 0.7), height * rng.uniform(0.16, 0.24)
    sun = (x - r, horizon - 1.6 * r, x + r, horizon + 0.4 * r)
    draw.ellipse(sun, outline=plan.rgba(plan.palette[-1], 1), width=line * 2)
    for index, (x, y) in enumerate(_focus_points(plan, _motifs(plan, 4, 2, 14), 0.25)):
        ring = _disc(x, min(y, horizon), min(plan.work_size) * rng.uniform(0.03, 0.12))
        draw.ellipse(ring, outline=plan.rgba(plan.colour(index), 1), width=line)
    for index in range(3):
        xs = np.linspace(0, width, int(rng.integers(5, 11)))
        ys = height * rng.uniform(0.08, 0.45) + rng.uniform(-1, 1, len(xs)) * height * 0.05
        zigzag = list(zip(xs.tolist(), ys.tolist(), strict=True))
        draw.line(zigzag, fill=plan.rgba(plan.colour(index + 2), 0.9), width=line)


def paint_hatching(canvas: Image.Image, plan: Plan) -> None:
    """Graphite: outlines drawn two or three times, shaded inside with cross-hatching."""
    rng, (width, height), side = plan.rng, plan.work_size, min(plan.work_size)
    graphite = plan.palette[0]
    line = _line_width(plan, 1.2)
    shapes = []
    for x, y in _focus_points(plan, _motifs(plan, 4, 2, 12), 0.2):
        rx = side * rng.uniform(0.06, 0.2)
        shapes.append(_disc(x, y, rx, rx * rng.uniform(0.6, 1.3)))
    ground = height * rng.uniform(0.72, 0.82)
    mask = Image.new("L", plan.work_size, 0)
    mask_draw = ImageDraw.Draw(mask)
    mask_draw.rectangle((0, ground, width, height), fill=90)  # a ground, shaded lightly
    for box in shapes:
        mask_draw.ellipse(box, fill=140)
    hatch = Image.new("L", plan.work_size, 0)
    hatch_draw = ImageDraw.Draw(hatch)
    gap = max(3, round(6 * plan.scale))
    for offset in range(-height, width, gap):
        hatch_draw.line((offset, height, offset + height, 0), fill=255)
    for offset in range(0, width + height, gap * 2):
        hatch_draw.line((offset, 0, offset - height, height), fill=160)
    canvas.paste(
        Image.new("RGB", plan.work_size, graphite), (0, 0), ImageChops.multiply(hatch, mask)
    )
    draw = ImageDraw.Draw(canvas, "RGBA")
    draw.line((0, ground, width, ground), fill=plan.rgba(graphite, 0.7), width=line)
    for box in shapes:
        for _ in range(int(rng.integers(2, 4))):
            wobbly = tuple((np.array(box) + rng.normal(0, 1.5 * plan.scale, 4)).tolist())
            draw.ellipse(wobbly, outline=plan.rgba(graphite, 0.8), width=line)


def paint_waves(canvas: Image.Image, plan: Plan) -> None:
    """A woodblock sea: a flat red sun, outlined bands of water, foam on the crests."""
    draw = ImageDraw.Draw(canvas, "RGBA")
    rng, (width, height) = plan.rng, plan.work_size
    x, y = width * rng.uniform(0.2, 0.8), height * rng.uniform(0.15, 0.35)
    draw.ellipse(_disc(x, y, height * rng.uniform(0.08, 0.13)), fill=plan.rgba(VERMILION, 0.95))
    _paint_hills(draw, plan, layers=4, top=0.42, outline=mix(plan.palette[0], INK, 0.6))
    foam = plan.rgba(FOAM, 0.9)
    for _ in range(_motifs(plan, 30, 8, 90)):
        x, y = width * rng.uniform(0, 1), height * rng.uniform(0.45, 0.95)
        draw.ellipse(_disc(x, y, max(1.0, height * rng.uniform(0.004, 0.012))), fill=foam)


def paint_facets(canvas: Image.Image, plan: Plan) -> None:
    """A jittered triangle mesh: each facet takes the colour under it, tinted toward the
    nearest palette centre, one triangle of each pair lit and the other shaded."""
    draw = ImageDraw.Draw(canvas, "RGBA")
    rng, (width, height) = plan.rng, plan.work_size
    underneath = np.asarray(canvas, dtype=np.float32)
    cols = int(rng.integers(8, 14))
    rows = max(4, round(cols * height / width))
    points = np.stack(
        np.meshgrid(np.linspace(0, width, cols + 1), np.linspace(0, height, rows + 1)), -1
    )
    jitter = rng.uniform(-0.35, 0.35, points.shape) * (width / cols, height / rows)
    jitter[0, :, 1] = jitter[-1, :, 1] = jitter[:, 0, 0] = jitter[:, -1, 0] = 0  # edges stay
    points += jitter
    centres = _focus_points(plan, len(plan.palette), 0.3)
    for row in range(rows):
        for col in range(cols):
            a, b = points[row, col], points[row, col + 1]
            d, e = points[row + 1, col], points[row + 1, col + 1]
            for triangle, light in (((a, b, e), 0.08), ((a, e, d), -0.06)):
                cx, cy = sum(triangle) / 3
                near = int(np.argmin(((centres - (cx, cy)) ** 2).sum(axis=1)))
                under = underneath[min(int(cy), height - 1), min(int(cx), width - 1)]
                colour = mix((int(under[0]), int(under[1]), int(under[2])), plan.colour(near), 0.45)
                colour = shade(colour, light + float(rng.uniform(-0.12, 0.12)))
                corners = [tuple(p.tolist()) for p in triangle]
                draw.polygon(corners, fill=plan.rgba(colour, 1), outline=plan.rgba(colour, 1))


PAINTERS: dict[ShapeFamily, Callable[[Image.Image, Plan], None]] = {
    ShapeFamily.BLOBS: paint_blobs,
    ShapeFamily.CLOUDS: paint_clouds,
    ShapeFamily.BOKEH: paint_bokeh,
    ShapeFamily.BLOCKS: paint_blocks,
    ShapeFamily.STROKES: paint_strokes,
    ShapeFamily.RINGS: paint_rings,
    ShapeFamily.HATCHING: paint_hatching,
    ShapeFamily.WAVES: paint_waves,
    ShapeFamily.FACETS: paint_facets,
}
