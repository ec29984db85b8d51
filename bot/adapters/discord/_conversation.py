"""Replies to one interaction, on top of its 15-minute token.

The first send fills the deferred "thinking…" response; later sends are follow-ups; edits
edit whichever message a handle names. Once the token is (nearly) expired — a generation
that outlived it — sends go out as normal messages through the `Messenger` instead: to the
channel, or by DM when the reply is private (an ephemeral message cannot be sent any more).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

import discord

from bot.adapters.discord._actor import reply_target
from bot.adapters.discord._delivery import (
    EXPIRED_TOKEN_CODES,
    ORIGINAL_REF,
    DiscordDelivery,
    DiscordMessage,
    Where,
)
from bot.adapters.discord._messenger import DiscordMessenger
from bot.invocation import Actor
from core.clock import Clock
from core.delivery.replies import Reply

log = logging.getLogger(__name__)

TOKEN_LIFE = timedelta(minutes=15)
SAFETY_MARGIN = timedelta(seconds=30)  # a request started just before expiry may land after it


class InteractionConversation:
    def __init__(
        self,
        interaction: discord.Interaction,
        actor: Actor,
        *,
        delivery: DiscordDelivery,
        messenger: DiscordMessenger,
        clock: Clock,
        started: datetime,
        deferred_ephemeral: bool,
        original_pending: bool,
    ) -> None:
        self._interaction = interaction
        self._actor = actor
        self._delivery = delivery
        self._messenger = messenger
        self._clock = clock
        self._expires = started + TOKEN_LIFE - SAFETY_MARGIN
        self._deferred_ephemeral = deferred_ephemeral
        self._original_pending = original_pending
        self._lock = asyncio.Lock()  # the first send decides what happens to the original
        self._copies: dict[int, DiscordMessage] = {}  # ephemeral message id → copy sent later

    def reply_target(self) -> dict[str, str]:
        return reply_target(self._actor)

    def message_ref(self, handle: object) -> str | None:
        """Names our ephemeral status message for an edit by another process, which needs
        this interaction's token too (`edit_token`): the original response, or a follow-up."""
        if not isinstance(handle, DiscordMessage) or self.token_expired:
            return None
        if handle.where is Where.ORIGINAL:
            return ORIGINAL_REF
        if handle.where is Where.FOLLOWUP:
            return str(handle.message_id)
        return None  # a channel message: edited with the bot token, no ref needed

    def edit_token(self) -> tuple[str, datetime] | None:
        """This interaction's token (a secret) and when we stop trusting it."""
        if self.token_expired:
            return None
        return self._interaction.token, self._expires

    @property
    def token_expired(self) -> bool:
        return self._clock.now() >= self._expires

    async def send(self, reply: Reply) -> DiscordMessage:
        async with self._lock:
            if self.token_expired:
                return await self._messenger.send_to(self.reply_target(), reply)
            try:
                return await self._send_live(reply)
            except discord.HTTPException as error:
                if error.code not in EXPIRED_TOKEN_CODES:
                    raise
                log.info("interaction %s token expired early; sending normally", self._id)
                self._expires = self._clock.now()
                return await self._messenger.send_to(self.reply_target(), reply)

    async def _send_live(self, reply: Reply) -> DiscordMessage:
        interaction = self._interaction
        if self._original_pending:
            if self._deferred_ephemeral or not reply.private:
                # Fill the "thinking…" message. (After an ephemeral defer it stays ephemeral,
                # even for a public reply: Discord fixes that at defer time.)
                sent = await self._delivery.edit_original(interaction, reply)
                self._original_pending = False
                return sent
            # A private answer to a public "thinking…": remove it, answer ephemerally (a
            # follow-up while it is still there would fill it, publicly).
            await self._delivery.delete_original(interaction)
            self._original_pending = False
        return await self._delivery.followup(interaction, reply, ephemeral=reply.private)

    async def edit(self, handle: DiscordMessage, reply: Reply) -> None:
        if not isinstance(handle, DiscordMessage):
            raise TypeError(f"not a Discord message handle: {handle!r}")
        if handle.where is Where.CHANNEL:
            await self._messenger.edit(handle, reply)
        elif self.token_expired:
            await self._edit_after_expiry(handle, reply)
        elif handle.where is Where.ORIGINAL:
            await self._delivery.edit_original(self._interaction, reply)
        else:
            await self._delivery.edit_followup(self._interaction, handle, reply)

    async def _edit_after_expiry(self, handle: DiscordMessage, reply: Reply) -> None:
        if not handle.ephemeral and handle.channel_id is not None:
            await self._messenger.edit(handle, reply)
            return
        # Nobody but Discord's own client can touch an ephemeral message now: send it anew
        # once, and edit that copy from then on (progress edits must not become many DMs).
        copy = self._copies.get(handle.message_id)
        if copy is None:
            self._copies[handle.message_id] = await self._messenger.send_to(
                self.reply_target(), reply
            )
        else:
            await self._messenger.edit(copy, reply)

    async def finish(self) -> None:
        """Remove a "thinking…" response that no reply filled (a handler that sent nothing)."""
        async with self._lock:
            if self._original_pending and not self.token_expired:
                self._original_pending = False
                await self._delivery.delete_original(self._interaction)

    @property
    def _id(self) -> int:
        return self._interaction.id


class SilentConversation:
    """For events that expect no answer (a reaction): replies are logged, not sent."""

    def __init__(self, actor: Actor) -> None:
        self._actor = actor

    def reply_target(self) -> dict[str, str]:
        return reply_target(self._actor)

    async def send(self, reply: Reply) -> None:
        log.debug("silent reply to discord user %s: %s", self._actor.user_id, reply.text[:80])

    async def edit(self, handle: object, reply: Reply) -> None:
        return None
