"""The adapter's one error handler.

User-safe errors never get here: the dispatcher turns them into replies. What does get here is
a bug or an outage; it is logged with the update id and an error id, and the user gets a short
apology quoting that id, in their language.
"""

from __future__ import annotations

import contextlib
import logging
import secrets

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.adapters.telegram._format import escape
from bot.adapters.telegram._sender import TelegramSender
from bot.adapters.telegram._translate import actor_for, chat_ref
from bot.commands import Dispatcher
from core.i18n import translate

log = logging.getLogger(__name__)


class ErrorReporter:
    def __init__(self, dispatcher: Dispatcher, sender: TelegramSender) -> None:
        self._dispatcher = dispatcher
        self._sender = sender

    async def report(self, update: Update, error: BaseException) -> str:
        """Log `error` and apologize to whoever sent `update`; returns the error id."""
        error_id = secrets.token_hex(4)
        log.error(
            "telegram update %s failed (error id %s)", update.update_id, error_id, exc_info=error
        )
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None:
            return error_id
        language = await self._dispatcher.language_of(actor_for(user, chat))
        apology = translate(language, "error.internal", id=error_id)
        try:
            if update.callback_query is not None:  # stop the button's spinner, if still going
                await self._quietly_answer(update.callback_query.id)
            await self._sender.to_chat(
                chat_ref(chat), "send_message", text=escape(apology), parse_mode=ParseMode.HTML
            )
        except Exception:
            log.warning("could not send the apology for error id %s", error_id, exc_info=True)
        return error_id

    async def _quietly_answer(self, query_id: str) -> None:
        with contextlib.suppress(TelegramError):  # answered already
            await self._sender.call("answer_callback_query", callback_query_id=query_id)

    async def on_application_error(self, update: object, context: object) -> None:
        """python-telegram-bot's error handler: errors outside our update handler."""
        error = getattr(context, "error", None)
        log.error("telegram error outside an update (%r)", type(error).__name__, exc_info=error)
