"""The style catalogue and the messages image generation shows users."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.errors import InvalidInput
from core.generation import STYLES, get_style, style_names
from core.generation.styles import STYLE_NAME, prompt_with_style
from core.i18n import CATALOGS

GENERATION = Path(__file__).resolve().parents[2] / "core" / "generation"


def test_a_small_catalogue_of_well_named_styles() -> None:
    assert 8 <= len(STYLES) <= 12
    for name, style in STYLES.items():
        assert style.name == name
        assert STYLE_NAME.fullmatch(name) and len(name) <= 32
        assert style.prompt_suffix.strip()


@pytest.mark.parametrize("name", sorted(STYLES))
def test_every_style_has_a_label_in_every_language(name: str) -> None:
    for catalog in CATALOGS.values():
        assert catalog[STYLES[name].label_key].strip()


def test_a_bad_style_name_is_refused_at_definition() -> None:
    from core.generation.styles import ShapeFamily, Style, Texture

    with pytest.raises(ValueError):
        Style("Oil Paint", "x", ShapeFamily.BLOBS, Texture.NONE)


def test_unknown_styles_list_the_choices() -> None:
    with pytest.raises(InvalidInput) as caught:
        get_style("cubism")
    assert caught.value.key == "error.bad_choice"
    assert caught.value.params["choices"] == ", ".join(style_names())
    assert get_style(None) is None
    assert get_style("") is None


def test_the_style_phrase_follows_the_prompt() -> None:
    assert prompt_with_style("a fox ", "oil") == f"a fox\nStyle: {STYLES['oil'].prompt_suffix}"
    assert prompt_with_style("a fox", None) == "a fox"


def test_every_message_key_of_image_generation_exists_in_every_language() -> None:
    """tests/core/test_i18n.py finds keys passed to `…Error(`/`…Input(`; image generation
    also raises `GenerationFailed("…")` and `GenerationRefused(…)`, so look for any key."""
    keys = set()
    for path in GENERATION.glob("*.py"):
        keys |= set(re.findall(r"""["'](error\.[a-z_]+)["']""", path.read_text("utf-8")))
    assert {"error.generation_failed", "error.generation_rejected"} <= keys
    for language, catalog in CATALOGS.items():
        # error.quota_exceeded belongs to the job queue and quotas, which add it with them.
        missing = sorted(keys - set(catalog) - {"error.quota_exceeded"})
        assert missing == [], language
