"""A scene for the prompt's subjects: sky, land or water, the setting's props, the subjects.

Everything that is a thing (a fox, a moon, a tree, a building) is an OpenMoji drawing
(`assets.py`); only the sky, the ground, the water and the weather are painted here. The
layout follows the setting words (`subjects.Setting`) and the plan's random numbers, so a
plan always composes the same scene. `Scene.drawn` says what was drawn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from core.generation.assets import drawing
from core.generation.scene import RGB, WHITE, Plan, mix
from core.generation.subjects import Place, Reading, Setting, Subject

S = Setting  # short, for the tables below


@dataclass(frozen=True, slots=True)
class Drawn:
    """One drawing placed in a scene."""

    name: str  # the drawing's English name ("fox")
    char: str  # the character OpenMoji draws it for
    role: str  # "subject" (asked for) or "prop" (the setting's)
    word: str = ""  # the prompt's word, for subjects


@dataclass
class Scene:
    canvas: Image.Image  # RGB, the plan's working size
    subjects: Image.Image  # L: where the subjects are (255) — styles treat them apart
    horizon: float  # y of the horizon, in working pixels
    settings: frozenset[Setting]
    drawn: list[Drawn] = field(default_factory=list)
    main_x: float = 0.5  # where the main subject stands, as a fraction of the width


@dataclass(frozen=True, slots=True)
class Light:
    """The time of day or weather a scene is lit by."""

    sky_top: RGB
    sky_bottom: RGB
    tint: RGB  # multiplied into drawings (white leaves them as they are)
    tint_amount: float
    ground_shade: RGB
    ground_shade_amount: float


DAY = Light((70, 138, 222), (196, 224, 246), WHITE, 0.0, WHITE, 0.0)
LIGHTS: dict[Setting, Light] = {
    S.SPACE: Light((4, 4, 18), (28, 18, 58), (200, 200, 235), 0.25, (10, 10, 30), 0.5),
    S.NIGHT: Light((8, 14, 42), (46, 58, 110), (120, 135, 200), 0.45, (12, 18, 44), 0.6),
    S.SUNSET: Light((58, 42, 112), (252, 156, 84), (255, 190, 150), 0.25, (90, 45, 70), 0.3),
    S.RAIN: Light((72, 80, 94), (150, 156, 166), (170, 176, 190), 0.25, (40, 45, 55), 0.3),
    S.SNOW: Light((140, 170, 205), (226, 233, 242), WHITE, 0.0, WHITE, 0.0),
    S.DESERT: Light((80, 150, 228), (246, 222, 176), WHITE, 0.0, WHITE, 0.0),
}
LIGHT_ORDER = (S.SPACE, S.NIGHT, S.SUNSET, S.RAIN, S.SNOW, S.DESERT)

GRASS: RGB = (96, 156, 72)
GROUNDS: dict[Setting, RGB] = {
    S.SNOW: (236, 241, 249),
    S.DESERT: (226, 188, 128),
    S.CITY: (86, 88, 98),
    S.FOREST: (64, 120, 58),
    S.GARDEN: (104, 170, 76),
    S.MOUNTAINS: (110, 150, 84),
}
GROUND_ORDER = (S.SNOW, S.DESERT, S.CITY, S.FOREST, S.GARDEN, S.MOUNTAINS)
WATER_NEAR: RGB = (22, 70, 130)
WATER_FAR: RGB = (90, 150, 200)

BUILDINGS = ("🏢", "🏬", "🏨", "🏦", "🏣", "🏫", "🏢", "🏛")
TREES = ("🌲", "🌳", "🌲")
FLOWERS = ("🌷", "🌼", "🌻", "🌸", "🌺")
PEAKS = ("🏔", "⛰", "🏔")
NAMES = {
    "🏢": "office building", "🏬": "department store", "🏨": "hotel", "🏦": "bank",
    "🏣": "post office", "🏫": "school", "🏛": "classical building", "🌲": "evergreen tree",
    "🌳": "deciduous tree", "🌷": "tulip", "🌼": "blossom", "🌻": "sunflower",
    "🌸": "cherry blossom", "🌺": "hibiscus", "🏔": "snow-capped mountain", "⛰": "mountain",
    "🌕": "full moon", "☀": "sun", "☁": "cloud", "❄": "snowflake", "🪐": "ringed planet",
    "🌵": "cactus",
}  # fmt: skip


def compose(
    plan: Plan, reading: Reading, *, backdrop: Image.Image | None = None, scale: float = 1.0
) -> Scene:
    """The scene for `reading`, on a canvas of the plan's working size; or only its subjects,
    `scale` times their size, on `backdrop` (an edit draws them into the parent picture)."""
    height = plan.work_size[1]
    settings = reading.settings
    light = next((LIGHTS[s] for s in LIGHT_ORDER if s in settings), DAY)
    horizon = height * _horizon(settings, reading.subjects)
    canvas = backdrop.copy() if backdrop is not None else _sky(plan, light)
    scene = Scene(canvas, Image.new("L", plan.work_size, 0), horizon, settings)
    if backdrop is None:
        _surroundings(scene, plan, light, reading.subjects)
    figures = _figures(reading.subjects)
    placed = [_place(scene, plan, subject, index, figures) for index, subject in enumerate(figures)]
    for subject, at, anchor, size in reversed(placed):  # the far ones first, the main one last
        _draw_subject(scene, plan, subject, at, anchor, size * scale, light)
    scene.drawn.extend(
        Drawn(subject.asset.name, subject.asset.char, "subject", subject.word)
        for subject in figures
    )
    _weather(scene, plan)
    return scene


def _surroundings(scene: Scene, plan: Plan, light: Light, subjects: tuple[Subject, ...]) -> None:
    _sky_props(scene, plan, light)
    if S.SPACE in scene.settings:
        _place_prop(scene, plan, "🪐", 0.24, (0.8, 0.25), light)
        return
    _far_props(scene, plan, light)
    _land_and_water(scene, plan, light, subjects)
    _near_props(scene, plan, light)


def _horizon(settings: frozenset[Setting], subjects: tuple[Subject, ...]) -> float:
    if S.SPACE in settings:
        return 1.0
    if S.SEA in settings or (subjects and subjects[0].asset.place is Place.WATER):
        return 0.55
    return 0.64 if S.CITY in settings or S.MOUNTAINS in settings else 0.6


# ---------------------------------------------------------------- sky


def _sky(plan: Plan, light: Light) -> Image.Image:
    """A vertical gradient, lighter toward the horizon; stars when it is dark."""
    width, height = plan.work_size
    rng = plan.rng
    top = np.array(mix(light.sky_top, plan.palette[0], 0.12), np.float32)
    bottom = np.array(mix(light.sky_bottom, plan.palette[-1], 0.1), np.float32)
    t = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None] ** 1.3
    column = top + (bottom - top) * t
    sky = Image.fromarray(np.clip(column, 0, 255).astype(np.uint8)[:, None, :].repeat(width, 1))
    if light in (LIGHTS[S.NIGHT], LIGHTS[S.SPACE]):
        draw = ImageDraw.Draw(sky, "RGBA")
        count = max(12, int(width * height / 900))
        xs, ys = rng.uniform(0, width, count), rng.uniform(0, height * 0.75, count)
        sizes, alphas = rng.uniform(0.3, 1.4, count), rng.uniform(0.4, 1.0, count)
        for x, y, r, a in zip(xs, ys, sizes, alphas, strict=True):
            r = max(0.5, r * plan.scale * 1.5)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=(255, 255, 240, int(255 * a)))
    return sky


def _sky_props(scene: Scene, plan: Plan, light: Light) -> None:
    settings, rng = scene.settings, plan.rng
    side = rng.choice((0.18, 0.82))
    if S.NIGHT in settings and S.SPACE not in settings:
        _halo(scene, plan, (side, 0.17), 0.16, (230, 235, 255))
        _place_prop(scene, plan, "🌕", 0.15, (side, 0.17), None)
    elif S.SUNSET in settings:
        low = (side, scene.horizon / plan.work_size[1] - 0.02)
        _halo(scene, plan, low, 0.35, (255, 200, 120))
        _place_prop(scene, plan, "☀", 0.3, low, None)
    elif S.RAIN in settings:
        for index in range(4):
            x = (index + rng.uniform(0.1, 0.6)) / 4
            _place_prop(
                scene, plan, "☁", rng.uniform(0.26, 0.34), (x, rng.uniform(0.08, 0.2)), light
            )
    elif S.SPACE not in settings:
        _place_prop(scene, plan, "☀", 0.15, (side, 0.14), None)
        for _ in range(2):
            x = rng.uniform(0.1, 0.9) if side > 0.5 else rng.uniform(0.35, 0.95)
            _place_prop(scene, plan, "☁", rng.uniform(0.14, 0.2), (x, rng.uniform(0.1, 0.28)), None)


def _halo(scene: Scene, plan: Plan, centre: tuple[float, float], size: float, colour: RGB) -> None:
    width, height = plan.work_size
    x, y, r = centre[0] * width, centre[1] * height, size * height
    glow = Image.new("L", plan.work_size, 0)
    ImageDraw.Draw(glow).ellipse((x - r, y - r, x + r, y + r), fill=110)
    glow = glow.filter(ImageFilter.GaussianBlur(r * 0.45))
    scene.canvas.paste(colour, (0, 0), glow)


# ---------------------------------------------------------------- land and water


def _ground_colour(settings: frozenset[Setting], light: Light) -> RGB:
    colour = next((GROUNDS[s] for s in GROUND_ORDER if s in settings), GRASS)
    return mix(colour, light.ground_shade, light.ground_shade_amount)


def _land_and_water(scene: Scene, plan: Plan, light: Light, subjects: tuple[Subject, ...]) -> None:
    width, height = plan.work_size
    draw = ImageDraw.Draw(scene.canvas, "RGBA")
    ground = _ground_colour(scene.settings, light)
    horizon = scene.horizon
    on_water = S.SEA in scene.settings or (subjects and subjects[0].asset.place is Place.WATER)
    if on_water:
        _water(scene, plan, light, horizon, height)
        needs_shore = any(s.asset.place is Place.GROUND for s in subjects)
        if needs_shore:
            sand = mix((226, 200, 150), light.ground_shade, light.ground_shade_amount)
            shore = ground if S.SNOW in scene.settings else sand
            _ridge(draw, plan, height * 0.8, height * 0.02, shore)
        return
    far = mix(ground, light.sky_bottom, 0.35)
    _ridge(draw, plan, horizon, height * 0.03, far)
    _ridge(draw, plan, horizon + (height - horizon) * 0.25, height * 0.025, ground)
    if S.CITY in scene.settings:  # a street: kerb and lane marks
        kerb = horizon + (height - horizon) * 0.25
        draw.rectangle((0, kerb, width, height), fill=(*ground, 255))
        lane = kerb + (height - kerb) * 0.55
        for x in np.arange(plan.rng.uniform(0, width * 0.1), width, width * 0.16):
            draw.rectangle(
                (x, lane, x + width * 0.08, lane + max(1, height * 0.008)),
                fill=(230, 220, 160, 200),
            )


def _water(scene: Scene, plan: Plan, light: Light, top: float, bottom: float) -> None:
    width = plan.work_size[0]
    far = np.array(mix(WATER_FAR, light.sky_bottom, 0.45), np.float32)
    near = np.array(mix(WATER_NEAR, light.ground_shade, light.ground_shade_amount), np.float32)
    rows = max(1, int(bottom - top) + 1)
    t = np.linspace(0.0, 1.0, rows, dtype=np.float32)[:, None]
    band = np.clip(far + (near - far) * t, 0, 255).astype(np.uint8)
    water = Image.fromarray(band[:, None, :].repeat(width, 1))
    scene.canvas.paste(water, (0, int(top)))
    draw = ImageDraw.Draw(scene.canvas, "RGBA")
    rng = plan.rng
    crest = mix(light.sky_bottom, WHITE, 0.5)
    count = max(8, int(width * (bottom - top) / 350))
    for _ in range(count):
        depth = rng.uniform(0, 1) ** 1.6
        y = top + (bottom - top) * depth
        x, length = rng.uniform(0, width), width * (0.015 + 0.05 * depth)
        line = max(1, round(plan.scale * (1 + 1.5 * depth)))
        draw.line((x, y, x + length, y), fill=(*crest, int(90 + 100 * depth)), width=line)


def _ridge(draw: ImageDraw.ImageDraw, plan: Plan, top: float, amplitude: float, fill: RGB) -> None:
    """Land from a gently rolling line at `top` down to the bottom edge."""
    width, height = plan.work_size
    rng = plan.rng
    xs = np.linspace(-2, width + 2, 48)
    freq, phase = rng.uniform(1.5, 3.5) * math.pi / width, rng.uniform(0, 2 * math.pi)
    ys = top + amplitude * np.sin(xs * freq + phase)
    ridge = list(zip(xs.tolist(), ys.tolist(), strict=True))
    draw.polygon([*ridge, (width + 2, height + 2), (-2, height + 2)], fill=(*fill, 255))


# ---------------------------------------------------------------- props


def _far_props(scene: Scene, plan: Plan, light: Light) -> None:
    """What stands on the horizon: mountains, a skyline, a tree line."""
    rng, settings = plan.rng, scene.settings
    horizon = scene.horizon / plan.work_size[1]
    haze = Light(light.sky_top, light.sky_bottom, light.sky_bottom, 0.3, WHITE, 0.0)
    if S.MOUNTAINS in settings:
        for index, x in enumerate((0.15, 0.5, 0.85)):
            size = rng.uniform(0.42, 0.56)
            at = (x + rng.uniform(-0.08, 0.08), horizon + 0.03)
            _place_prop(scene, plan, PEAKS[index], size, at, haze, anchor="bottom")
    if S.CITY in settings:
        x = rng.uniform(-0.06, 0.0)
        while x < 1.05:
            size = rng.uniform(0.2, 0.3)
            char = BUILDINGS[int(rng.integers(0, len(BUILDINGS)))]
            _place_prop(scene, plan, char, size, (x, horizon + 0.02), light, anchor="bottom")
            x += size * rng.uniform(0.6, 0.8)
    if S.FOREST in settings:
        x = rng.uniform(-0.04, 0.02)
        while x < 1.04:
            size = rng.uniform(0.16, 0.22)
            char = TREES[int(rng.integers(0, len(TREES)))]
            _place_prop(scene, plan, char, size, (x, horizon + 0.03), haze, anchor="bottom")
            x += size * rng.uniform(0.45, 0.6)


def _near_props(scene: Scene, plan: Plan, light: Light) -> None:
    """What stands in the foreground, framing the subject: trees, cacti, flowers."""
    rng, settings = plan.rng, scene.settings
    if S.FOREST in settings:
        for x in (rng.uniform(0.0, 0.08), rng.uniform(0.92, 1.0)):
            _place_prop(
                scene,
                plan,
                TREES[int(rng.integers(0, 2))],
                rng.uniform(0.42, 0.52),
                (x, 0.95),
                light,
                anchor="bottom",
            )
    if S.DESERT in settings:
        _place_prop(
            scene,
            plan,
            "🌵",
            rng.uniform(0.2, 0.26),
            (rng.uniform(0.04, 0.14), 0.9),
            light,
            anchor="bottom",
        )
    if S.GARDEN in settings:
        horizon = scene.horizon / plan.work_size[1]
        for _ in range(14):
            y = rng.uniform(horizon + 0.08, 0.98)
            size = 0.05 + 0.07 * (y - horizon) / (1 - horizon)
            char = FLOWERS[int(rng.integers(0, len(FLOWERS)))]
            _place_prop(
                scene, plan, char, size, (rng.uniform(0.02, 0.98), y), light, anchor="bottom"
            )


def _place_prop(
    scene: Scene,
    plan: Plan,
    char: str,
    size: float,
    at: tuple[float, float],
    light: Light | None,
    *,
    anchor: str = "centre",
) -> None:
    """A setting's drawing, `size` × the canvas height to the em, at `at` (fractions)."""
    image = _lit(drawing(char, size * plan.work_size[1]), light)
    _paste(scene.canvas, image, at, plan, anchor)
    scene.drawn.append(Drawn(NAMES.get(char, char), char, "prop"))


