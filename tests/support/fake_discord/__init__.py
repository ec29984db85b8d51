"""A fake Discord (REST API + gateway) that the real discord.py client connects to."""

from tests.support.fake_discord.interactions import FakeInteraction
from tests.support.fake_discord.messages import StoredMessage
from tests.support.fake_discord.payloads import FakeUser, Place
from tests.support.fake_discord.server import FakeDiscord

__all__ = ["FakeDiscord", "FakeInteraction", "FakeUser", "Place", "StoredMessage"]
