"""A running web role for tests, posts to show on it, and Telegram-signed init data."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
from dataclasses import dataclass
from urllib.parse import urlencode

from bot.bootstrap import App
from core.domain import Audience, Platform
from core.generation.local_provider import LocalImageProvider
from core.generation.provider import ImageOptions
from core.persistence.models import Account, Post
from core.public_links import PublicLinks
from core.social import Origin, Provenance
from tests.support.images import png_bytes
from web import WebRole, build_web_app
from web.limits import RateLimiter

BOT_TOKEN = "424242:AAtestTokenForTheMiniApp-0123456789abcdef"


def sign_init_data(user: dict, auth_date: int, token: str = BOT_TOKEN) -> str:
    """Init data as Telegram signs it (written here from Telegram's description)."""
    fields = {"auth_date": str(auth_date), "query_id": "AAE1", "user": json.dumps(user)}
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Site:
    role: WebRole
    links: PublicLinks

    @property
    def url(self) -> str:
        return self.links.base_url


async def start_site(app: App, *, writes: RateLimiter | None = None) -> Site:
    port = free_port()
    links = PublicLinks(f"http://127.0.0.1:{port}", b"test-secret")
    web_app = build_web_app(
        app.services,
        links,
        telegram_bot_token=BOT_TOKEN,
        init_data_max_age=3600,
        writes=writes,
    )
    role = WebRole(web_app, f"127.0.0.1:{port}", links.base_url)
    await role.start()
    return Site(role, links)


async def person(app: App, name: str, platform: Platform = Platform.CONSOLE) -> Account:
    return await app.services.accounts.resolve(platform, name, name.title(), handle_hint=name)


async def publish(
    app: App,
    author: Account,
    prompt: str,
    *,
    audience: Audience = Audience.PUBLIC,
    color: tuple[int, int, int] = (30, 120, 200),
    remix_of: Post | None = None,
    painted: bool = False,
) -> Post:
    """A post with a flat 96×64 picture, or (`painted`) one the local generator paints."""
    image = png_bytes(color, (96, 64))
    if painted:
        options = ImageOptions(size="384x384", seed=sum(color))
        (image,) = await LocalImageProvider().generate(prompt, options)
    return await app.services.posts.create(
        author,
        image,
        audience=audience,
        origin=Origin(Platform.CONSOLE),
        provenance=Provenance("local", "mosaic-local-1", prompt),
        remix_of=remix_of,
    )
