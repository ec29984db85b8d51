"""The Telegram adapter: python-telegram-bot's Application, polling or behind a webhook.

Long polling by default; webhook mode when a webhook URL is configured (our own endpoint, so
the secret is checked before a body is read). Any number of webhook processes may serve one
URL behind a load balancer: one of them registers it (`Registration`), each update runs once
whichever process gets it (the update log), and nothing of a conversation lives in a process
(a prompt's button token is in the prompt message and the database). Either way updates
reach `UpdateRouter`, replies leave through `TelegramSender`.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from pydantic import SecretStr
from telegram import Update
from telegram.error import InvalidToken, NetworkError
from telegram.ext import Application, TypeHandler

from bot.adapters.telegram._conversation import TelegramConversation, TelegramMessenger, chat_of
from bot.adapters.telegram._delivery import ReplyDelivery
from bot.adapters.telegram._errors import ErrorReporter
from bot.adapters.telegram._logging import TokenRedaction
from bot.adapters.telegram._menu import publish_menu, publish_mini_app
from bot.adapters.telegram._processing import ChatOrderedProcessor
from bot.adapters.telegram._sender import TelegramSender
from bot.adapters.telegram._updates import UpdateRouter
from bot.adapters.telegram._webhook import WebhookServer
from bot.commands import Dispatcher
from core.clock import MonotonicTimer, Timer
from core.delivery.pacing import TELEGRAM_LIMITS, PacedCalls
from core.delivery.ratelimit import RateLimiter
from core.errors import ConfigurationError
from core.settings import Settings

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "my_chat_member")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def file_base_url(api_base_url: str) -> str:
    """Files live next to the API: http://host/bot → http://host/file/bot."""
    base = api_base_url.rstrip("/")
    return base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base + "/file"


@dataclass(frozen=True, slots=True)
class TelegramConfig:
    token: SecretStr
    api_base_url: str | None = None  # e.g. http://127.0.0.1:8081/bot (the token follows)
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1:8443"
    poll_timeout: int = 10  # seconds a getUpdates long poll waits (Telegram takes whole ones)

    @classmethod
    def from_settings(cls, settings: Settings) -> TelegramConfig:
        if settings.telegram_bot_token is None:
            raise ConfigurationError("TELEGRAM_BOT_TOKEN is not set")
        config = cls(
            token=settings.telegram_bot_token,
            api_base_url=settings.telegram_api_base_url or None,
            webhook_url=settings.telegram_webhook_url or None,
            webhook_secret=settings.telegram_webhook_secret,
            webhook_listen=settings.telegram_webhook_listen,
        )
        config.check()
        return config

    def check(self) -> None:
        if not self.webhook_url:
            return
        secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
        if not _SECRET.match(secret):
            raise ConfigurationError(
                "TELEGRAM_WEBHOOK_URL needs TELEGRAM_WEBHOOK_SECRET: 1-256 characters of "
                "A-Z, a-z, 0-9, _ and -"
            )
        self.listen_address()

    def listen_address(self) -> tuple[str, int]:
        host, _, port = self.webhook_listen.rpartition(":")
        if not host or not port.isdigit():
            raise ConfigurationError(
                f"TELEGRAM_WEBHOOK_LISTEN must be host:port, not {self.webhook_listen!r}"
            )
        return host.strip("[]"), int(port)


class Registration(Protocol):
    """Which process registers the webhook (`scheduler.leader`'s locks are one): with many
    processes behind one URL, only the holder calls setWebhook."""

    async def acquire(self) -> bool: ...

    async def release(self) -> None: ...


