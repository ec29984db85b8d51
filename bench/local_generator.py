"""Local image generator throughput at 1024×1024, against floors measured in the same run.

    PYTHONPATH=. python -m bench.local_generator [--rounds 3]

- **ours**: `render()` on one thread (plan, paint, finish, letter, PNG-encode), cycling
  through every style and no style, several prompts, a new seed each time.
- **floor**: creating a flat 1024×1024 picture with Pillow and PNG-encoding it with the same
  settings: what any generator returning a PNG pays at the very least.
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
from core.generation.local import PNG_COMPRESS_LEVEL, render, render_edit
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
    floor: list[float] = field(default_factory=list)
    encode_only: list[float] = field(default_factory=list)
    per_style: dict[str, list[float]] = field(default_factory=dict)
    pictures: list[bytes] = field(default_factory=list)


def seconds(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def encode_png(picture: Image.Image) -> bytes:
    out = io.BytesIO()
    picture.save(out, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return out.getvalue()


def make_and_encode_flat() -> bytes:
    """The floor: a flat picture, PNG-encoded with our settings."""
    return encode_png(Image.new("RGB", SIZE, (40, 90, 160)))


def interleaved(rounds: int) -> Timings:
    """Ours, the floor and encode-only, measured one after another for every picture, so
    that a busy neighbour on the machine slows all three alike and the ratios hold."""
    timings = Timings()
    render(PROMPTS[0], None, SIZE, 0)  # warm-up: fonts, caches
    make_and_encode_flat()
    seed = 0
    for _ in range(rounds):
        for prompt in PROMPTS:
            for name in [None, *STYLES]:
                seed += 1
                style = STYLES.get(name) if name else None
                started = time.perf_counter()
                data = render(prompt, style, SIZE, seed)
                elapsed = time.perf_counter() - started
                timings.ours.append(elapsed)
                timings.per_style.setdefault(name or "(none)", []).append(elapsed)
                timings.pictures.append(data)
                timings.floor.append(seconds(make_and_encode_flat))
                picture = Image.open(io.BytesIO(data))
                picture.load()
                timings.encode_only.append(seconds(functools.partial(encode_png, picture)))
    return timings


def provider_jobs(jobs: int, count: int = 4) -> list[float]:
    """Seconds per image through `LocalImageProvider.generate` with `count` images a job:
    the images of one job render in parallel worker threads."""
    provider = LocalImageProvider()

    async def run() -> list[float]:
        per_image = []
        for job in range(jobs):
            options = ImageOptions(size="1024x1024", count=count, seed=job * count, style=None)
            started = time.perf_counter()
            await provider.generate(PROMPTS[job % len(PROMPTS)], options)
            per_image.append((time.perf_counter() - started) / count)
        return per_image

    return asyncio.run(run())


def edits(pictures: list[bytes], runs: int) -> list[float]:
    """`render_edit` of our own pictures (decode, recolour, overpaint, finish)."""
    timings = []
    for index in range(runs):
        parent = pictures[index * 7 % len(pictures)]
        started = time.perf_counter()
        render_edit(parent, "pink cherry blossoms at dusk", None, SIZE, index)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="passes over prompts × styles")
    args = parser.parse_args()

    print(
        f"Local image generator at {SIZE[0]}x{SIZE[1]}, one thread — Python "
        f"{platform.python_version()}, Pillow {PIL.__version__}, numpy {np.__version__}, "
        f"PNG compress_level={PNG_COMPRESS_LEVEL}"
    )
    timings = interleaved(args.rounds)
    runs = len(timings.ours)
    ours_mean = describe("ours", timings.ours)
    floor_mean = describe("floor", timings.floor)
    encode_mean = describe("encode-only", timings.encode_only)
    describe(f"provider ×{os.cpu_count()}", provider_jobs(max(4, runs // 8)))
    describe("edit", edits(timings.pictures, max(4, runs // 4)))
    print(f"ratio ours/floor       {ours_mean / floor_mean:6.1f}×")
    print(f"encoder share of ours  {encode_mean / ours_mean:6.0%}")
    medians = {name: statistics.median(t) for name, t in timings.per_style.items()}
    print("median per style: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in medians.items()))


if __name__ == "__main__":
    main()
