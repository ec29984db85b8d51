"""Both languages are complete: same keys, same placeholders, and every key used exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.commands import build_registry
from core.i18n import CATALOGS, normalize_language, placeholders, translate

ROOT = Path(__file__).resolve().parents[2]


def test_catalogs_have_the_same_keys() -> None:
    assert set(CATALOGS["en"]) == set(CATALOGS["de"])


@pytest.mark.parametrize("key", sorted(CATALOGS["en"]))
def test_placeholders_match(key: str) -> None:
    assert placeholders(CATALOGS["en"][key]) == placeholders(CATALOGS["de"][key])


def test_german_is_really_german() -> None:
    same = [k for k in CATALOGS["en"] if CATALOGS["en"][k] == CATALOGS["de"][k]]
    # Only language-neutral strings (symbols and numbers, names) may be identical.
    allowed = {"post.counts", "post.prompt", "profile.title", "button.rate.a", "button.rate.b"}
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


# Counted nouns must go through a plural block: `{n} posts` reads "1 posts" when n is 1.
# Nouns whose singular and plural are the same (Follower, Zeichen) need none.
COUNTED_NOUNS = {
    "en": r"posts|followers|images|pictures|words|reports?|report\(s\)|days|times|people"
    r"|minutes|digests|characters",
    "de": r"Beiträge|Bilder|Bildern|Wörter|Wörtern|Meldungen|Meldung\(en\)|Tagen|Minuten"
    r"|Digests|Leuten|-mal",
}


@pytest.mark.parametrize("language", sorted(COUNTED_NOUNS))
def test_every_count_in_the_catalogs_is_plural_aware(language: str) -> None:
    bare = re.compile(r"\{\w+\}[ ]?(?:" + COUNTED_NOUNS[language] + r")\b")
    outside_plurals = {
        key: re.sub(r"\{\w+, plural,.*\}\}", "", text) for key, text in CATALOGS[language].items()
    }
    assert [key for key, text in outside_plurals.items() if bare.search(text)] == []


@pytest.mark.parametrize(
    ("language", "counts", "expected"),
    [
        ("en", (1, 2, 0), "1 post · 2 followers · 0 following"),
        ("en", (2, 1, 1), "2 posts · 1 follower · 1 following"),
        ("de", (1, 2, 0), "1 Beitrag · 2 Follower · folgt 0"),
        ("de", (0, 1, 1), "0 Beiträge · 1 Follower · folgt 1"),
    ],
)
def test_profile_counts_agree_with_their_numbers(
    language: str, counts: tuple[int, int, int], expected: str
) -> None:
    posts, followers, following = counts
    text = translate(
        language, "profile.counts", posts=posts, followers=followers, following=following
    )
    assert text == expected


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        ("en", 1, "shown to you once before"),
        ("en", 3, "shown to you 3 times before"),
        ("de", 1, "dir schon einmal gezeigt"),
        ("de", 3, "dir schon 3-mal gezeigt"),
    ],
)
def test_times_shown(language: str, count: int, expected: str) -> None:
    assert translate(language, "why.seen", count=count) == expected


def test_field_names_are_named_not_declined() -> None:
    en = translate("en", "error.too_long", field="words", length=4999, limit=1000)
    assert en.startswith("<words> has 4999 characters; the limit is 1000.")
    assert translate("en", "error.too_long", field="prompt", length=1, limit=0).startswith(
        "<prompt> has 1 character;"
    )
    de = translate("de", "error.too_long", field="words", length=4999, limit=1000)
    assert de.startswith("<words> ist 4999 Zeichen lang")


def test_a_plural_without_other_is_refused() -> None:
    from core.i18n import _parse

    with pytest.raises(ValueError, match="other"):
        _parse("{n, plural, one {{n} post}}")
