"""The built-in procedural generator: deterministic, varied, quick, and edits that derive."""

from __future__ import annotations

import asyncio
import io

import numpy as np
import pytest
from PIL import Image

from core.errors import InvalidInput
from core.generation import ImageOptions, LocalImageProvider
from core.generation.lettering import _font, drawable_text, letter_prompt
from core.generation.local import render
from core.generation.styles import STYLES
from tests.support.images import png_bytes

PROMPT = "a lighthouse on a stormy blue sea"


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def grey(data: bytes, side: int = 64) -> np.ndarray:
    """A small greyscale version, flattened: what 'looks alike' is measured on."""
    return np.asarray(decode(data).convert("L").resize((side, side)), np.float64).ravel()


def correlation(a: bytes, b: bytes) -> float:
    return float(np.corrcoef(grey(a), grey(b))[0, 1])


@pytest.fixture
def provider() -> LocalImageProvider:
    return LocalImageProvider()


def test_it_names_itself_for_provenance(provider: LocalImageProvider) -> None:
    assert (provider.name, provider.model) == ("local", "procedural-v1")


async def test_a_png_of_the_asked_size(provider: LocalImageProvider) -> None:
    for size in ("1024x1024", "1536x1024", "1024x1536", "320x240"):
        [data] = await provider.generate(PROMPT, ImageOptions(size=size))
        image = decode(data)
        assert image.format == "PNG"
        assert f"{image.width}x{image.height}" == size


@pytest.mark.parametrize("style", [None, *STYLES])
async def test_same_inputs_same_bytes(provider: LocalImageProvider, style: str | None) -> None:
    options = ImageOptions(size="512x384", style=style, seed=7)
    first = await provider.generate(PROMPT, options)
    second = await provider.generate(PROMPT, options)
    assert first == second


@pytest.mark.parametrize("style", [None, *STYLES])
async def test_the_seed_changes_the_picture(
    provider: LocalImageProvider, style: str | None
) -> None:
    [one] = await provider.generate(PROMPT, ImageOptions(size="256x256", style=style, seed=1))
    [two] = await provider.generate(PROMPT, ImageOptions(size="256x256", style=style, seed=2))
    assert one != two
    assert np.abs(grey(one) - grey(two)).mean() > 3  # not just a few pixels apart


async def test_prompts_choose_the_colours(provider: LocalImageProvider) -> None:
    """Colour words keep their meaning: a red prompt is redder than a blue one."""
    options = ImageOptions(size="256x256", style="watercolor")
    [red] = await provider.generate("red red red", options)
    [blue] = await provider.generate("blue blue blue", options)

    def red_minus_blue(data: bytes) -> float:
        pixels = np.asarray(decode(data).convert("RGB"), np.float64)
        return float(pixels[..., 0].mean() - pixels[..., 2].mean())

    assert red_minus_blue(red) > red_minus_blue(blue) + 10


async def test_count_gives_distinct_pictures_led_by_the_single_one(
    provider: LocalImageProvider,
) -> None:
    four = await provider.generate(PROMPT, ImageOptions(size="256x256", count=4, seed=3))
    [single] = await provider.generate(PROMPT, ImageOptions(size="256x256", count=1, seed=3))
    assert len(four) == 4
    assert len(set(four)) == 4
    assert four[0] == single


async def test_the_styles_look_different(provider: LocalImageProvider) -> None:
    pictures = {
        name: (await provider.generate(PROMPT, ImageOptions(size="256x256", style=name)))[0]
        for name in STYLES
    }
    assert len(set(pictures.values())) == len(STYLES)


def test_a_picture_is_not_noise() -> None:
    """Neighbouring pixels are alike (shapes and gradients), unlike random garbage."""
    pixels = grey(render(PROMPT, None, (256, 256), 0), side=256).reshape(256, 256)
    step = np.abs(np.diff(pixels, axis=1)).mean()
    assert step < 12
    assert pixels.std() > 10  # and it is not a flat fill either