# ---------------------------------------------------------------- subjects

SUBJECT_SIZE = {Place.GROUND: 0.52, Place.SKY: 0.36, Place.WATER: 0.48}
SLOTS = (0.36, 0.5, 0.64)
SUBJECT_LIGHTING = 0.5  # subjects take half the light's tint: lit, and still easy to see


MAX_FIGURES = 3


def _figures(subjects: tuple[Subject, ...]) -> list[Subject]:
    """What to draw, three at most: the main subject (twice if there are several), each other
    subject once, then more copies."""
    figures = [subjects[0]] * min(2, subjects[0].count) if subjects else []
    figures += subjects[1:]  # every other subject once, before more copies
    for subject in subjects:
        figures += [subject] * (subject.count - figures.count(subject))
    return figures[:MAX_FIGURES]


def _place(
    scene: Scene, plan: Plan, subject: Subject, index: int, figures: list[Subject]
) -> tuple[Subject, tuple[float, float], str, float]:
    """Where a figure stands: the main one on a third or the middle, the others beside it
    and further back (smaller), on its roomier side first."""
    rng, height = plan.rng, plan.work_size[1]
    place = subject.asset.place
    main = index == 0
    same_as_main = subject.asset == figures[0].asset
    size = SUBJECT_SIZE[place] * (1.0 if main else 0.72 if same_as_main else 0.62)
    horizon = scene.horizon / height
    if main:  # alone: a third or the middle; with one more: a third; with two: the middle
        slot = SLOTS[int(rng.integers(0, 3))]
        if len(figures) == 2 and slot == 0.5:
            slot = SLOTS[0]
        scene.main_x = x = 0.5 if len(figures) == 3 else slot
    else:
        roomy = 0.8 if scene.main_x <= 0.5 else 0.2
        x = roomy if index == 1 else 1.0 - roomy
    x += rng.uniform(-0.03, 0.03)
    if S.SPACE in scene.settings:
        return subject, (x, 0.5 if main else 0.35), "centre", size
    if place is Place.SKY:
        return subject, (x, 0.3 if main else rng.uniform(0.18, 0.4)), "centre", size
    if place is Place.WATER:
        return subject, (x, horizon + (1 - horizon) * (0.55 if main else 0.3)), "bottom", size
    return subject, (x, 0.93 if main else 0.84), "bottom", size


