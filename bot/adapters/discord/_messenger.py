"""Discord's `Messenger`: messages outside any live interaction (expired tokens, digests)."""

from __future__ import annotations

import hashlib
import json

import aiohttp
import discord

from bot.adapters.discord._delivery import DiscordDelivery, DiscordMessage
from core.delivery import DeliveryRetryAfter, DeliveryTransient
from core.delivery.replies import Reply
from core.delivery.reply_codec import encode_reply
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

    Each message carries a nonce made from its target and content, with `enforce_nonce`:
    when a send is retried after its answer was lost (the outbox retries a cut connection),
    Discord returns the message it already made instead of posting a second copy.
    """

    def __init__(self, delivery: DiscordDelivery) -> None:
        self._delivery = delivery

    async def send_to(self, target: dict[str, str], reply: Reply) -> DiscordMessage:
        try:
            return await self._send_to(target, reply)
        except discord.RateLimited as limited:
            raise DeliveryRetryAfter(limited.retry_after) from limited
        except discord.DiscordServerError as error:
            raise DeliveryTransient(f"discord {error.status}: {error.text}"[:200]) from error
        except (aiohttp.ClientError, TimeoutError) as error:
            raise DeliveryTransient(f"discord unreachable: {error!r}"[:200]) from error

    async def _send_to(self, target: dict[str, str], reply: Reply) -> DiscordMessage:
        channel, user = target.get("channel"), target.get("user")
        is_dm = target.get("private") == "1"
        nonce = message_nonce(target, reply)
        if channel and (is_dm or not reply.private):
            kind = ChatKind.PRIVATE if is_dm else ChatKind.CHANNEL
            server = target.get("server")
            return await self._delivery.to_channel(
                int(channel),
                reply,
                kind=kind,
                server_id=int(server) if server else None,
                nonce=nonce,
            )
        if user:
            return await self._delivery.to_user(int(user), reply, nonce=nonce)
        raise ValueError(f"a Discord target needs a channel or a user, got {sorted(target)}")

    async def edit(self, handle: DiscordMessage, reply: Reply) -> None:
        await self._delivery.edit_in_channel(handle, reply)

    def direct_target(self, user_id: str) -> dict[str, str]:
        """A person, reached by DM (a moderator's decision, a notice)."""
        return {"user": user_id}

    async def delete(self, chat_id: str, message_id: str) -> bool:
        """Delete a message the bot sent (a takedown); True when it is gone."""
        return await self._delivery.delete_in_channel(int(chat_id), int(message_id))


NONCE_LENGTH = 25  # Discord's limit


def message_nonce(target: dict[str, str], reply: Reply) -> str:
    """The same message to the same place has the same nonce (Discord dedupes it for a few
    minutes)."""
    content = json.dumps([target, encode_reply(reply)], sort_keys=True, default=str)
    return hashlib.sha256(content.encode()).hexdigest()[:NONCE_LENGTH]
