"""Which language a page is shown in: `?lang=` (remembered in a cookie), the cookie, then
the browser's Accept-Language, then the server's default."""

from __future__ import annotations

from aiohttp import web

from core.i18n import LANGUAGES, normalize_language

COOKIE = "lang"


def accepted(header: str) -> list[str]:
    """Our languages in the order of the header's q-values (RFC 9110 §12.5.4)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        language = normalize_language(tag.strip())
        if language is not None and quality > 0:
            ranked.append((-quality, position, language))
    return list(dict.fromkeys(language for _, _, language in sorted(ranked)))


def choose(request: web.Request, default: str) -> str:
    asked = request.query.get("lang")
    if asked in LANGUAGES:
        return asked
    remembered = request.cookies.get(COOKIE)
    if remembered in LANGUAGES:
        return remembered
    preferred = accepted(request.headers.get("Accept-Language", ""))
    return preferred[0] if preferred else default


def remember(request: web.Request, response: web.StreamResponse) -> None:
    """A `?lang=` switch sticks for the following pages."""
    asked = request.query.get("lang")
    if asked in LANGUAGES and request.cookies.get(COOKIE) != asked:
        response.set_cookie(COOKIE, asked, max_age=365 * 86400, samesite="Lax", httponly=True)
