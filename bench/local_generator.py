"""Local image generator throughput at 1024×1024, against the abstract generator it replaced
and against floors, all measured in the same run.

    PYTHONPATH=. python -m bench.local_generator [--rounds 3] [--size 1024]

- **ours**: `render()` on one thread (read the prompt, plan, compose the scene of OpenMoji
  drawings, the style's treatment, finish, letter, PNG-encode), cycling through every style
  and no style, several prompts, a new seed each time.
- **before**: `render_abstract()` with the same arguments: the abstract picture (gradient and
  the style's shapes) that was the whole generator before scenes, and is still what a prompt
  naming nothing drawable gets. Its code is unchanged, so it measures the old generator.
- **floor**: creating a flat picture with Pillow and PNG-encoding it with the same settings:
  what any generator returning a PNG pays at the very least.
- **encode-only**: PNG-encoding again each picture `ours` made: the part of our time that is
  just the encoder (grain does not compress, so it is most of it).
- **provider ×N**: four-image jobs through `LocalImageProvider.generate`, whose images render
  in parallel worker threads (N = the machine's CPU count), per image.
- **edit**: `render_edit` of pictures made above (decode, recolour, overpaint, finish).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import io
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import PIL
from PIL import Image

from core.generation import ImageOptions, LocalImageProvider
from core.generation.local import PNG_COMPRESS_LEVEL, render, render_abstract, render_edit
from core.generation.styles import STYLES

SIZE = (1024, 1024)
PROMPTS = (
    "a lighthouse on a stormy blue sea",
    "golden cat sleeping in a forest",
    "Eine Brücke über den Fluss im Nebel",
    "neon city street at night with rain and reflections",
)


@dataclass
class Timings:
    ours: list[float] = field(default_factory=list)
    before: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    encode_only: list[float] = field(default_factory=list)
    per_style: dict[str, list[float]] = field(default_factory=dict)
    before_per_style: dict[str, list[float]] = field(default_factory=dict)
    pictures: list[bytes] = field(default_factory=list)


def seconds(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def encode_png(picture: Image.Image) -> bytes:
    out = io.BytesIO()
    picture.save(out, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return out.getvalue()


def make_and_encode_flat(size: tuple[int, int] = SIZE) -> bytes:
    """The floor: a flat picture, PNG-encoded with our settings."""
    return encode_png(Image.new("RGB", size, (40, 90, 160)))


def interleaved(
    rounds: int, size: tuple[int, int] = SIZE, prompts: tuple[str, ...] = PROMPTS
) -> Timings:
    """Ours, before, the floor and encode-only, measured one after another for every picture,
    so that a busy neighbour on the machine slows all four alike and the ratios hold."""
    timings = Timings()
    for warm_up in (render, render_abstract):  # fonts, drawings, vocabulary
        warm_up(prompts[0], None, size, 0)
    make_and_encode_flat(size)
    seed = 0
    for _ in range(rounds):
        for prompt in prompts:
            for name in [None, *STYLES]:
                seed += 1
                style = STYLES.get(name) if name else None
                label = name or "(none)"
                started = time.perf_counter()
                data = render(prompt, style, size, seed)
                elapsed = time.perf_counter() - started
                timings.ours.append(elapsed)
                timings.per_style.setdefault(label, []).append(elapsed)
                timings.pictures.append(data)
                old = seconds(functools.partial(render_abstract, prompt, style, size, seed))
                timings.before.append(old)
                timings.before_per_style.setdefault(label, []).append(old)
                timings.floor.append(seconds(functools.partial(make_and_encode_flat, size)))
                picture = Image.open(io.BytesIO(data))
                picture.load()
                timings.encode_only.append(seconds(functools.partial(encode_png, picture)))
    return timings


def provider_jobs(jobs: int, size: tuple[int, int] = SIZE, count: int = 4) -> list[float]:
    """Seconds per image through `LocalImageProvider.generate` with `count` images a job:
    the images of one job render in parallel worker threads."""
    provider = LocalImageProvider()

    async def run() -> list[float]:
        per_image = []
        for job in range(jobs):
            options = ImageOptions(
                size=f"{size[0]}x{size[1]}", count=count, seed=job * count, style=None
            )
            started = time.perf_counter()
            await provider.generate(PROMPTS[job % len(PROMPTS)], options)
            per_image.append((time.perf_counter() - started) / count)
        return per_image

    return asyncio.run(run())


def edits(pictures: list[bytes], runs: int, size: tuple[int, int] = SIZE) -> list[float]:
    """`render_edit` of our own pictures (decode, recolour, overpaint, finish)."""
    timings = []
    for index in range(runs):
        parent = pictures[index * 7 % len(pictures)]
        started = time.perf_counter()
        render_edit(parent, "pink cherry blossoms at dusk", None, size, index)
        timings.append(time.perf_counter() - started)
    return timings


def describe(label: str, timings: list[float]) -> float:
    mean = statistics.fmean(timings)
    p50 = statistics.median(timings)
    p95 = float(np.percentile(timings, 95))
    print(
        f"{label:<13} {1 / mean:8.1f} images/s   mean {mean * 1000:6.1f} ms   "
        f"p50 {p50 * 1000:6.1f} ms   p95 {p95 * 1000:6.1f} ms   (n={len(timings)})"
    )
    return mean


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="passes over prompts × styles")
    parser.add_argument("--size", type=int, default=SIZE[0], help="picture side in pixels")
    parser.add_argument("--prompts", type=int, default=len(PROMPTS), help="how many prompts")
    args = parser.parse_args(argv)
    size = (args.size, args.size)

    print(
        f"Local image generator at {size[0]}x{size[1]}, one thread — Python "
        f"{platform.python_version()}, Pillow {PIL.__version__}, numpy {np.__version__}, "
        f"PNG compress_level={PNG_COMPRESS_LEVEL}"
    )
    timings = interleaved(args.rounds, size, PROMPTS[: args.prompts])
    runs = len(timings.ours)
    ours_mean = describe("ours", timings.ours)
    before_mean = describe("before", timings.before)
    floor_mean = describe("floor", timings.floor)
    encode_mean = describe("encode-only", timings.encode_only)
    describe(f"provider ×{os.cpu_count()}", provider_jobs(max(4, runs // 8), size))
    describe("edit", edits(timings.pictures, max(4, runs // 4), size))
    print(f"ratio ours/before      {ours_mean / before_mean:6.2f}×")
    print(f"ratio ours/floor       {ours_mean / floor_mean:6.1f}×")
    print(f"encoder share of ours  {encode_mean / ours_mean:6.0%}")
    for label, per_style in (("ours", timings.per_style), ("before", timings.before_per_style)):
        medians = {name: statistics.median(t) for name, t in per_style.items()}
        print(
            f"median per style ({label}): "
            + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in medians.items())
        )


if __name__ == "__main__":
    main()
