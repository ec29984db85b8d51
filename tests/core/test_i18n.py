"""Both languages are complete: same keys, same placeholders, and every key used exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from bot.commands import build_registry
from core.i18n import CATALOGS, normalize_language, translate

ROOT = Path(__file__).resolve().parents[2]


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_catalogs_have_the_same_keys() -> None:
    assert set(CATALOGS["en"]) == set(CATALOGS["de"])


@pytest.mark.parametrize("key", sorted(CATALOGS["en"]))
def test_placeholders_match(key: str) -> None:
    assert placeholders(CATALOGS["en"][key]) == placeholders(CATALOGS["de"][key])


def test_german_is_really_german() -> None:
    same = [k for k in CATALOGS["en"] if CATALOGS["en"][k] == CATALOGS["de"][k]]
    # Only language-neutral strings (symbols and numbers, names) may be identical.
    allowed = {"post.counts", "post.prompt", "profile.title"}
    assert set(same) <= allowed


def test_every_command_and_parameter_is_described_within_discord_limits() -> None:
    for spec in build_registry():
        keys = [spec.description_key] + [spec.param_description_key(p) for p in spec.params]
        for language in CATALOGS:
            for key in keys:
                text = translate(language, key)
                assert 1 <= len(text) <= 100, (language, key)


def test_every_key_used_in_code_exists() -> None:
    pattern = re.compile(
        r"""(?:\bt|translate\([^,]+,|Error|Found|Input|Conflict|Forbidden|Exceeded|Failed|"""
        r"""Refused|Flagged)\(\s*["']([a-z_]+\.[a-z_.]+)["']"""
        r"""|default_key = ["']([a-z_.]+)["']"""
    )
    used = set()
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("core/**/*.py")]:
        for match in pattern.findall(path.read_text(encoding="utf-8")):
            used |= {key for key in match if key}
    assert used, "the pattern finds keys"
    missing = sorted(k for k in used if k not in CATALOGS["en"])
    assert missing == []


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("de", "de"),
        ("de-DE", "de"),
        ("en-US", "en"),
        ("en_GB", "en"),
        ("pt-BR", None),
        (None, None),
    ],
)
def test_normalize_language(code: str | None, expected: str | None) -> None:
    assert normalize_language(code) == expected
