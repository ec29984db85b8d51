from __future__ import annotations

from tests.adapters.telegram.conftest import Telegram, texts


async def test_help_in_a_private_chat(telegram: Telegram) -> None:
    alice = telegram.fake.user(101, "Alice", "alice")
    calls = await telegram.say(alice, "/help")
    assert "Mosaic commands" in texts(calls)[0]
    assert telegram.fake.rejections == []
