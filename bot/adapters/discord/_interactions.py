"""Interactions in, invocations out: slash commands, buttons, modals and the remix menu.

Every interaction is acknowledged first — `defer()` before any database work, so the 3 s
deadline holds however slow the handler is — then de-duplicated by its id, dispatched, and
answered through an `InteractionConversation`. A button that asks for text answers with a
modal instead of a defer; the modal's answer is dispatched like a press.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.adapters.discord._actor import actor_for
from bot.adapters.discord._components import TextModal
from bot.adapters.discord._conversation import InteractionConversation
from bot.adapters.discord._delivery import DiscordDelivery, Undeliverable
from bot.adapters.discord._errors import ErrorReporter
from bot.adapters.discord._messenger import DiscordMessenger
from bot.adapters.discord._tracking import InFlight
from bot.adapters.discord._uploads import attachment_upload
from bot.commands import CommandSpec, Dispatcher
from bot.commands.spec import Param
from bot.invocation import Actor, Invocation, Press
from core.clock import Clock
from core.delivery.replies import Reply
from core.domain import Platform
from core.errors import MosaicError
from core.i18n import translate

log = logging.getLogger(__name__)

UNKNOWN_INTERACTION = 10062  # answered too late, or never existed
ALREADY_ACKNOWLEDGED = 40060  # another process (or a re-delivery) got there first
REMIX_COMMAND = "remix"
DESCRIBE_COMMAND = "describe"

Work = Callable[[Actor, InteractionConversation], Awaitable[list[Reply]]]


class InteractionHandler:
    def __init__(
        self,
        *,
        client: discord.Client,
        dispatcher: Dispatcher,
        delivery: DiscordDelivery,
        messenger: DiscordMessenger,
        errors: ErrorReporter,
        clock: Clock,
        in_flight: InFlight,
    ) -> None:
        self._client = client
        self._dispatcher = dispatcher
        self._services = dispatcher.services
        self._delivery = delivery
        self._messenger = messenger
        self._errors = errors
        self._clock = clock
        self._in_flight = in_flight

    # --- slash commands ---------------------------------------------------------------
    async def on_command(
        self, interaction: discord.Interaction, spec: CommandSpec, args: dict[str, Any]
    ) -> None:
        async def work(actor: Actor, conversation: InteractionConversation) -> list[Reply]:
            return await self._dispatcher.run(Invocation(actor, spec.name, args), conversation)

        with self._in_flight.track():
            await self._deferred(interaction, work, ephemeral=spec.private_reply, thinking=True)

    # --- buttons ------------------------------------------------------------------------
    async def on_button(
        self, interaction: discord.Interaction, token: str, *, asks_for_text: bool
    ) -> None:
        with self._in_flight.track():
            try:
                if asks_for_text and await self._ask_for_text(interaction, token):
                    return
                # DEFERRED_UPDATE: no "thinking…" message; every answer is its own follow-up,
                # public or ephemeral as the command decides.
                await self._deferred(interaction, self._press(token, None), thinking=False)
            except Exception as error:
                await self._errors.report(interaction, error)

    def _press(self, token: str, text: str | None) -> Work:
        async def work(actor: Actor, conversation: InteractionConversation) -> list[Reply]:
            return await self._dispatcher.press(Press(actor, token, text), conversation)

        return work

    async def _ask_for_text(self, interaction: discord.Interaction, token: str) -> bool:
        """Open a modal for the button's text; False when pressing should just go ahead (the
        dispatcher then answers: an expired button, or someone else's)."""
        actor = actor_for(interaction)
        try:
            action = await self._services.tokens.resolve(token)
            spec = self._dispatcher.registry.get(action.command)
        except MosaicError:
            return False
        if action.owner_id is not None:
            account = await self._dispatcher.account_for(actor)
            if account.id != action.owner_id:
                return False
        param = next((p for p in spec.params if p.name not in action.args and p.typed), None)
        if param is None:
            return False
        language = await self._dispatcher.language_of(actor)

        async def on_text(submitted: discord.Interaction, text: str) -> None:
            with self._in_flight.track():
                await self._deferred(
                    submitted, self._press(token, text), ephemeral=spec.private_reply, thinking=True
                )

        title = translate(language, spec.description_key)
        await self._delivery.send_modal(
            interaction, self._modal(title, spec, param, language, on_text)
        )
        return True

    def _modal(
        self,
        title: str,
        spec: CommandSpec,
        param: Param,
        language: str,
        on_text: Callable[[discord.Interaction, str], Awaitable[None]],
    ) -> TextModal:
        return TextModal(
            title=title,
            label=translate(language, spec.param_description_key(param)),
            max_length=param.max_length,
            on_text=on_text,
            on_failure=self._errors.report,
        )

    # --- the "Remix with Mosaic" message menu -------------------------------------------
    async def on_remix_menu(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        with self._in_flight.track():
            try:
                await self._open_remix(interaction, message)
            except Exception as error:
                await self._errors.report(interaction, error)

    async def _open_remix(self, interaction: discord.Interaction, message: discord.Message) -> None:
        actor = actor_for(interaction)
        language = await self._dispatcher.language_of(actor)
        post_id = None
        if self._client.user is not None and message.author.id == self._client.user.id:
            post_id = await self._services.sent_messages.post_for(
                Platform.DISCORD, str(message.channel.id), str(message.id)
            )
        if post_id is None:
            text = translate(language, "discord.remix.not_a_post")
            await self._delivery.respond(interaction, Reply(text=text, private=True, is_error=True))
            return
        spec = self._dispatcher.registry.get(REMIX_COMMAND)
        prompt = next(p for p in spec.params if p.name == "prompt")

        async def on_text(submitted: discord.Interaction, text: str) -> None:
            async def work(actor: Actor, conversation: InteractionConversation) -> list[Reply]:
                invocation = Invocation(actor, REMIX_COMMAND, {"post": post_id, "prompt": text})
                return await self._dispatcher.run(invocation, conversation)

            with self._in_flight.track():
                await self._deferred(submitted, work, ephemeral=spec.private_reply, thinking=True)

        title = translate(language, "discord.remix.title", post=post_id)
        await self._delivery.send_modal(
            interaction, self._modal(title, spec, prompt, language, on_text)
        )

    # --- the "Describe with Mosaic" message menu ----------------------------------------
    async def on_describe_menu(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        """/describe for a message: the post it shows (one of ours), else its picture (its
        first image attachment, fetched like the command's attachment option)."""
        with self._in_flight.track():
            try:
                work = self._describe(message)
                await self._deferred(interaction, work, ephemeral=True, thinking=True)
            except Exception as error:
                await self._errors.report(interaction, error)

    def _describe(self, message: discord.Message) -> Work:
        async def work(actor: Actor, conversation: InteractionConversation) -> list[Reply]:
            post_id = None
            if self._client.user is not None and message.author.id == self._client.user.id:
                post_id = await self._services.sent_messages.post_for(
                    Platform.DISCORD, str(message.channel.id), str(message.id)
                )
            if post_id is not None:
                args: dict[str, Any] = {"target": str(post_id)}
            else:
                files = message.attachments
                pictures = [a for a in files if (a.content_type or "").startswith("image/")]
                chosen = next(iter(pictures or files), None)
                if chosen is None:
                    language = await self._dispatcher.language_of(actor)
                    text = translate(language, "discord.describe.no_picture")
                    return [Reply(text=text, private=True, is_error=True)]
                args = {"image": attachment_upload(chosen)}
            invocation = Invocation(actor, DESCRIBE_COMMAND, args)
            return await self._dispatcher.run(invocation, conversation)

        return work

    # --- the common path -------------------------------------------------------------------
    async def _deferred(
        self,
        interaction: discord.Interaction,
        work: Work,
        *,
        ephemeral: bool = False,
        thinking: bool,
    ) -> None:
        started = self._clock.now()
        try:
            await self._delivery.defer(interaction, ephemeral=ephemeral, thinking=thinking)
        except discord.HTTPException as error:
            if error.code in (UNKNOWN_INTERACTION, ALREADY_ACKNOWLEDGED):
                log.warning("discord interaction %s not acknowledged: %s", interaction.id, error)
                return
            raise
        actor = actor_for(interaction)
        conversation = InteractionConversation(
            interaction,
            actor,
            delivery=self._delivery,
            messenger=self._messenger,
            clock=self._clock,
            started=started,
            deferred_ephemeral=ephemeral and thinking,
            original_pending=thinking,
        )
        try:
            if await self._services.updates.first_time(Platform.DISCORD, str(interaction.id)):
                # The dispatcher logs a handler's failure with user and chat; this line ties
                # those to the interaction id.
                log.debug(
                    "discord interaction %s by user %s in chat %s",
                    interaction.id,
                    actor.user_id,
                    actor.chat_id,
                )
                for reply in await work(actor, conversation):
                    await conversation.send(reply)
            else:
                log.info("discord interaction %s seen before; ignored", interaction.id)
            await conversation.finish()
        except Undeliverable:
            return  # reported and paused by the send path; the chat cannot be reached at all
        except Exception as error:
            await self._errors.report(interaction, error, conversation)
