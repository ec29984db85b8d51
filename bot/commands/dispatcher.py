"""Runs commands and button presses: resolve the account, check and convert arguments, call
the handler, turn errors into replies, and give every button a token.

One error tree: a `MosaicError` becomes a localized message; anything else is logged with an
error id and the user sees a short apology quoting that id.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import replace
from typing import Any

from bot.commands.buttons import tokenize
from bot.commands.context import Context
from bot.commands.job_notices import JobNotices
from bot.commands.registry import CommandRegistry
from bot.commands.spec import CommandSpec, ParamKind
from bot.invocation import Actor, Invocation, Press, Upload
from core.delivery.ports import Conversation
from core.delivery.replies import Reply
from core.domain import ChatKind
from core.errors import Forbidden, InvalidInput, MosaicError
from core.i18n import normalize_language, translate
from core.metrics import NO_METRICS, MetricsRecorder
from core.persistence.models import Account
from core.persistence.oldest_first import work_arrived
from core.services import Services

log = logging.getLogger(__name__)


class Dispatcher:
    def __init__(
        self,
        registry: CommandRegistry,
        services: Services,
        notices: JobNotices,
        metrics: MetricsRecorder = NO_METRICS,
    ) -> None:
        self.registry = registry
        self.services = services
        self.notices = notices
        self._metrics = metrics

    async def account_for(self, actor: Actor) -> Account:
        return await self.services.accounts.resolve(
            actor.platform, actor.user_id, actor.display_name, handle_hint=actor.handle_hint
        )

    def _platform_language(self, actor: Actor) -> str:
        return normalize_language(actor.locale) or self.services.settings.default_language

    async def _language_in_place(self, account: Account | None, actor: Actor) -> str:
        """The person's choice, else their server's or group's language, else the platform's."""
        if account is not None and account.language:
            return account.language
        if actor.server_id is not None:
            place = await self.services.destinations.find(actor.platform, actor.server_id)
            if place is not None and place.language:
                return place.language
        return self._platform_language(actor)

    async def language_of(self, actor: Actor) -> str:
        """The actor's language (for messages outside a handler: errors, adapter notices)."""
        try:
            return await self._language_in_place(await self.account_for(actor), actor)
        except Exception:  # the database may be the reason we are answering at all
            return self._platform_language(actor)

    async def run_text(
        self,
        actor: Actor,
        line: str,
        conversation: Conversation,
        *,
        upload: Upload | None = None,
    ) -> list[Reply]:
        """A typed command line (console, Telegram): `/follow @bob`. `upload`: an image sent
        with it (a Telegram photo captioned with the command, or the photo it answers); it
        goes to the command's upload parameter, and a command without one ignores it."""
        return await self._guard(actor, conversation, self._text(actor, line, conversation, upload))

    async def run(self, invocation: Invocation, conversation: Conversation) -> list[Reply]:
        """A command with raw arguments already split by the platform (Discord options)."""
        return await self._guard(
            invocation.actor, conversation, self._invoke(invocation, conversation)
        )

    async def press(self, press: Press, conversation: Conversation) -> list[Reply]:
        return await self._guard(press.actor, conversation, self._press(press, conversation))

    async def _text(
        self, actor: Actor, line: str, conversation: Conversation, upload: Upload | None
    ) -> list[Reply]:
        spec, text = self.registry.match_text(line, actor.platform)
        args: dict[str, Any] = dict(spec.parse_text(text))
        if upload is not None and spec.upload is not None:
            args[spec.upload.name] = upload
        return await self._call(spec, actor, args, conversation)

    async def _invoke(self, invocation: Invocation, conversation: Conversation) -> list[Reply]:
        spec = self.registry.get(invocation.command)
        if not spec.available_on(invocation.actor.platform):
            raise InvalidInput("error.unknown_command", command=spec.name)
        return await self._call(spec, invocation.actor, dict(invocation.args), conversation)

    async def _press(self, press: Press, conversation: Conversation) -> list[Reply]:
        action = await self.services.tokens.resolve(press.token)
        account = await self.account_for(press.actor)
        if action.owner_id is not None and action.owner_id != account.id:
            raise Forbidden("error.not_your_button")
        spec = self.registry.get(action.command)
        args = dict(action.args)
        text_param = next((p for p in spec.params if p.name not in args and p.typed), None)
        if press.text is not None and text_param is not None:
            args[text_param.name] = press.text
        return await self._call(spec, press.actor, args, conversation, account=account)

    async def _call(
        self,
        spec: CommandSpec,
        actor: Actor,
        raw_args: dict[str, Any],
        conversation: Conversation,
        *,
        account: Account | None = None,
    ) -> list[Reply]:
        started = time.monotonic()
        try:
            return await self._answer(spec, actor, raw_args, conversation, account)
        finally:
            self._metrics.command_handled(
                actor.platform.value, spec.name, time.monotonic() - started
            )

    async def _answer(
        self,
        spec: CommandSpec,
        actor: Actor,
        raw_args: dict[str, Any],
        conversation: Conversation,
        account: Account | None,
    ) -> list[Reply]:
        if spec.admin_only:
            require_admin(actor)
        account = account or await self.account_for(actor)
        if spec.restricted:
            await self.services.safety.sanctions.check(account.id, actor.platform, actor.server_id)
        if actor.chat_kind is ChatKind.PRIVATE:  # where notifications can reach them
            await self.services.notifications.remember_direct_chat(
                account.id, actor.platform, conversation.reply_target()
            )
        ctx = Context(
            actor=actor,
            account=account,
            language=await self._language_in_place(account, actor),
            services=self.services,
            conversation=conversation,
            registry=self.registry,
            notices=self.notices,
        )
        args = spec.convert(raw_args)
        for param in spec.params:
            if param.kind is ParamKind.USER and param.name in args:
                args[param.name] = await self.services.accounts.by_handle(args[param.name])
        result = await spec.handler(ctx, **args)
        replies = [result] if isinstance(result, Reply) else list(result)
        if spec.private_reply:
            replies = [replace(r, private=True) for r in replies]
        return [await tokenize(r, self.services.tokens, account.id) for r in replies]

    async def _guard(self, actor: Actor, conversation: Conversation, work: Any) -> list[Reply]:
        # Its statements get connections before those of commands that came in later.
        with work_arrived(time.monotonic()):
            return await self._guarded(actor, conversation, work)

    async def _guarded(self, actor: Actor, conversation: Conversation, work: Any) -> list[Reply]:
        try:
            return await work
        except MosaicError as error:
            language = await self.language_of(actor)
            return [error_reply(language, error)]
        except Exception:
            error_id = secrets.token_hex(4)
            log.exception(
                "unhandled error %s for %s user %s in chat %s",
                error_id,
                actor.platform,
                actor.user_id,
                actor.chat_id,
            )
            language = await self.language_of(actor)
            return [
                Reply(
                    text=translate(language, "error.internal", id=error_id),
                    private=True,
                    is_error=True,
                )
            ]


def require_admin(actor: Actor) -> None:
    if actor.server_id is None or actor.chat_kind is ChatKind.PRIVATE:
        raise InvalidInput("error.server_only")
    if not actor.is_admin:
        raise Forbidden("error.admins_only")


def error_reply(language: str, error: MosaicError) -> Reply:
    return Reply(text=translate(language, error.key, **error.params), private=True, is_error=True)
