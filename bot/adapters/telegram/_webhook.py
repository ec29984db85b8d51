"""Webhook mode: a small aiohttp endpoint that feeds updates to python-telegram-bot.

The `X-Telegram-Bot-Api-Secret-Token` header is compared in constant time, and a request
without the right secret is answered 403 before its body is read.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024


class WebhookServer:
    def __init__(
        self,
        *,
        path: str,
        secret: str,
        host: str,
        port: int,
        deliver: Callable[[dict[str, Any]], Awaitable[None]],
    ) -> None:
        self._secret = secret.encode()
        self._host, self._port = host, port
        self._deliver = deliver
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(path or "/", self._receive)
        self._runner = web.AppRunner(app, access_log=None)
        self._site: web.TCPSite | None = None

    def __repr__(self) -> str:  # never show the secret
        return f"WebhookServer({self._host}:{self.port})"

    @property
    def port(self) -> int:
        """The port listened on (the configured one, or the one picked for port 0)."""
        addresses = self._runner.addresses if self._site is not None else []
        return int(addresses[0][1]) if addresses else self._port

    async def start(self) -> None:
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, self._host, self._port)
        await self._site.start()
        log.info("telegram webhook listening on %s:%s", self._host, self.port)

    async def stop(self) -> None:
        await self._runner.cleanup()

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, self._secret):
            return web.Response(status=403)
        try:
            update = json.loads(await request.read())
        except ValueError:
            return web.Response(status=400)
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            return web.Response(status=400)
        await self._deliver(update)
        return web.Response(status=200)
