"""The discord.py client: intents, options, and the events Mosaic listens to."""

from __future__ import annotations

from typing import Any, Protocol

import discord
from discord import app_commands


class ClientHooks(Protocol):
    async def setup(self, client: MosaicClient) -> None: ...

    async def ready(self) -> None: ...

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


class MosaicClient(discord.Client):
    """A thin client: everything it receives is handed to the adapter's hooks."""

    mosaic_buttons: ButtonHandler  # what the persistent buttons call (set by the adapter)

    def __init__(self, hooks: ClientHooks, **options: Any) -> None:
        super().__init__(intents=intents(), **options)
        self._mosaic_hooks = hooks
        self.tree: app_commands.CommandTree[MosaicClient] = app_commands.CommandTree(self)

    async def setup_hook(self) -> None:
        await self._mosaic_hooks.setup(self)

    async def on_ready(self) -> None:
        await self._mosaic_hooks.ready()

    async def on_raw_reaction_add(self, event: discord.RawReactionActionEvent) -> None:
        await self._mosaic_hooks.reaction_added(event)

    async def on_raw_reaction_remove(self, event: discord.RawReactionActionEvent) -> None:
        await self._mosaic_hooks.reaction_removed(event)
