"""`mosaic run` with DISCORD_BOT_TOKEN set runs the Discord adapter."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

import pytest

from bot.adapters.discord import DiscordConfig
from bot.bootstrap import build, build_discord
from bot.cli import _run
from core.clock import FakeClock
from core.errors import ConfigurationError
from core.settings import Settings
from tests.adapters.discord.conftest import DiscordWorld
from tests.support.fake_discord import FakeDiscord


async def test_run_starts_the_discord_adapter(
    fake_discord: FakeDiscord,
    database_url: str,
    tmp_path: Path,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = Settings(
        MOSAIC_DATA_DIR=tmp_path / "data",
        MOSAIC_DATABASE_URL=database_url,
        DISCORD_BOT_TOKEN=fake_discord.token,
        DISCORD_API_BASE_URL=fake_discord.rest_base,
        _env_file=None,
    )
    app = build(settings, clock=clock)
    assert fake_discord.token not in repr(settings) and fake_discord.token not in repr(app)
    running = asyncio.create_task(_run(app))
    try:
        assert fake_discord.gateway is not None
        await asyncio.wait_for(fake_discord.gateway.identified.wait(), timeout=10)
        assert fake_discord.command_syncs == ["global"]
        assert (tmp_path / "data" / "discord-commands.json").exists()
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
    assert caplog.records, "logging was captured"
    assert not [r for r in caplog.records if fake_discord.token in r.getMessage()]


def test_the_token_never_shows_in_a_repr(settings: Settings) -> None:
    adapter = build_discord(build(settings), token="very-secret-token")
    assert "very-secret-token" not in repr(adapter)
    assert "very-secret-token" not in repr(
        DiscordConfig.from_settings(settings, token="very-secret-token")
    )


async def test_a_wrong_token_is_a_configuration_error(world: DiscordWorld) -> None:
    with pytest.raises(ConfigurationError, match="Discord refused DISCORD_BOT_TOKEN"):
        await world.start(token="not-the-token")
