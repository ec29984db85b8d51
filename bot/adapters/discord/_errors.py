"""The one error handler for the Discord adapter.

User-safe errors never get here: the dispatcher turns them into error replies. What does get
here is a bug or an outage: it is logged with the interaction id and an error id, and the
user gets an ephemeral apology quoting that id, in their language.
"""

from __future__ import annotations

import logging
import secrets

import discord

from bot.adapters.discord._actor import actor_for
from bot.adapters.discord._delivery import DiscordDelivery
from bot.commands import Dispatcher
from core.delivery.ports import Conversation
from core.delivery.replies import Reply
from core.i18n import translate

log = logging.getLogger(__name__)


class ErrorReporter:
    def __init__(self, dispatcher: Dispatcher, delivery: DiscordDelivery) -> None:
        self._dispatcher = dispatcher
        self._delivery = delivery

    async def report(
        self,
        interaction: discord.Interaction,
        error: BaseException,
        conversation: Conversation | None = None,
    ) -> None:
        """Log `error` and apologise to the user; never raises."""
        error_id = secrets.token_hex(4)
        cause = getattr(error, "original", None) or error  # unwrap CommandInvokeError
        log.error(
            "discord interaction %s failed: error %s (user %s, channel %s)",
            interaction.id,
            error_id,
            interaction.user.id,
            interaction.channel_id,
            exc_info=(type(cause), cause, cause.__traceback__),
        )
        try:
            actor = actor_for(interaction)
            language = await self._dispatcher.language_of(actor)
            apology = Reply(
                text=translate(language, "error.internal", id=error_id), private=True, is_error=True
            )
            if conversation is not None:
                await conversation.send(apology)
            elif not interaction.response.is_done():
                await self._delivery.respond(interaction, apology)
            else:
                await self._delivery.followup(interaction, apology, ephemeral=True)
        except Exception:
            log.exception("could not tell the user about error %s", error_id)
