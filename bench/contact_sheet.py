"""A contact sheet of the keyless generator: twelve prompts, six English and six German, three
styles each, with what each picture drew.

    PYTHONPATH=. python -m bench.contact_sheet [--out docs/keyless-contact-sheet.png]

The same prompts are the generator's test cases (tests/core/test_local_scenes.py): each must
draw its subject's OpenMoji drawing in every style listed here.
"""

from __future__ import annotations

import argparse
import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from core.generation.lettering import drawable_text
from core.generation.local import Picture, paint
from core.generation.styles import STYLES

OUT = Path("docs/keyless-contact-sheet.png")
TILE = 256
SEED = 1


@dataclass(frozen=True)
class Sample:
    prompt: str
    styles: tuple[str | None, ...]  # None: no style chosen (the prompt may name one)
    subject: str  # the drawing the prompt asks for, by its English name


SAMPLES: tuple[Sample, ...] = (
    Sample("a fox in the snow", ("watercolor", "pixel-art", "sketch"), "fox"),
    Sample("a cat sleeping on a windowsill", ("anime", "oil", "low-poly"), "cat"),
    Sample("a city skyline at night", ("neon", "photo", "ukiyo-e"), "cityscape"),
    Sample("a sailboat on the ocean at sunset", ("watercolor", "oil", "dreamy"), "sailboat"),
    Sample("a rocket flying through space", ("pixel-art", "neon", "anime"), "rocket"),
    Sample("an owl in the forest at night", ("sketch", "low-poly", "dreamy"), "owl"),
    Sample("ein Fuchs im Aquarell", (None, "oil", "pixel-art"), "fox"),
    Sample("Leuchtturm bei Nacht", ("ukiyo-e", "neon", "oil"), "lighthouse"),
    Sample("eine Dampflok in den Bergen", ("anime", "sketch", "low-poly"), "locomotive"),
    Sample("ein Hund im Regen", ("photo", "watercolor", "pixel-art"), "dog"),
    Sample("Kühe auf der Blumenwiese", ("anime", "dreamy", "oil"), "cow"),
    Sample("Ein Pferd in der Wüste bei Sonnenuntergang", ("low-poly", "ukiyo-e", "photo"), "horse"),
)


def render_sample(sample: Sample, style: str | None, size: int) -> Picture:
    return paint(sample.prompt, STYLES[style] if style else None, (size, size), SEED)


def contact_sheet(
    samples: tuple[Sample, ...] = SAMPLES, tile: int = TILE, size: int = 1024
) -> tuple[Image.Image, list[str]]:
    """Two columns of prompts, each prompt's three styles side by side, captioned; and a
    line per picture saying what it drew."""
    report = []
    font = ImageFont.load_default(size=max(10, tile // 17))
    caption = tile // 6
    per_row = 2
    rows = (len(samples) + per_row - 1) // per_row
    block = 3 * tile + tile // 8  # one prompt's three tiles and a gutter
    sheet = Image.new("RGB", (per_row * block, rows * (tile + caption)), (24, 24, 28))
    draw = ImageDraw.Draw(sheet)
    for index, sample in enumerate(samples):
        left, top = (index % per_row) * block, (index // per_row) * (tile + caption)
        for column, style in enumerate(sample.styles):
            picture = render_sample(sample, style, size)
            drew = ", ".join(picture.subjects)
            report.append(f"{sample.prompt!r:46} {style or '-':10} drew {drew}")
            image = Image.open(io.BytesIO(picture.png)).convert("RGB").resize((tile, tile))
            x = left + column * tile
            sheet.paste(image, (x, top + caption))
            label = style or f"no style: {picture.style} (named)"
            draw.text((x + 4, top + caption // 2 + 2), label, font=font, fill=(200, 200, 210))
        prompt = drawable_text(f'"{sample.prompt}"', font)  # the built-in font has no umlauts
        draw.text((left + 4, top + 2), prompt, font=font, fill=(255, 255, 255))
    return sheet, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--tile", type=int, default=TILE, help="pixels per picture")
    args = parser.parse_args()
    sheet, report = contact_sheet(tile=args.tile)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # 256 colours: the sheet is a preview, and the repository keeps it small.
    sheet.quantize(256, Image.Quantize.MEDIANCUT).save(args.out, optimize=True)
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB)")
    print("\n".join(report))


if __name__ == "__main__":
    main()
