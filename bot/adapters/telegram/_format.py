"""Fitting neutral text into Telegram's limits, as HTML.

Telegram counts lengths after entity parsing, in UTF-16 code units. Text is cut *before* it
is escaped and wrapped in tags, so a cut never splits an entity or a tag: on a word boundary
when there is one, never inside a surrogate pair or before a combining mark, ending in "…".
"""

from __future__ import annotations

import html
import unicodedata

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
ALERT_LIMIT = 200  # answerCallbackQuery text
BUTTON_LABEL_LIMIT = 64
PLACEHOLDER_LIMIT = 64  # ForceReply input_field_placeholder
ELLIPSIS = "…"
_JOINERS = {"\u200d", "\ufe0e", "\ufe0f"}  # zero-width joiner, variation selectors
_SKIN_TONES = frozenset(map(chr, range(0x1F3FB, 0x1F400)))
_SHORTEST_WORD_CUT = 0.6  # cut on a space only if that keeps most of the allowed text


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _attached(char: str) -> bool:
    """Whether `char` belongs to the character before it (so a cut may not fall before it)."""
    return char in _JOINERS or unicodedata.combining(char) != 0 or char in _SKIN_TONES


def cut(text: str, limit: int) -> str:
    """`text` if it fits in `limit` UTF-16 units, else a clean prefix ending in "…"."""
    if utf16_len(text) <= limit:
        return text
    if limit < 1:
        return ""
    budget = limit - 1  # room for the ellipsis
    end, used = 0, 0
    while end < len(text):
        width = 2 if ord(text[end]) > 0xFFFF else 1
        if used + width > budget:
            break
        used += width
        end += 1
    while end > 0 and end < len(text) and _attached(text[end]):
        end -= 1
    space = max(text.rfind(" ", 0, end + 1), text.rfind("\n", 0, end + 1))
    if space >= end * _SHORTEST_WORD_CUT and space > 0:
        end = space
    kept = text[:end].rstrip()
    while kept and kept[-1] in _JOINERS:  # a joiner must not dangle at the end
        kept = kept[:-1].rstrip()
    return kept + ELLIPSIS


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def compose(
    *,
    title: str | None,
    body: str,
    footer: str | None,
    limit: int,
    warning: bool = False,
) -> str:
    """Title in bold, body, footer in italics, within `limit` visible characters, as HTML.

    The body gives way first; title and footer are cut only if they alone do not fit.
    """
    title = title or ""
    footer = footer or ""
    if warning and body:
        body = "⚠️ " + body
    if utf16_len(title) + utf16_len(footer) + 2 > limit // 2:
        title, footer = cut(title, limit // 4), cut(footer, limit // 4)
    separators = sum(1 for part in (title, footer) if part) if body else int(bool(title and footer))
    room = limit - utf16_len(title) - utf16_len(footer) - separators
    body = cut(body, room) if body else ""
    parts = []
    if title:
        parts.append(f"<b>{escape(title)}</b>")
    if body:
        parts.append(escape(body))
    if footer:
        parts.append(f"<i>{escape(footer)}</i>")
    return "\n".join(parts)


def visible(title: str | None, body: str, footer: str | None) -> bool:
    return bool(title or body or footer)
