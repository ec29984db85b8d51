"""Discord's `Messenger`: messages outside any live interaction (expired tokens, digests)."""

from __future__ import annotations

from bot.adapters.discord._outbound import Outbound, SentMessage
from bot.replies import Reply
from core.domain import ChatKind


class DiscordMessenger:
    """Sends to a target from `Conversation.reply_target()`.

    A target is `{"channel": id, "user": id}` (plus `"private": "1"` when the channel is a
    DM). Public replies go to the channel; private ones by DM, so that nothing meant for one
    person ever lands in a shared channel. Raises `Undeliverable` (after pausing the
    destination) when the chat cannot be reached.
    """

    def __init__(self, outbound: Outbound) -> None:
        self._outbound = outbound

    async def send_to(self, target: dict[str, str], reply: Reply) -> SentMessage:
        channel, user = target.get("channel"), target.get("user")
        is_dm = target.get("private") == "1"
        if channel and (is_dm or not reply.private):
            kind = ChatKind.PRIVATE if is_dm else ChatKind.CHANNEL
            return await self._outbound.to_channel(int(channel), reply, kind=kind)
        if user:
            return await self._outbound.to_user(int(user), reply)
        raise ValueError(f"a Discord target needs a channel or a user, got {sorted(target)}")

    async def edit(self, handle: SentMessage, reply: Reply) -> None:
        await self._outbound.edit_in_channel(handle, reply)