def _draw_subject(
    scene: Scene,
    plan: Plan,
    subject: Subject,
    at: tuple[float, float],
    anchor: str,
    size: float,
    light: Light,
) -> None:
    image = drawing(subject.asset.char, size * plan.work_size[1])
    if subject.asset.place is Place.WATER and scene.horizon < plan.work_size[1]:
        image = _without_drawn_water(image)  # the scene's own water shows instead
    image = _lit(image, light, SUBJECT_LIGHTING)
    width = plan.work_size[0]
    if image.width < width:  # the whole figure inside the picture
        half = image.width / 2 / width
        at = (min(max(at[0], half), 1 - half), at[1])
    if anchor == "bottom" and subject.asset.place is not Place.WATER:
        _shadow(scene, image, at, plan)
    if anchor == "bottom" and subject.asset.place is Place.WATER:
        _reflection(scene, image, at, plan)
    box = _paste(scene.canvas, image, at, plan, anchor)
    scene.subjects.paste(255, box[:2], image.getchannel("A"))


OPENMOJI_WATER = np.array((146, 211, 245))  # the flat blue OpenMoji draws water in


def _without_drawn_water(image: Image.Image) -> Image.Image:
    """A boat's or lighthouse's drawing without the patch of water it stands in."""
    pixels = np.array(image)
    water = np.abs(pixels[..., :3].astype(int) - OPENMOJI_WATER).sum(axis=-1) < 24
    pixels[..., 3][water] = 0
    return Image.fromarray(pixels, "RGBA")


