"""The Telegram adapter, built by the composition root, against the fake Bot API.

Time is scaled: a Telegram second lasts `TIME_SCALE` seconds for both the fake's limits and
the adapter's pacing, so rate limits are real but tests stay fast.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.telegram import TelegramAdapter
from bot.bootstrap import App, build_telegram
from core.clock import MonotonicTimer
from core.settings import Settings
from tests.support.telegram import ApiCall, FakeBotApi, FakeChat, FakeUser

TIME_SCALE = 0.005  # a Telegram second lasts 5 ms


class Handled:
    """Counts updates the adapter has finished with (its `on_handled` hook)."""

    def __init__(self) -> None:
        self.counts: Counter[int] = Counter()
        self._changed = asyncio.Event()

    def __call__(self, update_id: int) -> None:
        self.counts[update_id] += 1
        self._changed.set()

    async def wait(self, update_id: int, times: int = 1, within: float = 10.0) -> None:
        async def reached() -> None:
            while self.counts[update_id] < times:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(reached(), within)


@dataclass
class Telegram:
    """A running adapter, the fake it talks to, and helpers to act as Telegram users."""

    app: App
    fake: FakeBotApi
    adapter: TelegramAdapter
    handled: Handled

    async def handle(self, update_id: int, times: int = 1) -> None:
        await self.handled.wait(update_id, times)

    async def say(
        self,
        user: FakeUser,
        text: str,
        *,
        chat: FakeChat | None = None,
        reply_to: dict[str, Any] | None = None,
    ) -> list[ApiCall]:
        """`user` types `text`; the Bot API calls the adapter made until it was done."""
        before = len(self.fake.calls)
        await self.handle(self.fake.say(user, text, chat=chat, reply_to=reply_to))
        return self.calls_since(before)

    async def press(self, user: FakeUser, message: dict[str, Any], label: str) -> list[ApiCall]:
        before = len(self.fake.calls)
        await self.handle(self.fake.press(user, message, label))
        return self.calls_since(before)

    def calls_since(self, index: int) -> list[ApiCall]:
        """The adapter's calls after `index`, without its long polls."""
        return [c for c in self.fake.calls[index:] if c.method != "getUpdates"]

    def answer(self, calls: list[ApiCall]) -> dict[str, Any]:
        """What the adapter answered to a button press (text, show_alert)."""
        answers = [c for c in calls if c.method == "answerCallbackQuery"]
        assert len(answers) == 1, f"one answer per press, got {answers}"
        return self.fake.answers[answers[0].params["callback_query_id"]]


def texts(calls: list[ApiCall]) -> list[str]:
    """The visible text (or caption) of each accepted message in `calls`."""
    shown = []
    for call in calls:
        if not call.ok:
            continue
        results = call.result if isinstance(call.result, list) else [call.result]
        for message in results:
            if isinstance(message, dict) and ("text" in message or "caption" in message):
                shown.append(message.get("text") or message.get("caption"))
    return shown


def messages(calls: list[ApiCall]) -> list[dict[str, Any]]:
    found = []
    for call in calls:
        if call.ok and call.method.startswith("send"):
            found += call.result if isinstance(call.result, list) else [call.result]
    return found


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    fake = FakeBotApi(time_scale=TIME_SCALE)
    await fake.start()
    yield fake
    await fake.stop()


def telegram_settings(
    tmp_path: Path, database_url: str, fake_api: FakeBotApi, **extra: Any
) -> Settings:
    """Settings for a bot that talks to the fake Bot API (`extra`: more settings)."""
    return Settings(
        MOSAIC_DATA_DIR=tmp_path / "data",
        MOSAIC_DATABASE_URL=database_url,
        TELEGRAM_BOT_TOKEN=fake_api.token,
        TELEGRAM_API_BASE_URL=fake_api.base_url,
        _env_file=None,
        **extra,
    )


@pytest.fixture
def settings(tmp_path: Path, database_url: str, fake_api: FakeBotApi) -> Settings:
    return telegram_settings(tmp_path, database_url, fake_api)


@pytest.fixture
async def telegram(app: App, fake_api: FakeBotApi) -> AsyncIterator[Telegram]:
    handled = Handled()
    adapter = build_telegram(app, timer=MonotonicTimer(TIME_SCALE), on_handled=handled)
    await adapter.start()
    yield Telegram(app, fake_api, adapter, handled)
    await adapter.stop()
