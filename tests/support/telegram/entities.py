"""Telegram's HTML parse mode, as the fake Bot API applies it: text plus entities.

Strict where Telegram is strict: an unknown tag, an unclosed or crossed tag, a bare `<` or an
unknown `&name;` is "can't parse entities". Offsets and lengths are in UTF-16 code units.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "blockquote": "blockquote",
    "tg-spoiler": "spoiler",
}
_TAG = re.compile(r'<(/?)([a-z-]+)((?:\s+[a-z-]+="[^"<>]*")*)\s*>')
_ATTRIBUTE = re.compile(r'([a-z-]+)="([^"]*)"')
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});")
_MENTION = re.compile(r"^tg://user\?id=(\d+)$")


class EntityError(ValueError):
    """What Telegram answers: "Bad Request: can't parse entities: ..."."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _Open:
    tag: str
    offset: int
    attributes: dict[str, str] = field(default_factory=dict)


def parse_html(
    source: str, user: Callable[[int], dict[str, Any]] | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """Text and entities; `user(id)` describes a mentioned user (`tg://user?id=`)."""
    text: list[str] = []
    length = 0
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    pos = 0
    while pos < len(source):
        char = source[pos]
        if char == "<":
            tag = _TAG.match(source, pos)
            if tag is None:
                raise EntityError(f"unexpected '<' at byte offset {pos}")
            closing, name, attributes = tag.group(1), tag.group(2), tag.group(3)
            if name not in TAGS:
                raise EntityError(f'unsupported start tag "{name}" at byte offset {pos}')
            if closing:
                if not stack or stack[-1].tag != name:
                    raise EntityError(f'unexpected end tag "{name}" at byte offset {pos}')
                opened = stack.pop()
                if length > opened.offset:
                    entities.append(_entity(opened, length - opened.offset, user))
            else:
                values = {k: html.unescape(v) for k, v in _ATTRIBUTE.findall(attributes)}
                stack.append(_Open(name, length, values))
            pos = tag.end()
        elif char == "&":
            entity = _ENTITY.match(source, pos)
            if entity is None:
                raise EntityError(f"unknown entity at byte offset {pos}")
            decoded = html.unescape(entity.group(0))
            text.append(decoded)
            length += utf16_len(decoded)
            pos = entity.end()
        else:
            text.append(char)
            length += utf16_len(char)
            pos += 1
    if stack:
        raise EntityError(f'can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(text), entities


def _entity(
    opened: _Open, length: int, user: Callable[[int], dict[str, Any]] | None
) -> dict[str, Any]:
    kind = TAGS[opened.tag]
    entity: dict[str, Any] = {"type": kind, "offset": opened.offset, "length": length}
    if kind == "text_link":
        href = opened.attributes.get("href", "")
        mention = _MENTION.match(href)
        if mention:
            user_id = int(mention.group(1))
            entity["type"] = "text_mention"
            unknown = {"id": user_id, "is_bot": False, "first_name": "?"}
            entity["user"] = user(user_id) if user is not None else unknown
        elif href.startswith(("http://", "https://", "tg://")):
            entity["url"] = href
        else:
            raise EntityError(f"wrong HTTP URL {href!r}")
    return entity
