"""The composition root: the only place that builds Mosaic's objects.

Tests call `build()` with fakes (a fake clock, a temporary data folder, a test database URL);
`bot.cli` calls it with the real settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.commands import CommandRegistry, Dispatcher, build_registry
from core.actions import ActionTokens
from core.chats import Destinations, SentMessages, UpdateLog
from core.clock import Clock, SystemClock
from core.feed import ChronologicalFeed
from core.images import ImageStore, LocalImageStore
from core.persistence.database import Database
from core.services import Services
from core.settings import Settings
from core.social import Accounts, Engagement, Posts, SocialGraph

if TYPE_CHECKING:
    from bot.adapters.telegram import Limits, TelegramAdapter, Timing


@dataclass(slots=True)
class App:
    settings: Settings
    database: Database
    services: Services
    registry: CommandRegistry
    dispatcher: Dispatcher

    async def start(self) -> None:
        """Open the database (applying migrations) in the calling task."""
        await self.database.open()

    async def stop(self) -> None:
        await self.database.close()


def build(
    settings: Settings,
    *,
    clock: Clock | None = None,
    images: ImageStore | None = None,
) -> App:
    clock = clock or SystemClock()
    images = images or LocalImageStore(settings.images_dir)
    posts = Posts(images, clock)
    services = Services(
        settings=settings,
        clock=clock,
        images=images,
        accounts=Accounts(),
        graph=SocialGraph(),
        posts=posts,
        engagement=Engagement(posts),
        feed=ChronologicalFeed(),
        tokens=ActionTokens(),
        destinations=Destinations(),
        updates=UpdateLog(clock),
        sent_messages=SentMessages(),
    )
    registry = build_registry()
    return App(
        settings=settings,
        database=Database(settings.resolved_database_url),
        services=services,
        registry=registry,
        dispatcher=Dispatcher(registry, services),
    )


def build_telegram(
    app: App,
    *,
    limits: Limits | None = None,
    timing: Timing | None = None,
    on_handled: Callable[[int], None] | None = None,
) -> TelegramAdapter:
    """The Telegram adapter for `app`, configured from its settings (TELEGRAM_*).

    Tests pass scaled-down `timing` and `on_handled` (called after each update is handled).
    """
    from bot.adapters.telegram import TelegramAdapter, TelegramConfig

    return TelegramAdapter(
        TelegramConfig.from_settings(app.settings),
        app.dispatcher,
        limits=limits,
        timing=timing,
        on_handled=on_handled,
    )
