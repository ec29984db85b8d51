"""The Discord adapter: builds the client and its parts, runs it, stops it cleanly."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import discord
from pydantic import SecretStr

from bot.adapters.discord._actor import actor_for
from bot.adapters.discord._autocomplete import Autocomplete, ChoiceLister
from bot.adapters.discord._client import MosaicClient
from bot.adapters.discord._commands import CatalogTranslator, CommandTreeBuilder
from bot.adapters.discord._components import MosaicButton
from bot.adapters.discord._delivery import DiscordDelivery
from bot.adapters.discord._errors import ErrorReporter
from bot.adapters.discord._identify import IdentifyTurns, ProcessBucketLock
from bot.adapters.discord._interactions import InteractionHandler
from bot.adapters.discord._messenger import DiscordMessenger
from bot.adapters.discord._reactions import ReactionLikes
from bot.adapters.discord._shards import ShardPlan
from bot.adapters.discord._sync import CommandSync
from bot.adapters.discord._tracking import InFlight
from bot.commands import Dispatcher
from core.delivery.ratelimit import PlatformCall, RateLimiter, Unpaced
from core.domain import Platform
from core.errors import ConfigurationError
from core.settings import Settings

log = logging.getLogger(__name__)

# Gateway close codes that mean the shard plan is wrong (Discord's "Gateway Close Event Codes").
SHARD_REFUSALS = {
    4010: "invalid shard: every process must use the same count, each id below it",
    4011: "sharding required: the bot is in too many guilds for this count; raise the count",
}


@dataclass(frozen=True, slots=True)
class DiscordConfig:
    token: SecretStr = field(repr=False)
    state_dir: Path  # where the last published command tree is remembered
    dev_guild_id: int | None = None
    api_base_url: str | None = None
    max_ratelimit_timeout: float = 30.0  # longer waits on a 429 raise instead of stalling
    guild_ready_timeout: float = 2.0
    drain_timeout: float = 10.0  # how long stopping waits for interactions in flight
    shards: ShardPlan = field(default_factory=lambda: ShardPlan.parse(None))  # DISCORD_SHARDS

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> DiscordConfig:
        token = overrides.pop("token", None) or settings.discord_bot_token
        if token is None:
            raise ConfigurationError("DISCORD_BOT_TOKEN is not set")
        config = cls(
            token=token if isinstance(token, SecretStr) else SecretStr(token),
            state_dir=settings.data_dir,
            dev_guild_id=settings.discord_dev_guild_id,
            api_base_url=settings.discord_api_base_url,
            shards=ShardPlan.parse(settings.discord_shards),
        )
        return replace(config, **overrides)


class DiscordAdapter:
    def __init__(
        self,
        config: DiscordConfig,
        dispatcher: Dispatcher,
        *,
        autocomplete: Mapping[str, ChoiceLister] | None = None,
        limiter: RateLimiter | None = None,
        identify_turns: IdentifyTurns | None = None,
    ) -> None:
        services = dispatcher.services
        # whose turn it is to IDENTIFY, shared by all processes (default: this one only)
        self._identify_turns = identify_turns or IdentifyTurns(ProcessBucketLock)
        self._config = config
        self._dispatcher = dispatcher
        self._ready = asyncio.Event()
        self._in_flight = InFlight()
        self._limiter = limiter or Unpaced()  # sees every discord.py call of ours
        self.synced: bool | None = None  # after start-up: whether the tree was published
        self.client = MosaicClient(
            self,
            max_ratelimit_timeout=config.max_ratelimit_timeout,
            guild_ready_timeout=config.guild_ready_timeout,
            shard_ids=list(config.shards.ids),
            shard_count=config.shards.count,
        )
        delivery = DiscordDelivery(
            self.client, services.sent_messages, services.destinations, self._limiter
        )
        self.messenger = DiscordMessenger(delivery, services.clock)
        self._errors = ErrorReporter(dispatcher, delivery)
        self._interactions = InteractionHandler(
            client=self.client,
            dispatcher=dispatcher,
            delivery=delivery,
            messenger=self.messenger,
            errors=self._errors,
            clock=services.clock,
            in_flight=self._in_flight,
        )
        self._reactions = ReactionLikes(self.client, dispatcher, self._in_flight, self._limiter)
        self._tree_builder = CommandTreeBuilder(
            dispatcher.registry,
            on_command=self._interactions.on_command,
            on_remix_menu=self._interactions.on_remix_menu,
            on_describe_menu=self._interactions.on_describe_menu,
            autocomplete=Autocomplete(autocomplete),
            language_of=lambda interaction: dispatcher.language_of(actor_for(interaction)),
        )
        self.client.mosaic_buttons = self._interactions

        @self.client.tree.error
        async def on_tree_error(
            interaction: discord.Interaction, error: discord.app_commands.AppCommandError
        ) -> None:
            await self._errors.report(interaction, error)

    def __repr__(self) -> str:
        target = "guild" if self._config.dev_guild_id else "global"
        return f"DiscordAdapter(target={target}, shards={self._config.shards})"

    # --- lifecycle ----------------------------------------------------------------------
    async def run(self) -> None:
        """Log in, publish the commands if they changed, and serve until `close()`."""
        if self._config.api_base_url:
            discord.http.Route.BASE = self._config.api_base_url.rstrip("/")
        async with self.client:
            try:
                await self.client.start(self._config.token.get_secret_value())
            except discord.LoginFailure:
                raise ConfigurationError(
                    "Discord refused DISCORD_BOT_TOKEN: copy the bot token again from the "
                    "Developer Portal (Bot → Reset Token)"
                ) from None
            except discord.ConnectionClosed as closed:
                refusal = SHARD_REFUSALS.get(closed.code)
                if refusal is None:
                    raise
                raise ConfigurationError(
                    f"Discord refused shard {closed.shard_id} of DISCORD_SHARDS="
                    f"{self._config.shards} ({closed.code}: {refusal})"
                ) from None

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self._in_flight.wait_idle(), self._config.drain_timeout)
        except TimeoutError:
            log.warning("stopping with %d discord events still in flight", self._in_flight.count)
        await self.client.close()
        await self._identify_turns.close()

    async def wait_until_ready(self) -> None:
        await self._ready.wait()

    async def check_connected(self) -> None:
        """For /healthz: raises unless the gateway session is up."""
        if not self.client.is_ready() or self.client.is_closed():
            raise ConnectionError("discord gateway is not connected")

    async def wait_idle(self) -> None:
        """Until no interaction or reaction is being handled (tests, graceful stops)."""
        await self._in_flight.wait_idle()

    # --- client hooks -------------------------------------------------------------------
    async def setup(self, client: MosaicClient) -> None:
        limits = await self._limiter.process(
            PlatformCall(Platform.DISCORD, "gateway.bot"), client.fetch_session_start_limits
        )
        self._identify_turns.max_concurrency = limits.max_concurrency
        log.info(
            "discord shards %s; %d session starts left today, %d IDENTIFY per 5 s",
            self._config.shards,
            limits.remaining,
            limits.max_concurrency,
        )
        client.add_dynamic_items(MosaicButton)
        await client.tree.set_translator(CatalogTranslator())
        for command in self._tree_builder.build():
            client.tree.add_command(command)
        if not self._config.shards.syncs_commands:
            log.info("discord commands are published by the process with shard 0; not syncing")
            self.synced = False
            return
        sync = CommandSync(
            client.tree,
            spec_hash=self._dispatcher.registry.spec_hash(Platform.DISCORD),
            state_dir=self._config.state_dir,
            dev_guild_id=self._config.dev_guild_id,
            limiter=self._limiter,
        )
        self.synced = await sync.sync_if_changed()

    async def before_identify(self, shard_id: int) -> None:
        await self._identify_turns.take(shard_id)

    async def ready(self) -> None:
        log.info("discord adapter ready as %s", self.client.user)
        self._ready.set()

    async def reaction_added(self, event: discord.RawReactionActionEvent) -> None:
        await self._reactions.on_add(event)

    async def reaction_removed(self, event: discord.RawReactionActionEvent) -> None:
        await self._reactions.on_remove(event)
