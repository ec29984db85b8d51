"""The embedded image generator as an `ImageProvider`: what Mosaic uses when no OpenAI key is
configured. The painting itself (`local.py`: numpy, Pillow, the OpenMoji drawings) is imported
in the worker thread of the first picture, not at start-up: most processes never paint.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from core.generation.provider import ImageOptions
from core.generation.styles import Style, get_style

MIN_SIDE, MAX_SIDE = 64, 4096
MAX_COUNT = 10  # like OpenAI's `n`


class LocalImageProvider:
    """`ImageProvider` backed by the procedural generator; CPU work runs in worker threads."""

    name = "local"
    model = "procedural-v1"

    async def generate(self, prompt: str, options: ImageOptions) -> list[bytes]:
        size, style = _check(options)
        return await _each_seed(options, lambda seed: _render(prompt, style, size, seed))

    async def edit(self, image: bytes, prompt: str, options: ImageOptions) -> list[bytes]:
        size, style = _check(options)
        return await _each_seed(
            options, lambda seed: _render_edit(image, prompt, style, size, seed)
        )


async def _each_seed(options: ImageOptions, make: Callable[[int], bytes]) -> list[bytes]:
    """One picture per image asked for; picture i uses seed + i, so the first picture of a
    four-image job is the picture a one-image job with the same seed gets."""
    seeds = [options.seed + index for index in range(options.count)]
    return list(await asyncio.gather(*(asyncio.to_thread(make, seed) for seed in seeds)))


def _check(options: ImageOptions) -> tuple[tuple[int, int], Style | None]:
    try:
        size = (options.width, options.height)
    except (ValueError, IndexError):
        raise ValueError(f"size must look like 1024x1024, not {options.size!r}") from None
    if not all(MIN_SIDE <= side <= MAX_SIDE for side in size):
        raise ValueError(f"each side must be {MIN_SIDE}–{MAX_SIDE} pixels, not {options.size}")
    if not 1 <= options.count <= MAX_COUNT:
        raise ValueError(f"count must be 1–{MAX_COUNT}, not {options.count}")
    return size, get_style(options.style)


def _render(prompt: str, style: Style | None, size: tuple[int, int], seed: int) -> bytes:
    from core.generation.local import render

    return render(prompt, style, size, seed)


def _render_edit(
    parent: bytes, prompt: str, style: Style | None, size: tuple[int, int], seed: int
) -> bytes:
    from core.generation.local import render_edit

    return render_edit(parent, prompt, style, size, seed)
