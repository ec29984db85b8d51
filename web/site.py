"""What every web handler shares: core services, links, templates and limits."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from core.i18n import LANGUAGES, translate
from core.public_links import PublicLinks
from core.services import Services
from web.gallery import Gallery
from web.language import choose, remember
from web.limits import RateLimiter
from web.rendered import RenderedPages

HERE = Path(__file__).parent
SITE_KEY: web.AppKey[Site] = web.AppKey("site")


@dataclass(slots=True)
class Site:
    services: Services
    links: PublicLinks
    gallery: Gallery
    templates: Environment
    writes: RateLimiter  # per client, for everything that changes state
    telegram_bot_token: str | None  # the Mini App's key; None: the Mini App is off
    init_data_max_age: float
    pages: RenderedPages = field(default_factory=RenderedPages)

    def render(
        self, request: web.Request, name: str, *, status: int = 200, **values: Any
    ) -> web.Response:
        language = choose(request, self.services.settings.default_language)
        html = self._html(request, name, language, values)
        return self._respond(
            request, web.Response(text=html, status=status, content_type="text/html")
        )

    def render_kept(
        self,
        request: web.Request,
        name: str,
        rows: tuple[str, ...],
        values: Callable[[], dict[str, Any]],
    ) -> web.Response:
        """`name` rendered with `values()`, or the same page kept from an earlier request
        whose query returned exactly `rows` (see web/rendered.py)."""
        language = choose(request, self.services.settings.default_language)
        # The address and rows as one digest (each part length-prefixed): a key's size does
        # not grow with a long query string, so the store's byte limit holds.
        shown = hashlib.blake2b(digest_size=16)
        for part in (request.path_qs, *rows):
            data = part.encode()
            shown.update(len(data).to_bytes(8, "big"))
            shown.update(data)
        key = (name, language, shown.digest())
        body = self.pages.get(key)
        if body is None:
            body = self._html(request, name, language, values()).encode()
            self.pages.put(key, body)
        response = web.Response(body=body, content_type="text/html", charset="utf-8")
        return self._respond(request, response)

    def _html(self, request: web.Request, name: str, language: str, values: dict[str, Any]) -> str:
        def t(key: str, /, **params: Any) -> str:
            return translate(language, key, **params)

        return self.templates.get_template(name).render(
            t=t,
            lang=language,
            languages=LANGUAGES,
            path=request.path,
            base=self.links.base_url,
            **values,
        )

    def _respond(self, request: web.Request, response: web.Response) -> web.Response:
        response.headers["Vary"] = "Accept-Language, Cookie"
        remember(request, response)
        return response


def templates() -> Environment:
    """Compiled on first use and kept: no stat() of the files on every page (auto_reload)."""
    return Environment(
        loader=FileSystemLoader(HERE / "templates"),
        auto_reload=False,
        autoescape=select_autoescape(["html", "svg"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def site_of(request: web.Request) -> Site:
    return request.app[SITE_KEY]
