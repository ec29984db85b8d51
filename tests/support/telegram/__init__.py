"""A fake Telegram Bot API for the real python-telegram-bot client (tests and benchmarks)."""

from tests.support.telegram.server import (
    BOT_ID,
    TOKEN,
    ApiCall,
    FakeBotApi,
    FakeChat,
    FakeUser,
    Rejection,
)

__all__ = ["BOT_ID", "TOKEN", "ApiCall", "FakeBotApi", "FakeChat", "FakeUser", "Rejection"]
