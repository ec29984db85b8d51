"""The web as a role of `mosaic run`: started and stopped beside the chat adapters."""

from __future__ import annotations

import logging

from aiohttp import web

from core.errors import ConfigurationError

log = logging.getLogger(__name__)


def parse_listen(listen: str, setting: str = "MOSAIC_WEB_LISTEN") -> tuple[str, int]:
    """`host:port` (IPv6 as `[::1]:8080`) from MOSAIC_WEB_LISTEN (or the named `setting`)."""
    host, _, port = listen.strip().rpartition(":")
    if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigurationError(
            f"{setting} must be host:port (e.g. 127.0.0.1:8080), not {listen!r}"
        )
    return host.strip("[]"), int(port)


async def start_site(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    """Serve `app` on host:port: the runner (to clean up) and the bound port (0 asks the
    system for a free one). Raises OSError when the address cannot be used."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError:
        await runner.cleanup()
        raise
    sockets = getattr(site._server, "sockets", None) or ()
    return runner, sockets[0].getsockname()[1] if sockets else port


class WebRole:
    """Serves `app` on `listen` while the process runs. `port` is the bound one (0 asks the
    system for a free port, as tests do)."""

    name = "web"

    def __init__(self, app: web.Application, listen: str, public_url: str) -> None:
        self.app = app
        self.host, self.port = parse_listen(listen)
        self.public_url = public_url
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        try:
            self._runner, self.port = await start_site(self.app, self.host, self.port)
        except OSError as error:
            raise ConfigurationError(
                f"the web pages cannot listen on {self.host}:{self.port} ({error.strerror}); "
                "set MOSAIC_WEB_LISTEN to a free host:port, or to off"
            ) from error
        log.info("web pages on http://%s:%d (public URL %s)", self.host, self.port, self.public_url)

    @property
    def local_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
