"""The README's picture of a digest: a real collage, drawn by the production code.

    python -m bench.digest_screenshot [--out docs/digest-collage.png]

Six pictures from the local generator go through the image store (which makes the 320 px
thumbnails digests use) and `render_collage`, with the header a channel's digest gets in
English. The PNG is quantized to 256 colours to keep the repository small (< 300 KB).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import tempfile
from datetime import date
from pathlib import Path

from PIL import Image

from core.digests.collage import CollageText, render_collage
from core.generation import get_style
from core.generation.local import render
from core.i18n import translate
from core.images import ContentImageStore

ROOT = Path(__file__).resolve().parents[1]
PICTURES = (
    ("a fox in a misty birch forest at dawn", "watercolor"),
    ("lighthouse on a cliff in a storm", "oil"),
    ("neon city street in the rain at night", "neon"),
    ("koi pond with lotus flowers from above", "ukiyo-e"),
    ("mountain cabin under the northern lights", "photo"),
    ("a cat astronaut floating above the moon", "anime"),
)
LIMIT = 300 * 1024


async def collage(folder: Path, day: date, language: str = "en") -> bytes:
    store = ContentImageStore(folder)
    thumbnails = []
    for seed, (prompt, style) in enumerate(PICTURES):
        picture = await asyncio.to_thread(render, prompt, get_style(style), (768, 768), 7 + seed)
        stored = await store.put(picture, trusted=True)
        thumbnails.append(await store.thumbnail(stored.sha256))
    text = CollageText(
        translate(language, "digest.title.place", name="#mosaic-art"),
        translate(
            language,
            "digest.date",
            day=f"{day.day:02d}",
            month=f"{day.month:02d}",
            year=str(day.year),
        ),
        translate(language, "digest.ai_label"),
    )
    return await asyncio.to_thread(render_collage, thumbnails, text)


def small_png(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        quantized = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    out = io.BytesIO()
    quantized.save(out, format="PNG", optimize=True)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "digest-collage.png")
    parser.add_argument("--date", type=date.fromisoformat, default=date(2026, 11, 25))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        picture = small_png(asyncio.run(collage(Path(folder), args.date)))
    if len(picture) > LIMIT:
        raise SystemExit(f"the collage is {len(picture) // 1024} KB, over {LIMIT // 1024} KB")
    args.out.write_bytes(picture)
    print(f"wrote {args.out} ({len(picture) // 1024} KB)")


if __name__ == "__main__":
    main()
