"""The Telegram adapter: commands in private chats and groups, inline keyboards, photos and
albums, reply prompts, deep links; long polling or a webhook; paced to Telegram's limits.

Built by `bot.bootstrap.build_telegram`; everything else in this package is private.
"""

from bot.adapters.telegram._adapter import TelegramAdapter, TelegramConfig
from bot.adapters.telegram._conversation import TelegramConversation, TelegramMessenger
from bot.adapters.telegram._delivery import TelegramMessage
from bot.adapters.telegram._sender import ChatUnavailable

__all__ = [
    "ChatUnavailable",
    "TelegramAdapter",
    "TelegramConfig",
    "TelegramConversation",
    "TelegramMessage",
    "TelegramMessenger",
]
