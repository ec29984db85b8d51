"""Every user-facing string, in English and German.

`translate(language, key, **params)` looks a message up; both catalogs must hold the same keys
and the same placeholders (checked by tests/core/test_i18n.py).
"""

from __future__ import annotations

from typing import Any

from core.i18n import de, en

LANGUAGES: tuple[str, ...] = ("en", "de")
DEFAULT_LANGUAGE = "en"
CATALOGS: dict[str, dict[str, str]] = {"en": en.MESSAGES, "de": de.MESSAGES}

__all__ = ["CATALOGS", "DEFAULT_LANGUAGE", "LANGUAGES", "normalize_language", "translate"]


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
    return template.format(**params) if params else template
