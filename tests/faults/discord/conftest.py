"""The real discord.py client against the fake Discord, as in tests/adapters/discord."""

from tests.adapters.discord.conftest import fake_discord, world  # noqa: F401
