"""Cleaning user text before it is stored or echoed.

- control characters are stripped (newlines and tabs survive where text may span lines);
- mass mentions (`@everyone`, `@here`) and Discord mention syntax (`<@123>`, `<@&1>`, `<#1>`)
  are neutralized with a zero-width space so the bot never pings anyone by echoing text;
- limits are enforced with a clear, localized error rather than silent truncation.
"""

from __future__ import annotations

import re
import unicodedata

from core.errors import InvalidInput

CAPTION_MAX = 1000
COMMENT_MAX = 2000
NAME_MAX = 32
PROMPT_MAX = 1000

_ZWSP = "\u200b"
_MASS_MENTION = re.compile(r"@(everyone|here)\b", re.IGNORECASE)
_DISCORD_MENTION = re.compile(r"<(@[!&]?|#)(\d+)>")
_HANDLE = re.compile(r"^[a-z0-9_]{1,32}$")
_KEEP_IN_MULTILINE = {"\n", "\t"}
_DROPPED = frozenset({"Cc", "Cf", "Cs", "Co"})
_JOINERS = frozenset({"\u200c", "\u200d"})  # zero-width non-joiner, zero-width joiner
_BLACK_FLAG = "\U0001f3f4"
_TAG_CHARACTERS = frozenset(chr(code) for code in range(0xE0020, 0xE0080))


def _joins(kept: list[str], following: str) -> bool:
    """A zero-width joiner or non-joiner between two visible characters (👨‍👩‍👧, or the
    ZWNJ of Persian and Indic scripts) is part of the text; anywhere else it only hides."""
    return bool(kept) and _visible(kept[-1]) and _visible(following)


def _visible(char: str) -> bool:
    """`char` is one character, or "" past the end of the text (nothing visible there)."""
    return bool(char) and not char.isspace() and unicodedata.category(char) not in _DROPPED


def _in_tag_sequence(kept: list[str]) -> bool:
    """Tag characters spell a subdivision flag after 🏴 (🏴󠁧󠁢󠁳󠁣󠁴󠁿 Scotland)."""
    return bool(kept) and (kept[-1] == _BLACK_FLAG or kept[-1] in _TAG_CHARACTERS)


def strip_control(text: str, *, multiline: bool = False) -> str:
    """Drop control, format, surrogate and private-use characters (Cc/Cf/Cs/Co), keeping
    newlines and tabs in multi-line text and what emoji and scripts are built from: joiners
    between visible characters and the tag characters of a flag. Bidi overrides and
    isolates, zero-width spaces, soft hyphens and the like are format characters too."""
    if text.isascii() and text.isprintable():  # nothing to drop (0x20-0x7E): most commands
        return text
    kept: list[str] = []
    for index, char in enumerate(text):
        if _keeps(char, kept, text[index + 1 : index + 2], multiline=multiline):
            kept.append(char)
    return "".join(kept)


def _keeps(char: str, kept: list[str], following: str, *, multiline: bool) -> bool:
    if multiline and char in _KEEP_IN_MULTILINE:
        return True
    if unicodedata.category(char) not in _DROPPED:
        return True
    if char in _JOINERS:
        return _joins(kept, following)
    return char in _TAG_CHARACTERS and _in_tag_sequence(kept)


def parse_number(text: str, *, max_digits: int = 18) -> int | None:
    """A whole number as people type it, or None. The one parser for ids and counts.

    Decimal digits of any one script count (`12`, `١٢` Arabic-Indic, `１２` full width, as
    phone keyboards type them) and are read as the same number; digits of mixed scripts,
    superscripts, fractions, `+`, `_` separators and spaces inside are not numbers."""
    text = text.strip()
    negative = text.startswith("-")
    digits = text[1:] if negative else text
    if not digits or len(digits) > max_digits:
        return None
    values = [value for char in digits if (value := unicodedata.decimal(char, None)) is not None]
    if len(values) != len(digits):
        return None  # not all decimal digits
    if len({ord(c) - v for c, v in zip(digits, values, strict=True)}) != 1:
        return None  # digits of two scripts ("1١")
    number = int("".join(str(value) for value in values))
    return -number if negative else number


def neutralize_mentions(text: str) -> str:
    text = _MASS_MENTION.sub(lambda m: f"@{_ZWSP}{m.group(1)}", text)
    return _DISCORD_MENTION.sub(lambda m: f"<{m.group(1)}{_ZWSP}{m.group(2)}>", text)


def clean_text(text: str, *, limit: int, field: str, multiline: bool = True) -> str:
    """Strip control characters, trim, neutralize mentions and enforce `limit` characters."""
    cleaned = strip_control(text, multiline=multiline).strip()
    if len(cleaned) > limit:
        raise InvalidInput("error.too_long", field=field, limit=limit, length=len(cleaned))
    return neutralize_mentions(cleaned)


def clean_display_name(text: str) -> str:
    """A display name: one line, at most NAME_MAX characters (cut, never rejected)."""
    cleaned = " ".join(strip_control(text).split())[:NAME_MAX]
    return neutralize_mentions(cleaned) or "?"


def handle_from(text: str) -> str:
    """Derive a handle (lowercase letters, digits, underscore; ≤ 32) from any name."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    handle = re.sub(r"[^a-z0-9_]+", "_", folded).strip("_")[:NAME_MAX]
    return handle or "user"


def parse_handle(text: str) -> str:
    """Validate a handle a user typed (`bob` or `@bob`)."""
    handle = text.strip().removeprefix("@").lower()
    if not _HANDLE.match(handle):
        raise InvalidInput("error.bad_handle", value=neutralize_mentions(text[:40]))
    return handle
