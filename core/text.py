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


def strip_control(text: str, *, multiline: bool = False) -> str:
    """Drop control and format characters (Cc/Cf) except newlines/tabs in multi-line text."""
    kept = []
    for char in text:
        if multiline and char in _KEEP_IN_MULTILINE:
            kept.append(char)
        elif unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co"):
            continue
        else:
            kept.append(char)
    return "".join(kept)


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