class AlwaysRegisters:
    """One process alone: it registers its webhook."""

    async def acquire(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class TelegramAdapter:
    def __init__(
        self,
        config: TelegramConfig,
        dispatcher: Dispatcher,
        *,
        limiter: RateLimiter | None = None,
        timer: Timer | None = None,
        on_handled: Callable[[int], None] | None = None,
        registration: Registration | None = None,
    ) -> None:
        self._config = config
        self._registration = registration or AlwaysRegisters()
        self._dispatcher = dispatcher
        services = dispatcher.services
        # python-telegram-bot logs its URLs (token included) as soon as the Bot is built
        self._redaction = TokenRedaction(config.token.get_secret_value())
        self._redaction.install()
        self._application = self._build_application()
        bot = self._application.bot
        pacing_time = timer or MonotonicTimer()
        self._sender = TelegramSender(
            bot,
            services.destinations,
            limiter=limiter or PacedCalls(TELEGRAM_LIMITS, pacing_time),
            timer=pacing_time,
        )
        self._delivery = ReplyDelivery(self._sender, services.sent_messages)
        self._reporter = ErrorReporter(dispatcher, self._sender)
        self._router = UpdateRouter(
            bot=bot,
            dispatcher=dispatcher,
            delivery=self._delivery,
            sender=self._sender,
            reporter=self._reporter,
            on_handled=on_handled,
        )
        self.messenger = TelegramMessenger(self._delivery, services.destinations)
        self._application.add_handler(TypeHandler(Update, self._router.handle))
        self._application.add_error_handler(self._reporter.on_application_error)
        self._webhook: WebhookServer | None = None
        self._closing = asyncio.Event()
        self._stop_lock = asyncio.Lock()
        self._stopped = False

    def __repr__(self) -> str:
        return f"TelegramAdapter(mode={self.mode!r})"

    @property
    def mode(self) -> str:
        return "webhook" if self._config.webhook_url else "polling"

    async def check_connected(self) -> None:
        """For /healthz: raises unless the Bot API answered and updates are being taken."""
        if not self._application.running:
            raise ConnectionError("telegram is not connected")

    @property
    def bot_username(self) -> str:
        return self._application.bot.username

    @property
    def webhook_port(self) -> int | None:
        return self._webhook.port if self._webhook is not None else None

    def conversation(self, target: dict[str, str]) -> TelegramConversation:
        """A conversation with a stored reply target, for work that outlives its update (a
        generation job's progress message): send now, edit later."""
        return TelegramConversation(
            self._delivery, chat_of(target), bot_username=lambda: self.bot_username
        )

    def _build_application(self) -> Application:
        builder = (
            Application.builder()
            .token(self._config.token.get_secret_value())
            .concurrent_updates(ChatOrderedProcessor())
        )
        if self._config.api_base_url:
            builder = builder.base_url(self._config.api_base_url)
            builder = builder.base_file_url(file_base_url(self._config.api_base_url))
        if self._config.webhook_url:
            builder = builder.updater(None)
        return builder.build()

    async def start(self) -> None:
        await self._initialize()
        settings = self._dispatcher.services.settings
        await publish_menu(self._sender, self._dispatcher.registry, settings.default_language)
        if settings.mini_app_url is not None:
            await publish_mini_app(self._sender, settings.mini_app_url, settings.default_language)
        await self._application.start()
        if self._config.webhook_url:
            await self._start_webhook(self._config.webhook_url)
        else:
            assert self._application.updater is not None
            await self._application.updater.start_polling(
                timeout=self._config.poll_timeout, allowed_updates=list(ALLOWED_UPDATES)
            )
        log.info("telegram adapter running as @%s (%s)", self.bot_username, self.mode)

    async def _initialize(self) -> None:
        """Connect and learn who we are (getMe); a refused token or no server is fatal."""
        try:
            await self._application.initialize()
        except InvalidToken as error:
            raise ConfigurationError(
                "the Telegram Bot API refused TELEGRAM_BOT_TOKEN; check it with @BotFather"
            ) from error
        except NetworkError as error:
            where = self._config.api_base_url or "api.telegram.org"
            raise ConfigurationError(
                f"cannot reach the Telegram Bot API at {where}: {error.message}"
            ) from error

    async def _start_webhook(self, url: str) -> None:
        assert self._config.webhook_secret is not None
        secret = self._config.webhook_secret.get_secret_value()
        host, port = self._config.listen_address()
        self._webhook = WebhookServer(
            path=urlsplit(url).path or "/",
            secret=secret,
            host=host,
            port=port,
            deliver=self._enqueue,
        )
        await self._webhook.start()
        if not await self._registration.acquire():
            log.info("telegram webhook: another process of this bot registers it")
            return
        await self._sender.call(
            "set_webhook", url=url, secret_token=secret, allowed_updates=list(ALLOWED_UPDATES)
        )

    async def _enqueue(self, data: dict[str, Any]) -> None:
        try:
            update = Update.de_json(data, self._application.bot)
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError("not a Telegram update") from error
        await self._application.update_queue.put(update)

    async def stop(self) -> None:
        """Stop polling or the webhook, finish what is running, disconnect (idempotent)."""
        async with self._stop_lock:
            if self._stopped:
                return
            self._stopped = True
            updater = self._application.updater
            if updater is not None and updater.running:
                await updater.stop()
            if self._webhook is not None:
                await self._webhook.stop()
                self._webhook = None
            await self._registration.release()
            if self._application.running:
                await self._application.stop()
            await self._application.shutdown()
            self._redaction.remove()

    async def run(self) -> None:
        """Start, serve until `close()` or cancellation (Ctrl-C), then stop."""
        try:
            await self.start()
            await self._closing.wait()
        finally:
            await self.stop()

    async def close(self) -> None:
        self._closing.set()
        await self.stop()
