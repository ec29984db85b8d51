"""The composition root: the only place that builds Mosaic's objects.

Tests call `build()` with fakes (a fake clock, a temporary data folder, a test database URL);
`bot.cli` calls it with the real settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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
    from bot.adapters.discord import ChoiceLister, DiscordAdapter


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


def build_discord(
    app: App, *, autocomplete: Mapping[str, ChoiceLister] | None = None, **overrides: Any
) -> DiscordAdapter:
    """The Discord adapter for `app`, configured from the DISCORD_* settings.

    `autocomplete` adds listers for parameters marked `autocomplete=True` (by parameter name);
    `overrides` replace fields of `DiscordConfig` (tests pass a token and short timeouts).
    """
    from bot.adapters.discord import DiscordAdapter, DiscordConfig

    config = DiscordConfig.from_settings(app.settings, **overrides)
    listers: dict[str, ChoiceLister] = {**(autocomplete or {})}
    return DiscordAdapter(config, app.dispatcher, autocomplete=listers)
