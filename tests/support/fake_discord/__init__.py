"""A fake Discord (REST API + gateway) that the real discord.py client connects to."""

from tests.support.fake_discord.payloads import FakeUser, Place
from tests.support.fake_discord.server import FakeDiscord, FakeInteraction, StoredMessage

__all__ = ["FakeDiscord", "FakeInteraction", "FakeUser", "Place", "StoredMessage"]