def _shadow(scene: Scene, image: Image.Image, at: tuple[float, float], plan: Plan) -> None:
    width, height = plan.work_size
    x, y = at[0] * width, at[1] * height
    rx, ry = image.width * 0.42, max(1.0, image.height * 0.06)
    draw = ImageDraw.Draw(scene.canvas, "RGBA")
    draw.ellipse((x - rx, y - ry, x + rx, y + ry), fill=(0, 0, 0, 60))


def _reflection(scene: Scene, image: Image.Image, at: tuple[float, float], plan: Plan) -> None:
    flipped = image.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    flipped = flipped.resize((flipped.width, max(1, int(flipped.height * 0.5))))
    alpha = flipped.getchannel("A").point(lambda a: a * 0.3)
    flipped.putalpha(alpha)
    width, height = plan.work_size
    scene.canvas.paste(
        flipped, (int(at[0] * width - flipped.width / 2), int(at[1] * height)), flipped
    )


# ---------------------------------------------------------------- weather


def _weather(scene: Scene, plan: Plan) -> None:
    rng, (width, height) = plan.rng, plan.work_size
    draw = ImageDraw.Draw(scene.canvas, "RGBA")
    area = width * height / (512 * 512)
    if S.RAIN in scene.settings:
        length = height * 0.05
        for _ in range(max(6, int(320 * area))):
            x, y = rng.uniform(-0.1, 1.0) * width, rng.uniform(0, 1) * height
            draw.line(
                (x, y, x + length * 0.25, y + length),
                fill=(210, 220, 240, 90),
                width=max(1, round(plan.scale)),
            )
    if S.SNOW in scene.settings:
        for _ in range(max(6, int(260 * area))):
            x, y = rng.uniform(0, width), rng.uniform(0, height)
            r = max(0.6, rng.uniform(0.8, 2.6) * plan.scale)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=(255, 255, 255, 210))


# ---------------------------------------------------------------- drawing helpers


def _lit(image: Image.Image, light: Light | None, share: float = 1.0) -> Image.Image:
    """The drawing in the scene's light: multiplied toward the light's tint."""
    if light is None or light.tint_amount <= 0:
        return image
    tint = mix(WHITE, light.tint, light.tint_amount * share)
    rgb = ImageChops.multiply(image.convert("RGB"), Image.new("RGB", image.size, tint))
    rgb.putalpha(image.getchannel("A"))
    return rgb


def _paste(
    canvas: Image.Image, image: Image.Image, at: tuple[float, float], plan: Plan, anchor: str
) -> tuple[int, int, int, int]:
    width, height = plan.work_size
    x = round(at[0] * width - image.width / 2)
    y = round(at[1] * height - (image.height if anchor == "bottom" else image.height / 2))
    canvas.paste(image, (x, y), image)
    return (x, y, x + image.width, y + image.height)
