"""Headers every response carries, and who may frame which page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

# Telegram's web clients show a Mini App in an iframe; nothing else may frame our pages.
TELEGRAM_FRAMERS = "https://web.telegram.org https://webk.telegram.org https://webz.telegram.org"
TELEGRAM_SCRIPT = "https://telegram.org"

_COMMON = (
    "default-src 'none'; img-src 'self'; style-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'self'"
)
PAGE_POLICY = f"{_COMMON}; script-src 'self'; frame-ancestors 'none'"
MINI_APP_POLICY = (
    f"{_COMMON}; script-src 'self' {TELEGRAM_SCRIPT}; frame-ancestors 'self' {TELEGRAM_FRAMERS}"
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def is_mini_app(path: str) -> bool:
    return path == "/app" or path.startswith("/app/")


def secure(response: web.StreamResponse, path: str) -> None:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if is_mini_app(path):
        headers.setdefault("Content-Security-Policy", MINI_APP_POLICY)
    else:
        headers.setdefault("Content-Security-Policy", PAGE_POLICY)
        headers.setdefault("X-Frame-Options", "DENY")  # for browsers without frame-ancestors


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as error:  # 404s and redirects get the headers too
        secure(error, request.path)
        raise
    secure(response, request.path)
    return response
