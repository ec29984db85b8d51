"""The real discord.py client, built by the composition root, against a fake Discord."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import discord
import pytest
import yarl

from bot.adapters.discord import DiscordAdapter
from bot.bootstrap import App, build_discord
from core.clock import FakeClock
from tests.support.fake_discord import (
    FakeDiscord,
    FakeInteraction,
    FakeUser,
    Place,
    StoredMessage,
)

START_LIMIT = 10.0


@dataclass
class DiscordWorld:
    """One fake Discord, one Mosaic app, and the adapter(s) run against them."""

    fake: FakeDiscord
    app: App
    adapters: list[tuple[DiscordAdapter, asyncio.Task[None]]] = field(default_factory=list)

    @property
    def bot(self) -> DiscordAdapter:
        return self.adapters[-1][0]

    async def start(self, app: App | None = None, **overrides: Any) -> DiscordAdapter:
        options = {
            "token": self.fake.token,
            "api_base_url": self.fake.rest_base,
            "guild_ready_timeout": 0.0,
            **overrides,
        }
        adapter = build_discord(app or self.app, **options)
        task = asyncio.create_task(adapter.run())
        ready = asyncio.create_task(adapter.wait_until_ready())
        done, _ = await asyncio.wait(
            {task, ready}, timeout=START_LIMIT, return_when="FIRST_COMPLETED"
        )
        if task in done:
            ready.cancel()
            task.result()  # raises what stopped it
            raise AssertionError("the adapter stopped before it was ready")
        assert ready in done, "the adapter did not get ready"
        self.adapters.append((adapter, task))
        return adapter

    async def stop(self, adapter: DiscordAdapter | None = None) -> None:
        for entry in list(self.adapters):
            if adapter is None or entry[0] is adapter:
                await entry[0].close()
                with contextlib.suppress(asyncio.CancelledError):
                    await entry[1]
                self.adapters.remove(entry)

    async def settle(self, interaction: FakeInteraction) -> list[StoredMessage]:
        """Once the bot answered and finished handling: what the interaction produced."""
        await self.fake.answered(interaction)
        await self.bot.wait_idle()
        return self.fake.conversation(interaction)

    async def settle_event(self) -> None:
        """For gateway events without an answer (reactions)."""
        await self.fake.barrier()
        await self.bot.wait_idle()

    def person(self, name: str, place: Place | None = None, **kwargs: Any) -> Person:
        user = self.fake.user(name)
        return Person(self, user, place or self.fake.dm(user), **kwargs)


@dataclass
class Person:
    world: DiscordWorld
    user: FakeUser
    place: Place
    admin: bool = False
    locale: str = "en-US"

    async def slash(self, command: str, **options: Any) -> list[StoredMessage]:
        return await self.world.settle(await self.start_slash(command, **options))

    async def start_slash(self, command: str, **options: Any) -> FakeInteraction:
        return await self.world.fake.slash(
            self.user, self.place, command, options, admin=self.admin, locale=self.locale
        )

    async def press(self, message: StoredMessage, label: str) -> list[StoredMessage]:
        return await self.world.settle(await self.start_press(message, label))

    async def start_press(self, message: StoredMessage, label: str) -> FakeInteraction:
        return await self.world.fake.press(
            self.user, message, message.button(label), admin=self.admin, locale=self.locale
        )

    async def answer_modal(self, opened: FakeInteraction, text: str) -> list[StoredMessage]:
        await self.world.settle(opened)
        submitted = await self.world.fake.submit_modal(self.user, opened, text, locale=self.locale)
        return await self.world.settle(submitted)


@pytest.fixture
async def fake_discord(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord(clock=clock)
    await fake.start()
    # discord.py's REST base and gateway are class attributes: restored after the test.
    monkeypatch.setattr(discord.http.Route, "BASE", fake.rest_base)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway_url)
    )
    yield fake
    await fake.stop()


@pytest.fixture
async def world(app: App, fake_discord: FakeDiscord) -> AsyncIterator[DiscordWorld]:
    world = DiscordWorld(fake_discord, app)
    yield world
    await world.stop()
