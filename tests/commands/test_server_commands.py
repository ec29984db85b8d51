"""Server and group settings: only admins, only in servers, and they take effect."""

from __future__ import annotations

from dataclasses import replace

from bot.bootstrap import App
from core.domain import ChatKind, Platform
from tests.support.chat import ChatUser


def in_group(user: ChatUser, *, admin: bool, chat: str = "-100") -> ChatUser:
    user.actor = replace(
        user.actor, chat_id=chat, server_id=chat, chat_kind=ChatKind.GROUP, is_admin=admin
    )
    return user


async def test_only_admins_change_settings(app: App) -> None:
    member = in_group(ChatUser(app, "7", Platform.TELEGRAM), admin=False)
    admin = in_group(ChatUser(app, "8", Platform.TELEGRAM), admin=True)
    refused = await member.say("/server language de")
    assert refused[0].is_error and "Only the admins" in refused[0].text
    assert "now Deutsch" not in await admin.text("/server language de")
    # members without their own choice now get German in this group...
    assert "Den Befehl „nope“ gibt es nicht" in await member.text("/nope")
    # ...but a member's own choice wins
    await member.say("/settings language en")
    assert "There is no command “nope”" in await member.text("/nope")


async def test_settings_commands_need_a_server(app: App) -> None:
    private = ChatUser(app, "9", Platform.TELEGRAM)
    private.actor = replace(private.actor, is_admin=True)
    reply = await private.say("/server show")
    assert "only in a server or group" in reply[0].text


async def test_generation_is_per_channel_and_nsfw_per_server(app: App) -> None:
    admin = in_group(ChatUser(app, "1", Platform.DISCORD), admin=True)
    admin.actor = replace(admin.actor, server_id="guild", chat_id="chan-a")
    await admin.say("/server generation off")
    await admin.say("/server nsfw on")
    summary = await admin.text("/server show")
    assert "Image generation in this channel: not allowed" in summary
    assert "NSFW images: allowed" in summary
    admin.actor = replace(admin.actor, chat_id="chan-b")
    assert "Image generation in this channel: allowed" in await admin.text("/server show")
    channel = await app.services.destinations.find(Platform.DISCORD, "chan-a")
    assert channel is not None and channel.generation_allowed is False
