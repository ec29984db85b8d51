"""The web application: public pages, images and the Telegram Mini App, on aiohttp."""

from __future__ import annotations

from aiohttp import web

from core.public_links import PublicLinks
from core.services import Services
from web import images, miniapp, pages
from web.gallery import Gallery
from web.limits import RateLimiter
from web.security import security_headers
from web.site import HERE, SITE_KEY, Site, templates

WRITES_PER_SECOND = 2.0  # per client, refilled; bursts of WRITE_BURST
WRITE_BURST = 20
STATIC_CACHE = "public, max-age=3600"


async def _static_cache(request: web.Request, response: web.StreamResponse) -> None:
    if request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", STATIC_CACHE)


def build_web_app(
    services: Services,
    links: PublicLinks,
    *,
    telegram_bot_token: str | None,
    init_data_max_age: float,
    writes: RateLimiter | None = None,
) -> web.Application:
    app = web.Application(middlewares=[security_headers], client_max_size=64 * 1024)
    app[SITE_KEY] = Site(
        services=services,
        links=links,
        gallery=Gallery(services.clock),
        templates=templates(),
        writes=writes or RateLimiter(WRITES_PER_SECOND, WRITE_BURST),
        telegram_bot_token=telegram_bot_token,
        init_data_max_age=init_data_max_age,
    )
    app.add_routes(pages.routes)
    app.add_routes(images.routes)
    app.add_routes(miniapp.routes)
    app.router.add_static("/static/", HERE / "static", append_version=False)
    app.on_response_prepare.append(_static_cache)
    app.router.add_get("/healthz", _health)
    return app


async def _health(request: web.Request) -> web.Response:
    return web.Response(text="ok")
