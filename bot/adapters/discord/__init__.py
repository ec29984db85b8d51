"""Mosaic on Discord: slash commands from the registry, persistent buttons, embeds with image
attachments, native reactions as likes, and a `Messenger` for messages outside interactions.

Built only by `bot.bootstrap.build_discord`.
"""

from bot.adapters.discord._adapter import DiscordAdapter, DiscordConfig
from bot.adapters.discord._autocomplete import ChoiceLister, Suggestion
from bot.adapters.discord._delivery import DiscordMessage, Undeliverable
from bot.adapters.discord._identify import BucketLock, IdentifyTurns, ProcessBucketLock
from bot.adapters.discord._messenger import DiscordMessenger
from bot.adapters.discord._reactions import HEARTS
from bot.adapters.discord._shards import ShardPlan

__all__ = [
    "HEARTS",
    "BucketLock",
    "ChoiceLister",
    "DiscordAdapter",
    "DiscordConfig",
    "DiscordMessage",
    "DiscordMessenger",
    "IdentifyTurns",
    "ProcessBucketLock",
    "ShardPlan",
    "Suggestion",
    "Undeliverable",
]
