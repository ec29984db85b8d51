"""/link, /unlink, /export and /deleteme through the command layer."""

from __future__ import annotations

import re
import zipfile

from bot.bootstrap import App
from core.domain import Platform
from core.persistence.models import Account
from tests.support.chat import ChatUser, find_button


async def test_link_across_platforms_and_show_handles(app: App) -> None:
    on_telegram = ChatUser(app, "555", Platform.TELEGRAM)
    on_discord = ChatUser(app, "777", Platform.DISCORD)
    await on_discord.say("/help")
    issued = await on_telegram.text("/link")
    code = re.search(r"link code is ([A-Z0-9]{8})", issued).group(1)
    assert "Linked! Both platforms are now one account" in await on_discord.text(f"/link {code}")
    profile = await on_discord.text("/profile")
    assert "Also known as: discord: @777, telegram: @555" in profile
    stranger = ChatUser(app, "stranger")
    assert "Also known as" not in await stranger.text("/profile 555")
    await on_telegram.say("/settings handles show")
    assert "Also known as" in await stranger.text("/profile 555")
    assert "wrong, used or expired" in await stranger.text(f"/link {code}")
    assert "Unlinked discord" in await on_telegram.text("/unlink discord")


async def test_export_and_deleteme_need_a_confirmation(app: App) -> None:
    ann = ChatUser(app, "ann")
    await ann.say("/help")
    exported = await ann.say("/export")
    assert exported[0].files and zipfile.is_zipfile(exported[0].files[0].path)
    ask = await ann.say("/deleteme")
    assert "cannot be undone" in ask[0].text and await Account.exists(handle="ann")
    stranger = ChatUser(app, "mallory")
    refused = await stranger.press(find_button(ask, "deleteme"))
    assert refused[0].is_error and await Account.exists(handle="ann")
    done = await ann.press(find_button(ask, "deleteme"))
    assert "Your account and everything in it are deleted" in done[0].text
    assert not await Account.exists(handle="ann")
