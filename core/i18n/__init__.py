"""Every user-facing string, in English and German.

`translate(language, key, **params)` looks a message up; both catalogs must hold the same keys
and the same placeholders (checked by tests/core/test_i18n.py).

Counts are plural-aware inside the message, in a small subset of ICU MessageFormat:
`{posts, plural, one {{posts} post} other {{posts} posts}}` picks the branch for the number
given as `posts` (English and German: `one` for exactly 1, `other` otherwise; `=0` and other
exact `=N` branches come first when present). Each branch is an ordinary template. Every
counted noun in the catalogs goes through this (the catalog tests check it).
"""

from __future__ import annotations

import functools
import re
import string
from typing import Any

from core.i18n import de, en

LANGUAGES: tuple[str, ...] = ("en", "de")
DEFAULT_LANGUAGE = "en"
CATALOGS: dict[str, dict[str, str]] = {"en": en.MESSAGES, "de": de.MESSAGES}

__all__ = [
    "CATALOGS",
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "normalize_language",
    "placeholders",
    "plural_category",
    "translate",
]

_PLURAL_START = re.compile(r"\{(\w+), plural,")
_BRANCH = re.compile(r"\s*(=\d+|zero|one|two|few|many|other)\s*\{")
Plural = tuple[str, dict[str, str]]  # (the count's name, branch → template)


def normalize_language(code: str | None) -> str | None:
    """Map a platform locale (`de`, `de-DE`, `en-US`, `pt-BR`) to one of ours, or None."""
    if not code:
        return None
    base = code.replace("_", "-").split("-", 1)[0].lower()
    return base if base in LANGUAGES else None


def translate(language: str, key: str, /, **params: Any) -> str:
    catalog = CATALOGS.get(language) or CATALOGS[DEFAULT_LANGUAGE]
    template = catalog.get(key) or CATALOGS[DEFAULT_LANGUAGE].get(key)
    if template is None:
        raise KeyError(f"no message {key!r}")
    if not params:
        return template
    parts = _parse(template)
    if len(parts) > 1 or not isinstance(parts[0], str):
        template = "".join(
            part if isinstance(part, str) else _choose(part, params) for part in parts
        )
    return template.format(**params)


def plural_category(count: Any) -> str:
    """CLDR's rule for English and German: `one` for exactly 1 (not 1.5), `other` else."""
    return "one" if count == 1 and not isinstance(count, bool) else "other"


def placeholders(template: str) -> set[str]:
    """The parameter names a template uses, counts in plural blocks included."""
    names: set[str] = set()
    for part in _parse(template):
        texts = [part] if isinstance(part, str) else list(part[1].values())
        if not isinstance(part, str):
            names.add(part[0])
        for text in texts:
            names |= {name for _, name, _, _ in string.Formatter().parse(text) if name}
    return names


def _choose(plural: Plural, params: dict[str, Any]) -> str:
    name, branches = plural
    count = params[name]
    return branches.get(f"={count}") or branches.get(plural_category(count)) or branches["other"]


@functools.lru_cache(maxsize=1024)
def _parse(template: str) -> tuple[str | Plural, ...]:
    """Split a template into plain text and plural blocks."""
    parts: list[str | Plural] = []
    position = 0
    while (start := _PLURAL_START.search(template, position)) is not None:
        parts.append(template[position : start.start()])
        branches: dict[str, str] = {}
        cursor = start.end()
        while (branch := _BRANCH.match(template, cursor)) is not None:
            end = _closing_brace(template, branch.end())
            branches[branch.group(1)] = template[branch.end() : end]
            cursor = end + 1
        closing = template.find("}", cursor)
        if "other" not in branches or template[cursor:closing].strip():
            raise ValueError(f"malformed plural in {template!r}: needs an `other` branch")
        parts.append((start.group(1), branches))
        position = closing + 1
    parts.append(template[position:])
    return tuple(part for part in parts if part != "") or ("",)


def _closing_brace(text: str, index: int) -> int:
    depth = 1
    while depth:
        char = text[index]
        depth += {"{": 1, "}": -1}.get(char, 0)
        index += 1
    return index - 1
