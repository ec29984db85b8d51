"""The embedded image generator: procedural, deterministic, fast, and entirely offline.

It is what Mosaic uses when no OpenAI key is configured, so it aims to be pleasant to look
at rather than a test pattern. The same (prompt, style, size, seed) always gives the same
bytes (with the same Pillow and numpy).

A picture comes together in four steps:

1. **Read** (`subjects.py`): the prompt's subjects ("fox", "Leuchtturm"), its setting words
   ("night", "Meer") and any style it names ("Aquarell", when no style is chosen).
2. **Plan** (`scene.py`): the words choose a palette, the style (or the words) a shape family.
3. **Paint** on a small working canvas: a scene of OpenMoji drawings composed for the
   subjects and setting (`composition.py`), then the style's treatment of the whole picture
   (`treatments.py`: washes, cel shading, pixels, strokes, neon edges, pencil, woodblock,
   facets, haze). A prompt that names nothing drawable gets an abstract picture instead: a
   gradient and the style's shapes (`painters.py`).
4. **Finish** (here): soften or glow, lay a texture (grain, paper, canvas…), upscale to the
   asked size, and letter the prompt small in the bottom-left corner (`lettering.py`).

An edit keeps the parent's light and dark structure: it recolours the parent through the
new palette, lays the new prompt's shapes over it, less than half opaque, and draws the new
prompt's subjects into it, smaller than a scene would.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageChops, ImageFilter, ImageOps

from core.errors import InvalidInput
from core.generation.composition import Drawn, compose
from core.generation.lettering import letter_prompt
from core.generation.painters import PAINTERS, paint_background, recolour
from core.generation.scene import Plan, digest, make_plan
from core.generation.styles import STYLES, Style, Texture
from core.generation.subjects import Reading, read_prompt
from core.generation.treatments import treat
from core.picture_codec import open_image

EDIT_RECOLOUR = 0.6  # how much of the parent's colour an edit replaces with the new palette
EDIT_OVERPAINT = 0.45  # how much an edit's new shapes cover the parent, at most
EDIT_SUBJECT_SCALE = 0.6  # an edit's subjects join the parent's picture, smaller than in a scene
# Generated pictures are grainy and barely compress further: level 1 is ~5× faster than
# Pillow's default (files ~30 % larger), and the image store re-encodes them anyway.
PNG_COMPRESS_LEVEL = 1


# ---------------------------------------------------------------- rendering


@dataclass(frozen=True, slots=True)
class Picture:
    """A rendered picture and what it shows."""

    png: bytes
    drawn: tuple[Drawn, ...]  # the drawings placed in it: subjects first asked for, props
    style: str | None  # the style it was painted in (chosen, or named in the prompt)

    @property
    def subjects(self) -> tuple[str, ...]:
        return tuple(item.name for item in self.drawn if item.role == "subject")


def render(prompt: str, style: Style | None, size: tuple[int, int], seed: int) -> bytes:
    """A new picture for `prompt`, as PNG bytes. Same arguments, same bytes."""
    return paint(prompt, style, size, seed).png


def paint(prompt: str, style: Style | None, size: tuple[int, int], seed: int) -> Picture:
    """A new picture for `prompt`: a scene of what it names, or abstract if it names nothing
    drawable. Same arguments, same picture."""
    reading = read_prompt(prompt)
    if style is None and reading.style:
        style = STYLES[reading.style]
    if not reading.subjects and not reading.settings:
        abstract = render_abstract(prompt, style, size, seed)
        return Picture(abstract, (), style.name if style else None)
    plan = make_plan(prompt, style, size, seed)
    scene = compose(plan, reading)
    canvas = treat(scene, plan, style)
    return Picture(_finish(canvas, plan, prompt), tuple(scene.drawn), style.name if style else None)


def render_abstract(prompt: str, style: Style | None, size: tuple[int, int], seed: int) -> bytes:
    """The abstract picture: a gradient and the style's shapes, coloured by the words (the
    only picture before scenes; bench/local_generator.py measures scenes against it)."""
    plan = make_plan(prompt, style, size, seed)
    canvas = paint_background(plan)
    PAINTERS[plan.family](canvas, plan)
    return _finish(canvas, plan, prompt)


def render_edit(
    parent: bytes, prompt: str, style: Style | None, size: tuple[int, int], seed: int
) -> bytes:
    """`parent` recoloured and overpainted by `prompt`, as PNG bytes."""
    return paint_edit(parent, prompt, style, size, seed).png


def paint_edit(
    parent: bytes, prompt: str, style: Style | None, size: tuple[int, int], seed: int
) -> Picture:
    """`parent` recoloured and overpainted by `prompt`, with the prompt's subjects drawn in
    (in the style)."""
    reading = read_prompt(prompt)
    if style is None and reading.style:
        style = STYLES[reading.style]
    plan = make_plan(prompt, style, size, seed, salt=digest(parent))
    base = ImageOps.fit(_open(parent, plan.work_size), plan.work_size, Image.Resampling.BICUBIC)
    base = recolour(base, plan, EDIT_RECOLOUR)
    painted = base.copy()
    PAINTERS[plan.family](painted, plan)
    canvas = Image.blend(base, painted, EDIT_OVERPAINT)
    drawn: tuple[Drawn, ...] = ()
    if reading.subjects:
        subjects_only = Reading(reading.subjects, frozenset(), None)
        scene = compose(plan, subjects_only, backdrop=canvas, scale=EDIT_SUBJECT_SCALE)
        canvas = Image.composite(treat(scene, plan, style), canvas, scene.subjects)
        drawn = tuple(scene.drawn)
    png = _finish(canvas, plan, prompt, cover_label=True)
    return Picture(png, drawn, style.name if style else None)


def _open(data: bytes, work_size: tuple[int, int]) -> Image.Image:
    try:
        image = open_image(io.BytesIO(data))
        image.draft("RGB", work_size)  # JPEG decodes straight to a smaller size
        return image.convert("RGB")
    except (OSError, Image.DecompressionBombError) as exc:  # unreadable, truncated, too big
        raise InvalidInput("error.bad_image") from exc


def _finish(canvas: Image.Image, plan: Plan, prompt: str, *, cover_label: bool = False) -> bytes:
    if plan.softness:
        canvas = canvas.filter(ImageFilter.GaussianBlur(plan.softness * plan.scale))
    if plan.glow:
        bloom = canvas.filter(ImageFilter.GaussianBlur(6 * plan.scale))
        canvas = Image.blend(canvas, ImageChops.screen(canvas, bloom), 0.7)
    canvas = _apply_texture(canvas, plan)
    resampling = Image.Resampling.NEAREST if plan.pixelated else Image.Resampling.BILINEAR
    picture = canvas.resize(plan.size, resampling)
    letter_prompt(picture, prompt, full_width=cover_label)
    out = io.BytesIO()
    picture.save(out, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return out.getvalue()


# ---------------------------------------------------------------- textures

_NEUTRAL = 128  # a surface value that leaves a pixel as it is


def _apply_texture(picture: Image.Image, plan: Plan) -> Image.Image:
    """Add a grey surface (128 = no change) to every channel. On the working canvas: the
    upscale softens it into film-like grain, at a quarter of the cost of full size."""
    if plan.texture is Texture.NONE:
        return picture
    surface = SURFACES[plan.texture](plan)
    return ImageChops.add(picture, Image.merge("RGB", (surface,) * 3), scale=1, offset=-_NEUTRAL)


def _grain(plan: Plan, amplitude: int) -> Image.Image:
    width, height = plan.work_size
    noise = plan.rng.integers(-amplitude, amplitude + 1, (height, width), dtype=np.int16)
    return Image.fromarray((noise + _NEUTRAL).astype(np.uint8), "L")


def _grain_surface(plan: Plan) -> Image.Image:
    return _grain(plan, 7)


def _paper_surface(plan: Plan) -> Image.Image:
    """Soft blotches of fibre plus a little grain."""
    width, height = plan.work_size
    coarse = plan.rng.integers(110, 147, (max(2, height // 12), max(2, width // 12)), np.uint8)
    blotches = Image.fromarray(coarse, "L").resize(plan.work_size, Image.Resampling.BICUBIC)
    return ImageChops.add(blotches, _grain(plan, 3), scale=1, offset=-_NEUTRAL)


def _canvas_surface(plan: Plan) -> Image.Image:
    """A woven cross pattern, a thread every four working pixels."""
    width, height = plan.work_size
    wx = np.sin(np.arange(width) * (math.pi / 2))
    wy = np.sin(np.arange(height) * (math.pi / 2))
    return Image.fromarray((np.outer(wy, wx) * 9 + _NEUTRAL).astype(np.uint8), "L")


def _scanline_surface(plan: Plan) -> Image.Image:
    """Every other working row slightly darker, like an old screen."""
    width, height = plan.work_size
    rows = np.where(np.arange(height) % 2 == 0, _NEUTRAL - 14, _NEUTRAL).astype(np.uint8)
    return Image.fromarray(np.repeat(rows[:, None], width, axis=1), "L")


SURFACES: dict[Texture, Callable[[Plan], Image.Image]] = {
    Texture.GRAIN: _grain_surface,
    Texture.PAPER: _paper_surface,
    Texture.CANVAS: _canvas_surface,
    Texture.SCANLINES: _scanline_surface,
}
