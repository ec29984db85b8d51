"""With an HTTPS MOSAIC_WEB_URL the bot's menu button and /feed open the Mini App; /share
gives the post's web page."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import Settings
from tests.adapters.telegram.conftest import Telegram, messages, telegram_settings
from tests.adapters.telegram.test_social_flow import post_by
from tests.support.telegram import FakeBotApi

WEB = "https://mosaic.example"


@pytest.fixture
def settings(tmp_path: Path, database_url: str, fake_api: FakeBotApi) -> Settings:
    return telegram_settings(tmp_path, database_url, fake_api, MOSAIC_WEB_URL=WEB)


def buttons(message: dict) -> list[dict]:
    return [b for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


async def test_the_menu_button_opens_the_mini_app(telegram: Telegram) -> None:
    assert telegram.fake.menu_buttons[None] == {
        "type": "web_app",
        "text": "Feed",
        "web_app": {"url": f"{WEB}/app"},
    }


async def test_feed_offers_the_grid_in_private_chats_only(telegram: Telegram) -> None:
    fake = telegram.fake
    alice, bob = fake.user(101, "Alice", "alice"), fake.user(202, "Bob", "bob")
    await post_by(telegram.app, alice, "a cat")
    private = messages(await telegram.say(bob, "/feed"))
    apps = [b for m in private for b in buttons(m) if "web_app" in b]
    assert apps == [{"text": "Open as a grid", "web_app": {"url": f"{WEB}/app"}}]
    group = fake.group(-100500, "Cats")
    in_group = messages(await telegram.say(bob, "/feed", chat=group))
    assert not [b for m in in_group for b in buttons(m) if "web_app" in b]


async def test_share_gives_the_web_page(telegram: Telegram) -> None:
    alice = telegram.fake.user(101, "Alice", "alice")
    post = await post_by(telegram.app, alice, "a cat")
    shared = messages(await telegram.say(alice, f"/share {post.id}"))
    link = telegram.app.services.links.post_url(post.id)
    assert link.startswith(f"{WEB}/p/")
    assert link in shared[0]["text"]