async def test_an_unknown_style_is_the_users_mistake(provider: LocalImageProvider) -> None:
    with pytest.raises(InvalidInput) as caught:
        await provider.generate(PROMPT, ImageOptions(style="cubism"))
    assert caught.value.key == "error.bad_choice"


@pytest.mark.parametrize(
    "options",
    [ImageOptions(size="big"), ImageOptions(size="10x10"), ImageOptions(count=0)],
)
async def test_impossible_options_are_a_programming_error(
    provider: LocalImageProvider, options: ImageOptions
) -> None:
    with pytest.raises(ValueError):
        await provider.generate(PROMPT, options)


async def test_generation_runs_off_the_event_loop(provider: LocalImageProvider) -> None:
    """While pictures render, the loop keeps ticking (the work is in worker threads)."""
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    await provider.generate(PROMPT, ImageOptions(size="1024x1024", count=3, style="oil"))
    task.cancel()
    assert ticks >= 5


# ---------------------------------------------------------------- edits


@pytest.mark.parametrize("style", [None, *STYLES])
async def test_an_edit_keeps_the_parents_structure(
    provider: LocalImageProvider, style: str | None
) -> None:
    """Downscaled greyscale of an edit correlates with its parent, far more than with an
    unrelated picture of the same style."""
    options = ImageOptions(size="512x512", style="ukiyo-e")
    [parent] = await provider.generate(PROMPT, options)
    [unrelated] = await provider.generate("golden cat asleep in a forest", options)
    edit_options = ImageOptions(size="512x512", style=style)
    [edited] = await provider.edit(parent, "pink cherry blossoms at dusk", edit_options)
    assert edited != parent
    to_parent, to_unrelated = correlation(edited, parent), correlation(edited, unrelated)
    assert to_parent > 0.6
    assert to_parent > to_unrelated + 0.25


async def test_an_edit_of_an_upload_works_at_another_size(provider: LocalImageProvider) -> None:
    parent = png_bytes((20, 120, 200), size=(300, 200))
    [edited] = await provider.edit(parent, "sunset", ImageOptions(size="1536x1024"))
    assert decode(edited).size == (1536, 1024)


async def test_an_edit_is_deterministic_and_seeded(provider: LocalImageProvider) -> None:
    parent = render(PROMPT, None, (256, 256), 0)
    options = ImageOptions(size="256x256", count=2, seed=5)
    first = await provider.edit(parent, "pink blossoms", options)
    assert first == await provider.edit(parent, "pink blossoms", options)
    assert first[0] != first[1]


async def test_an_edit_of_garbage_is_a_bad_image(provider: LocalImageProvider) -> None:
    with pytest.raises(InvalidInput) as caught:
        await provider.edit(b"not an image", "anything", ImageOptions())
    assert caught.value.key == "error.bad_image"


# ---------------------------------------------------------------- lettering


def test_the_prompt_is_lettered_in_the_bottom_left_corner_only() -> None:
    blank = Image.new("RGB", (1024, 1024), (40, 90, 160))
    lettered = blank.copy()
    letter_prompt(lettered, PROMPT)
    changed = np.argwhere(np.any(np.asarray(lettered, int) != np.asarray(blank, int), axis=-1))
    assert len(changed) > 500  # there is text
    (top, left), (bottom, right) = changed.min(axis=0), changed.max(axis=0)
    assert top > 900 and left < 40  # …in the bottom-left corner
    assert right < 1024 * 0.7  # …and small
    assert bottom < 1024


def test_lettering_spells_out_what_the_font_cannot_draw() -> None:
    font = _font(20)
    assert drawable_text("Brücke über den Fluß, café", font) == "Bruecke ueber den Fluss, cafe"
    assert drawable_text("cherry 🌸 blossoms 桜", font) == "cherry blossoms"
    assert drawable_text("line\nbreak\ttab", font) == "line break tab"


def test_a_long_prompt_is_cut_with_an_ellipsis() -> None:
    picture = Image.new("RGB", (512, 512), (0, 0, 0))
    letter_prompt(picture, "word " * 200)
    changed = np.argwhere(np.asarray(picture.convert("L")) > 0)
    assert changed[:, 1].max() < 512 * 0.7
