"""Discord's `Messenger`: messages outside any live interaction (expired tokens, digests)."""

from __future__ import annotations

import aiohttp
import discord

from bot.adapters.discord._outbound import Outbound, SentMessage
from core.delivery import DeliveryRetryAfter, DeliveryTransient
from core.delivery.replies import Reply
from core.domain import ChatKind


class DiscordMessenger:
    """Sends to a target from `Conversation.reply_target()`.

    A target is `{"channel": id, "user": id}` (plus `"private": "1"` when the channel is a
    DM). Public replies go to the channel; private ones by DM, so that nothing meant for one
    person ever lands in a shared channel. Raises `Undeliverable` (after pausing the
    destination) when the chat cannot be reached.

    `send_to` speaks the neutral delivery errors of `core.delivery` (the outbox sender acts
    on them): `DeliveryBlocked` (`Undeliverable` is one) for an unreachable chat,
    `DeliveryRetryAfter` when a 429 asks for a longer wait than the client's
    `max_ratelimit_timeout`, `DeliveryTransient` for 5xx answers (after discord.py's own
    retries) and network failures.
    """

    def __init__(self, outbound: Outbound) -> None:
        self._outbound = outbound

    async def send_to(self, target: dict[str, str], reply: Reply) -> SentMessage:
        try:
            return await self._send_to(target, reply)
        except discord.RateLimited as limited:
            raise DeliveryRetryAfter(limited.retry_after) from limited
        except discord.DiscordServerError as error:
            raise DeliveryTransient(f"discord {error.status}: {error.text}"[:200]) from error
        except (aiohttp.ClientError, TimeoutError) as error:
            raise DeliveryTransient(f"discord unreachable: {error!r}"[:200]) from error

    async def _send_to(self, target: dict[str, str], reply: Reply) -> SentMessage:
        channel, user = target.get("channel"), target.get("user")
        is_dm = target.get("private") == "1"
        if channel and (is_dm or not reply.private):
            kind = ChatKind.PRIVATE if is_dm else ChatKind.CHANNEL
            server = target.get("server")
            return await self._outbound.to_channel(
                int(channel), reply, kind=kind, server_id=int(server) if server else None
            )
        if user:
            return await self._outbound.to_user(int(user), reply)
        raise ValueError(f"a Discord target needs a channel or a user, got {sorted(target)}")

    async def edit(self, handle: SentMessage, reply: Reply) -> None:
        await self._outbound.edit_in_channel(handle, reply)

    def direct_target(self, user_id: str) -> dict[str, str]:
        """A person, reached by DM (a moderator's decision, a notice)."""
        return {"user": user_id}

    async def delete(self, chat_id: str, message_id: str) -> bool:
        """Delete a message the bot sent (a takedown); True when it is gone."""
        return await self._outbound.delete_in_channel(int(chat_id), int(message_id))
