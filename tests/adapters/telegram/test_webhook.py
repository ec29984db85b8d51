"""Webhook mode: Telegram POSTs updates to us with a secret header."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.bootstrap import App, build_telegram
from core.errors import ConfigurationError
from core.persistence.models import Follow
from core.settings import Settings
from tests.adapters.telegram.conftest import Telegram, telegram_settings, texts
from tests.support.telegram import FakeBotApi

SECRET = "s3cret_-Token"
PATH = "/telegram/hook"


@pytest.fixture
def settings(tmp_path: Path, database_url: str, fake_api: FakeBotApi) -> Settings:
    return telegram_settings(
        tmp_path,
        database_url,
        fake_api,
        TELEGRAM_WEBHOOK_URL=f"https://mosaic.example{PATH}",
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        TELEGRAM_WEBHOOK_LISTEN="127.0.0.1:0",
    )


def endpoint(telegram: Telegram) -> str:
    return f"http://127.0.0.1:{telegram.adapter.webhook_port}{PATH}"


async def test_the_webhook_is_registered_with_its_secret(telegram: Telegram) -> None:
    assert telegram.adapter.mode == "webhook"
    assert telegram.fake.webhook == {"url": f"https://mosaic.example{PATH}", "secret_token": SECRET}
    assert not any(c.method == "getUpdates" for c in telegram.fake.calls), "no polling"


async def test_updates_with_the_secret_are_handled_once(telegram: Telegram) -> None:
    fake = telegram.fake
    alice, bob = fake.user(101, "Alice", "alice"), fake.user(202, "Bob", "bob")
    hello = {"update_id": 42, "message": fake.user_message(alice, "/help")}
    assert await fake.post_to_webhook(hello, url=endpoint(telegram)) == 200
    await telegram.handle(42)

    before = len(fake.calls)
    follow = {"update_id": 43, "message": fake.user_message(bob, "/follow @alice")}
    assert await fake.post_to_webhook(follow, url=endpoint(telegram)) == 200
    assert await fake.post_to_webhook(follow, url=endpoint(telegram)) == 200  # Telegram retried
    await telegram.handle(43, times=2)
    assert texts(telegram.calls_since(before)) == [
        "You now follow @alice. Their posts will show up in /feed."
    ]
    assert await Follow.all().count() == 1


async def test_a_wrong_secret_is_refused_before_the_body_is_read(telegram: Telegram) -> None:
    for secret in ("", "s3cret_-Tokem", "s3cret_-Token-and-more", "ü"):
        assert await refused_before_body(telegram.adapter.webhook_port, secret), secret


async def refused_before_body(port: int | None, secret: str) -> bool:
    """Send headers and the start of a long body that never comes: is there a 403 anyway?"""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    header = f"X-Telegram-Bot-Api-Secret-Token: {secret}\r\n" if secret else ""
    writer.write(
        (
            f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"{header}Content-Length: 1000000\r\n\r\n"
        ).encode()
        + b'{"update_id": 7, "mess'
    )
    await writer.drain()
    status = await asyncio.wait_for(reader.readline(), 5)
    writer.close()
    return status.startswith(b"HTTP/1.1 403")


async def test_garbage_with_the_right_secret_is_a_bad_request(telegram: Telegram) -> None:
    import aiohttp

    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with aiohttp.ClientSession() as session:
        for body in (b"not json", json.dumps([1, 2]).encode(), b'{"update_id": "x"}'):
            async with session.post(endpoint(telegram), data=body, headers=headers) as answer:
                assert answer.status == 400


def test_webhook_mode_needs_a_valid_secret(app: App) -> None:
    app.settings.telegram_webhook_secret = None
    with pytest.raises(ConfigurationError, match="TELEGRAM_WEBHOOK_SECRET"):
        build_telegram(app)
