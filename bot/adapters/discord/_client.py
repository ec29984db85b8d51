"""The discord.py client: intents, options, and the events Mosaic listens to."""

from __future__ import annotations

from typing import Any, Protocol

import discord
from discord import app_commands


class ClientHooks(Protocol):
    async def setup(self, client: MosaicClient) -> None: ...

    async def ready(self) -> None: ...

    async def before_identify(self, shard_id: int) -> None: ...

    async def reaction_added(self, event: discord.RawReactionActionEvent) -> None: ...

    async def reaction_removed(self, event: discord.RawReactionActionEvent) -> None: ...


def intents() -> discord.Intents:
    """Only what Mosaic uses: guild events, and reactions (likes). Nothing privileged."""
    chosen = discord.Intents.none()
    chosen.guilds = True
    chosen.guild_reactions = True
    chosen.dm_reactions = True
    return chosen


class ButtonHandler(Protocol):
    async def on_button(
        self, interaction: discord.Interaction, token: str, *, asks_for_text: bool
    ) -> None: ...


class MosaicClient(discord.AutoShardedClient):
    """A thin client: everything it receives is handed to the adapter's hooks.

    Sharded always: it runs the shards given as `shard_ids` of `shard_count` (DISCORD_SHARDS;
    `[0]` of 1 when unset), each its own gateway session, in this one process."""

    mosaic_buttons: ButtonHandler  # what the persistent buttons call (set by the adapter)

    def __init__(self, hooks: ClientHooks, **options: Any) -> None:
        super().__init__(intents=intents(), **options)
        self._mosaic_hooks = hooks
        self.tree: app_commands.CommandTree[MosaicClient] = app_commands.CommandTree(self)

    async def setup_hook(self) -> None:
        await self._mosaic_hooks.setup(self)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Instead of discord.py's fixed 5 s sleep: wait for this shard's turn, which all
        processes of the bot share (`_identify.IdentifyTurns`)."""
        await self._mosaic_hooks.before_identify(shard_id or 0)

    async def on_ready(self) -> None:
        await self._mosaic_hooks.ready()

    async def on_raw_reaction_add(self, event: discord.RawReactionActionEvent) -> None:
        await self._mosaic_hooks.reaction_added(event)

    async def on_raw_reaction_remove(self, event: discord.RawReactionActionEvent) -> None:
        await self._mosaic_hooks.reaction_removed(event)
