"""Native reactions: a heart on a message that shows a post likes it; removing it unlikes.

Needs the GUILD_MESSAGE_REACTIONS and DIRECT_MESSAGE_REACTIONS intents (not privileged).
Reactions are ambient: nothing is answered, refusals (a blocked user, already liked) are
only logged.
"""

from __future__ import annotations

import logging

import discord

from bot.adapters.discord._actor import actor_for_user
from bot.adapters.discord._conversation import SilentConversation
from bot.adapters.discord._tracking import InFlight
from bot.commands import Dispatcher
from bot.invocation import Invocation
from core.delivery.ratelimit import PlatformCall, RateLimiter
from core.domain import Platform

log = logging.getLogger(__name__)

VARIATION_SELECTOR = "\ufe0f"
HEARTS = frozenset(
    {"❤", "♥", "🧡", "💛", "💚", "💙", "💜", "🤎", "🖤", "🤍", "🩷", "🩵", "🩶"}
    | {"💖", "💗", "💓", "💞", "💕", "💘", "💝", "😍", "🥰", "😻"}
)


def is_heart(emoji: discord.PartialEmoji) -> bool:
    return emoji.is_unicode_emoji() and emoji.name.replace(VARIATION_SELECTOR, "") in HEARTS


class ReactionLikes:
    def __init__(
        self,
        client: discord.Client,
        dispatcher: Dispatcher,
        in_flight: InFlight,
        limiter: RateLimiter,
    ) -> None:
        self._client = client
        self._dispatcher = dispatcher
        self._in_flight = in_flight
        self._limiter = limiter

    async def on_add(self, event: discord.RawReactionActionEvent) -> None:
        with self._in_flight.track():
            await self._apply(event, "like")

    async def on_remove(self, event: discord.RawReactionActionEvent) -> None:
        with self._in_flight.track():
            await self._apply(event, "unlike")

    async def _apply(self, event: discord.RawReactionActionEvent, command: str) -> None:
        me = self._client.user
        if (me is not None and event.user_id == me.id) or not is_heart(event.emoji):
            return
        try:
            post_id = await self._dispatcher.services.sent_messages.post_for(
                Platform.DISCORD, str(event.channel_id), str(event.message_id)
            )
            if post_id is None:
                return
            user = await self._user(event)
            actor = actor_for_user(user, channel_id=event.channel_id, guild_id=event.guild_id)
            replies = await self._dispatcher.run(
                Invocation(actor, command, {"post": post_id}),
                SilentConversation(actor),
            )
        except Exception:
            log.exception("reaction on discord message %s not applied", event.message_id)
            return
        for reply in replies:
            if reply.is_error:
                log.debug("reaction by %s not applied: %s", event.user_id, reply.text)

    async def _user(self, event: discord.RawReactionActionEvent) -> discord.abc.User:
        if event.member is not None:
            return event.member
        cached = self._client.get_user(event.user_id)
        if cached is not None:
            return cached
        return await self._limiter.process(
            PlatformCall(Platform.DISCORD, "fetch_user"),
            lambda: self._client.fetch_user(event.user_id),
        )
