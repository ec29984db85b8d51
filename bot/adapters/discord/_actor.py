"""Who acts and where: a Discord interaction or reaction as an `Actor`."""

from __future__ import annotations

import discord

from bot.invocation import Actor
from core.domain import ChatKind, Platform


def _chat_kind(interaction: discord.Interaction) -> ChatKind:
    if interaction.guild_id is not None:
        return ChatKind.CHANNEL
    channel = interaction.channel
    if channel is not None and channel.type is discord.ChannelType.group:
        return ChatKind.GROUP
    return ChatKind.PRIVATE


def _locale(interaction: discord.Interaction) -> str | None:
    locale = interaction.locale or interaction.guild_locale
    return locale.value if locale is not None else None


def _roles(user: discord.abc.User) -> frozenset[str]:
    """The member's role ids (from the interaction's own payload) and, where the guild is
    known, their lower-case names."""
    if not isinstance(user, discord.Member):
        return frozenset()
    ids = {str(role_id) for role_id in user._roles}
    names = {role.name.casefold() for role in user.roles if not role.is_default()}
    return frozenset(ids | names)


def actor_for(interaction: discord.Interaction) -> Actor:
    """The person behind an interaction; server admins are those with Manage Server."""
    user = interaction.user
    in_guild = interaction.guild_id is not None
    return Actor(
        platform=Platform.DISCORD,
        user_id=str(user.id),
        display_name=user.display_name,
        handle_hint=user.name,
        locale=_locale(interaction),
        chat_id=str(interaction.channel_id) if interaction.channel_id is not None else None,
        chat_kind=_chat_kind(interaction),
        server_id=str(interaction.guild_id) if in_guild else None,
        is_admin=in_guild and interaction.permissions.manage_guild,
        roles=_roles(user) if in_guild else frozenset(),
    )


def actor_for_user(user: discord.abc.User, *, channel_id: int, guild_id: int | None) -> Actor:
    """Someone acting outside an interaction (a reaction): no locale, no admin rights."""
    return Actor(
        platform=Platform.DISCORD,
        user_id=str(user.id),
        display_name=user.display_name,
        handle_hint=user.name,
        chat_id=str(channel_id),
        chat_kind=ChatKind.CHANNEL if guild_id is not None else ChatKind.PRIVATE,
        server_id=str(guild_id) if guild_id is not None else None,
    )


def reply_target(actor: Actor) -> dict[str, str]:
    """Where the `Messenger` reaches this person later: the channel, or a DM for private text."""
    target = {"user": actor.user_id}
    if actor.chat_id is not None:
        target["channel"] = actor.chat_id
    if actor.server_id is not None:  # what it shows was delivered in this server
        target["server"] = actor.server_id
    if actor.chat_kind is ChatKind.PRIVATE:
        target["private"] = "1"
    return target
