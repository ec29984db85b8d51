"""Discord's `Messenger`: messages outside any live interaction (expired tokens, digests)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

import aiohttp
import discord

from bot.adapters.discord._delivery import (
    EXPIRED_TOKEN_CODES,
    ORIGINAL_REF,
    UNKNOWN_MESSAGE,
    DiscordDelivery,
    DiscordMessage,
)
from core.clock import Clock, SystemClock
from core.delivery import DeliveryRetryAfter, DeliveryTransient
from core.delivery.replies import Reply
from core.delivery.reply_codec import encode_reply
from core.domain import ChatKind
from core.generation import status_tokens
from core.generation.jobs import EDITED_JOB
from core.i18n import translate


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

    def __init__(self, delivery: DiscordDelivery, clock: Clock | None = None) -> None:
        self._delivery = delivery
        self._clock = clock or SystemClock()

    async def send_to(self, target: dict[str, str], reply: Reply) -> DiscordMessage:
        async with _neutral_errors():
            return await self._send_to(target, reply)

    async def edit_to(self, target: dict[str, str], ref: str, reply: Reply) -> None:
        """A job's status edit that a process without Discord queued (a workers process;
        the outbox sender of this process makes it). The status is an ephemeral interaction
        response, which only the interaction's token can edit: that token is kept with the
        job (`core.generation.status_tokens`, named by the target's `EDITED_JOB`), never in
        the target. Once it has expired (15 minutes) or Discord refuses it, the update goes
        by DM instead, saying why; after the job's last edit the token is removed."""
        job = target.get(EDITED_JOB, "")
        plain = {key: value for key, value in target.items() if key != EDITED_JOB}
        which = ref if ref == ORIGINAL_REF or ref.isdigit() else None
        token = None
        if job.isdigit() and which is not None:
            token = await status_tokens.usable(int(job), self._clock.now())
        if token is None or which is None:
            await self.send_to(plain, self._by_dm(plain, reply))
            return
        try:
            async with _neutral_errors():
                await self._delivery.edit_with_token(
                    token.value,
                    which,
                    reply,
                    chat=plain.get("channel"),
                    group=plain.get("private") != "1",
                )
        except discord.HTTPException as error:
            if error.code not in (*EXPIRED_TOKEN_CODES, UNKNOWN_MESSAGE):
                raise
            await status_tokens.forget(int(job))  # it will not work again
            expired = error.code in EXPIRED_TOKEN_CODES
            await self.send_to(plain, self._by_dm(plain, reply) if expired else reply)
            return
        if token.job_ended:
            await status_tokens.forget(int(job))

    @staticmethod
    def _by_dm(target: dict[str, str], reply: Reply) -> Reply:
        """The status update as a DM, saying why it is not the message it replaces."""
        why = translate(target.get("language") or "en", "job.status_by_dm")
        return replace(reply, text=f"{reply.text}\n{why}", private=True)

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


@asynccontextmanager
async def _neutral_errors() -> AsyncIterator[None]:
    """discord.py's errors as the neutral delivery errors the outbox sender acts on."""
    try:
        yield
    except discord.RateLimited as limited:
        raise DeliveryRetryAfter(limited.retry_after) from limited
    except discord.DiscordServerError as error:
        raise DeliveryTransient(f"discord {error.status}: {error.text}"[:200]) from error
    except (aiohttp.ClientError, TimeoutError) as error:
        raise DeliveryTransient(f"discord unreachable: {error!r}"[:200]) from error


NONCE_LENGTH = 25  # Discord's limit


def message_nonce(target: dict[str, str], reply: Reply) -> str:
    """The same message to the same place has the same nonce (Discord dedupes it for a few
    minutes)."""
    content = json.dumps([target, encode_reply(reply)], sort_keys=True, default=str)
    return hashlib.sha256(content.encode()).hexdigest()[:NONCE_LENGTH]
