"""The one way out: every message the Discord adapter sends, edits or deletes goes through
`DiscordDelivery`.

It renders the `Reply`, hands each call to the adapter's `RateLimiter` (by default
`Unpaced`: discord.py already follows the buckets Discord reports), calls discord.py (which
waits out 429s and retries 5xx up to the client's `max_ratelimit_timeout`), records which
message shows which post (so reactions count as likes and the remix menu finds the post),
and turns "this chat cannot be reached" into `Undeliverable` after pausing the destination:
such a send is never retried.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import discord

from bot.adapters.discord._render import DEFAULT_UPLOAD_CAP, render
from core.delivery import DeliveryBlocked, DeliveryTransient
from core.delivery.ratelimit import PlatformCall, RateLimiter
from core.delivery.replies import Reply
from core.delivery.sent_messages import SentMessages
from core.destinations import Destinations
from core.domain import ChatKind, Platform

log = logging.getLogger(__name__)

# Discord error codes meaning "this chat cannot be reached": retrying cannot help.
MISSING_ACCESS = 50001
UNKNOWN_CHANNEL = 10003
CANNOT_MESSAGE_USER = 50007
MISSING_PERMISSIONS = 50013
UNDELIVERABLE_CODES = frozenset(
    {MISSING_ACCESS, UNKNOWN_CHANNEL, CANNOT_MESSAGE_USER, MISSING_PERMISSIONS}
)
# An interaction's token no longer works: unknown webhook (404), invalid webhook token (401).
EXPIRED_TOKEN_CODES = frozenset({10015, 50027})
UNKNOWN_MESSAGE = 10008  # the message is gone (the person dismissed an ephemeral one)
ORIGINAL_REF = "@original"  # Discord's name for an interaction's original response


class Undeliverable(DeliveryBlocked):
    """A message could not be delivered and will not be retried; the destination is paused."""

    def __init__(self, chat_id: str, reason: str) -> None:
        super().__init__(reason)
        self.chat_id = chat_id

    def __str__(self) -> str:
        return f"chat {self.chat_id}: {self.reason}"


class Where(StrEnum):
    ORIGINAL = "original"  # the interaction's original (deferred) response
    FOLLOWUP = "followup"  # a follow-up message through the interaction's webhook
    CHANNEL = "channel"  # a plain channel or DM message, sent with the bot token


@dataclass(frozen=True, slots=True)
class DiscordMessage:
    """A handle on a message we sent, enough to edit it later."""

    where: Where
    message_id: int
    channel_id: int | None
    ephemeral: bool = False


class DiscordDelivery:
    def __init__(
        self,
        client: discord.Client,
        sent_messages: SentMessages,
        destinations: Destinations,
        limiter: RateLimiter,
    ) -> None:
        self._client = client
        self._sent_messages = sent_messages
        self._destinations = destinations
        self._limiter = limiter

    # --- through an interaction (its token lives 15 minutes) --------------------------
    async def respond(self, interaction: discord.Interaction, reply: Reply) -> None:
        """The initial response, for interactions that were not deferred (early errors)."""
        rendered = render(reply, upload_cap=interaction.filesize_limit)
        await self._limiter.process(
            _answer("interaction.response.send_message", interaction),
            lambda: interaction.response.send_message(
                **rendered.send_kwargs(),
                ephemeral=reply.private,
            ),
        )

    async def defer(
        self, interaction: discord.Interaction, *, ephemeral: bool, thinking: bool
    ) -> None:
        """Acknowledge the interaction now ("thinking…"); the reply fills it later."""
        await self._limiter.process(
            _answer("interaction.response.defer", interaction),
            lambda: interaction.response.defer(ephemeral=ephemeral, thinking=thinking),
        )

    async def send_modal(self, interaction: discord.Interaction, modal: discord.ui.Modal) -> None:
        """Answer the interaction with a form that asks for text."""
        await self._limiter.process(
            _answer("interaction.response.send_modal", interaction),
            lambda: interaction.response.send_modal(modal),
        )

    async def edit_original(self, interaction: discord.Interaction, reply: Reply) -> DiscordMessage:
        rendered = render(reply, upload_cap=interaction.filesize_limit)
        message = await self._limiter.process(
            _answer("interaction.edit_original_response", interaction),
            lambda: interaction.edit_original_response(**rendered.edit_kwargs()),
        )
        return await self._sent(Where.ORIGINAL, message, reply, interaction.guild_id)

    async def delete_original(self, interaction: discord.Interaction) -> None:
        await self._limiter.process(
            _answer("interaction.delete_original_response", interaction),
            interaction.delete_original_response,
        )

    async def followup(
        self, interaction: discord.Interaction, reply: Reply, *, ephemeral: bool
    ) -> DiscordMessage:
        rendered = render(reply, upload_cap=interaction.filesize_limit)
        message = await self._limiter.process(
            _answer("interaction.followup.send", interaction),
            lambda: interaction.followup.send(
                **rendered.send_kwargs(),
                ephemeral=ephemeral,
                wait=True,
            ),
        )
        return await self._sent(Where.FOLLOWUP, message, reply, interaction.guild_id)

    async def edit_followup(
        self, interaction: discord.Interaction, handle: DiscordMessage, reply: Reply
    ) -> None:
        rendered = render(reply, upload_cap=interaction.filesize_limit)
        message = await self._limiter.process(
            _answer("interaction.followup.edit_message", interaction),
            lambda: interaction.followup.edit_message(
                handle.message_id,
                **rendered.edit_kwargs(),
            ),
        )
        await self._sent(Where.FOLLOWUP, message, reply, interaction.guild_id)

    async def edit_with_token(
        self, token: str, which: str, reply: Reply, *, chat: str | None, group: bool
    ) -> None:
        """Edit an interaction's response (`ORIGINAL_REF`) or follow-up (its id) with the
        interaction's token, outside the interaction (from any process that has the token):
        PATCH /webhooks/{application id}/{token}/messages/{which}, as discord.py's own
        `edit_original_response` does. The token is a secret: it is in no log line."""
        application_id = self._client.application_id
        if application_id is None:
            raise DeliveryTransient("the Discord client has not logged in yet")
        webhook = discord.Webhook.partial(application_id, token, client=self._client)
        rendered = render(reply, upload_cap=DEFAULT_UPLOAD_CAP)
        message_id: Any = which  # "@original" stands where discord.py expects an id
        await self._limiter.process(
            PlatformCall(
                Platform.DISCORD, "interaction.edit_original_response", chat=chat, group=group
            ),
            lambda: webhook.edit_message(message_id, **rendered.edit_kwargs()),
        )

    # --- with the bot token (no time limit) ------------------------------------------
    async def to_channel(
        self,
        channel_id: int,
        reply: Reply,
        *,
        kind: ChatKind = ChatKind.CHANNEL,
        server_id: int | None = None,
        nonce: str | None = None,
    ) -> DiscordMessage:
        """`nonce`: sent with `enforce_nonce`, so a retry after a lost answer is not a copy."""
        channel = self._client.get_partial_messageable(channel_id)
        rendered = render(reply, upload_cap=DEFAULT_UPLOAD_CAP)
        async with self._reported(str(channel_id), kind):
            message = await self._limiter.process(
                _call("channel.send", channel_id, group=kind is not ChatKind.PRIVATE),
                lambda: (
                    channel.send(**rendered.send_kwargs())
                    if nonce is None
                    else channel.send(**rendered.send_kwargs(), nonce=nonce)
                ),
            )
        return await self._sent(Where.CHANNEL, message, reply, server_id)

    async def to_user(
        self, user_id: int, reply: Reply, *, nonce: str | None = None
    ) -> DiscordMessage:
        async with self._reported(f"user:{user_id}", ChatKind.PRIVATE):
            channel = await self._limiter.process(
                _call("create_dm"), lambda: self._client.create_dm(discord.Object(user_id))
            )
        return await self.to_channel(channel.id, reply, kind=ChatKind.PRIVATE, nonce=nonce)

    async def edit_in_channel(self, handle: DiscordMessage, reply: Reply) -> None:
        assert handle.channel_id is not None
        channel = self._client.get_partial_messageable(handle.channel_id)
        rendered = render(reply, upload_cap=DEFAULT_UPLOAD_CAP)
        async with self._reported(str(handle.channel_id), ChatKind.CHANNEL):
            message = await self._limiter.process(
                _call("message.edit", handle.channel_id),
                lambda: channel.get_partial_message(handle.message_id).edit(
                    **rendered.edit_kwargs()
                ),
            )
        await self._sent(Where.CHANNEL, message, reply)

    async def delete_in_channel(self, channel_id: int, message_id: int) -> bool:
        """Delete one of our messages; one that is gone already counts as deleted."""
        channel = self._client.get_partial_messageable(channel_id)
        try:
            async with self._reported(str(channel_id), ChatKind.CHANNEL):
                await self._limiter.process(
                    _call("message.delete", channel_id),
                    channel.get_partial_message(message_id).delete,
                )
        except discord.NotFound:
            pass  # deleted already (by someone, or by an earlier takedown)
        return True

    # ---------------------------------------------------------------------------------
    async def _sent(
        self,
        where: Where,
        message: discord.Message,
        reply: Reply,
        server_id: int | None = None,
    ) -> DiscordMessage:
        ephemeral = message.flags.ephemeral
        if (reply.post_id is not None or reply.shows) and not ephemeral:
            guild = message.guild.id if message.guild is not None else server_id
            await self._sent_messages.record(
                Platform.DISCORD,
                str(message.channel.id),
                str(message.id),
                reply.post_id,
                server_id=str(guild) if guild is not None else None,
                shows=reply.shows,
            )
        return DiscordMessage(where, message.id, message.channel.id, ephemeral)

    @asynccontextmanager
    async def _reported(self, chat_id: str, kind: ChatKind) -> AsyncIterator[None]:
        """Turns a Discord "cannot reach this chat" error into a paused destination."""
        try:
            yield
        except discord.HTTPException as error:
            if error.code not in UNDELIVERABLE_CODES:
                raise
            reason = f"discord {error.status}/{error.code}: {error.text}"[:200]
            log.warning("cannot deliver to discord chat %s (%s); pausing it", chat_id, reason)
            await self._destinations.get(Platform.DISCORD, chat_id, kind=kind)
            await self._destinations.pause(Platform.DISCORD, chat_id, reason)
            raise Undeliverable(chat_id, reason) from error


def _answer(method: str, interaction: discord.Interaction) -> PlatformCall:
    """A call answering `interaction`, as the limiter sees it: a message in its channel."""
    channel = interaction.channel_id
    return PlatformCall(
        Platform.DISCORD,
        method,
        chat=str(channel) if channel is not None else None,
        group=interaction.guild_id is not None,
    )


def _call(method: str, chat: int | None = None, *, group: bool = True) -> PlatformCall:
    """A call with the bot token: to channel `chat` (a DM when not `group`), or to none."""
    return PlatformCall(
        Platform.DISCORD, method, chat=str(chat) if chat is not None else None, group=group
    )
