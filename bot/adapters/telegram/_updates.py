"""What each Telegram update does: commands, button presses, answers to prompts, membership.

Every update runs once (`update_id` is remembered in the database), and everything that can
go wrong ends in the one `ErrorReporter`. Group admins are looked up (`getChatMember`) only
before an admin-only command or button.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from telegram import Bot, CallbackQuery, ChatMemberUpdated, Message, Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError

from bot.adapters.telegram._conversation import TelegramConversation
from bot.adapters.telegram._delivery import ReplyDelivery
from bot.adapters.telegram._errors import ErrorReporter
from bot.adapters.telegram._format import ALERT_LIMIT, utf16_len
from bot.adapters.telegram._sender import ChatUnavailable, TelegramSender
from bot.adapters.telegram._translate import (
    ChatRef,
    OpenedPrompt,
    actor_for,
    chat_ref,
    parse_callback_data,
    parse_command,
    parse_prompt_answer,
    pressed_label,
    prompt_kwargs,
    prompt_link,
)
from bot.adapters.telegram._uploads import attached_image
from bot.commands import Dispatcher, error_reply
from bot.commands.spec import CommandSpec
from bot.invocation import Actor, Press
from core.delivery.replies import Reply
from core.domain import ChatKind, Platform
from core.errors import Forbidden, MosaicError
from core.i18n import translate

log = logging.getLogger(__name__)

ADMINS = frozenset({ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER})
GONE = frozenset({ChatMemberStatus.BANNED, ChatMemberStatus.LEFT})


class UpdateRouter:
    def __init__(
        self,
        *,
        bot: Bot,
        dispatcher: Dispatcher,
        delivery: ReplyDelivery,
        sender: TelegramSender,
        reporter: ErrorReporter,
        on_handled: Callable[[int], None] | None = None,
    ) -> None:
        self._bot = bot
        self._dispatcher = dispatcher
        self._services = dispatcher.services
        self._registry = dispatcher.registry
        self._delivery = delivery
        self._sender = sender
        self._reporter = reporter
        self._on_handled = on_handled

    async def handle(self, update: Update, _context: object = None) -> None:
        """The python-telegram-bot handler for every update."""
        try:
            first = await self._services.updates.first_time(
                Platform.TELEGRAM, str(update.update_id)
            )
            if first:
                await self._route(update)
        except ChatUnavailable as gone:
            log.info("update %s: %s", update.update_id, gone)
        except Exception as error:
            await self._reporter.report(update, error)
        finally:
            if self._on_handled is not None:
                self._on_handled(update.update_id)

    async def _route(self, update: Update) -> None:
        if update.callback_query is not None:
            await self._press(update.callback_query)
        elif update.my_chat_member is not None:
            await self._membership(update.my_chat_member)
        elif update.message is not None:
            await self._message(update.message)
        # edited messages and anything else: no effect (a command runs when first sent)

    # ------------------------------------------------------------ messages

    async def _message(self, message: Message) -> None:
        if message.migrate_to_chat_id is not None:
            await self._sender.moved(message.chat.id, message.migrate_to_chat_id)
            return
        user = message.from_user
        if user is None or user.is_bot:
            return
        actor, chat = actor_for(user, message.chat), chat_ref(message.chat)
        conversation = self._conversation(chat, quote=message.message_id if chat.is_group else None)
        if answer := parse_prompt_answer(message, self._bot.id):
            await self._answer_prompt(actor, conversation, answer.token, answer.text)
            return
        typed = parse_command(message, self._bot.username)
        if isinstance(typed, OpenedPrompt):
            await self._open_prompt(actor, chat, conversation, typed.token)
        elif typed is not None:
            await self._command(actor, conversation, typed.line, message)
        elif chat.kind is ChatKind.PRIVATE:
            picture = bool(message.photo) or message.document is not None
            key = "telegram.picture_hint" if picture else "telegram.not_a_command"
            hint = translate(await self._dispatcher.language_of(actor), key)
            await conversation.send(Reply(text=hint))

    async def _command(
        self, actor: Actor, conversation: TelegramConversation, line: str, message: Message
    ) -> None:
        spec = self._spec(line)
        if spec is None and (usage := await self._group_usage(actor, line)) is not None:
            await conversation.send(usage)
            return
        if spec is not None and spec.needs_admin_check and actor.server_id is not None:
            actor = await self._as_admin(actor)
        upload = None
        if spec is not None and spec.upload is not None:  # a photo with it, or answered by it
            post = await self._answered_post(message)
            if post is not None and line.split(maxsplit=1)[1:] == []:
                line = f"{line} {post}"  # `/describe` answering one of our posts: that post
            else:
                upload = attached_image(message, self._sender, spec.upload.max_bytes)
        replies = await self._dispatcher.run_text(actor, line, conversation, upload=upload)
        await self._send_all(conversation, replies)

    async def _answered_post(self, message: Message) -> int | None:
        """The post shown by the message of ours that `message` answers (and has no picture
        of its own), if any."""
        answered = message.reply_to_message
        if message.photo or message.document is not None or answered is None:
            return None
        if answered.from_user is None or answered.from_user.id != self._bot.id:
            return None
        return await self._services.sent_messages.post_for(
            Platform.TELEGRAM, str(message.chat.id), str(answered.message_id)
        )

    def _spec(self, line: str) -> CommandSpec | None:
        try:
            return self._registry.match_text(line, Platform.TELEGRAM)[0]
        except MosaicError:
            return None

    async def _group_usage(self, actor: Actor, line: str) -> Reply | None:
        """`/server` alone: Telegram's menu has one entry per group of subcommands."""
        group = line.removeprefix("/").split(maxsplit=1)[0].lower()
        subs = [
            s for s in self._registry.listed(Platform.TELEGRAM) if s.name.startswith(group + " ")
        ]
        if not subs:
            return None
        language = await self._dispatcher.language_of(actor)
        lines = [
            f"{s.usage(Platform.TELEGRAM)} — {translate(language, s.description_key)}" for s in subs
        ]
        return Reply(
            title=translate(language, "telegram.subcommands", group=group), text="\n".join(lines)
        )

    # ------------------------------------------------------------ buttons

    async def _press(self, query: CallbackQuery) -> None:
        pressed = parse_callback_data(query.data)
        message = query.message
        if pressed is None or message is None or query.data is None:
            await self._answer(query)
            return
        actor, chat = actor_for(query.from_user, message.chat), chat_ref(message.chat)
        try:
            actor = await self._press_actor(actor, pressed.token, owner_check=pressed.asks_text)
        except MosaicError as refused:
            language = await self._dispatcher.language_of(actor)
            await self._answer(query, error_reply(language, refused).text, alert=True)
            return
        conversation = self._conversation(chat)
        if pressed.asks_text:
            await self._answer(query)
            label = pressed_label(message if isinstance(message, Message) else None, query.data)
            await self._prompt(actor, chat, pressed.token, label)
            return
        replies = await self._dispatcher.press(Press(actor, pressed.token), conversation)
        await self._answer_with(query, conversation, replies)

    async def _press_actor(self, actor: Actor, token: str, *, owner_check: bool) -> Actor:
        """The presser, checked for admin rights if the button needs them.

        `owner_check`: refuse someone else's owner-only button now, before asking them for
        text (the dispatcher checks again when the button runs).
        """
        if not owner_check and actor.server_id is None:
            return actor
        action = await self._services.tokens.resolve(token)
        if owner_check and action.owner_id is not None:
            account = await self._dispatcher.account_for(actor)
            if account.id != action.owner_id:
                raise Forbidden("error.not_your_button")
        needs_admin = action.command in self._registry and (
            self._registry.get(action.command).needs_admin_check
        )
        return await self._as_admin(actor) if needs_admin and actor.server_id else actor

    async def _answer_with(
        self, query: CallbackQuery, conversation: TelegramConversation, replies: list[Reply]
    ) -> None:
        """Errors become an alert; one short plain confirmation a toast; the rest messages."""
        errors = [r for r in replies if r.is_error]
        rest = [r for r in replies if not r.is_error]
        if errors and utf16_len(errors[0].text) <= ALERT_LIMIT:
            await self._answer(query, errors[0].text, alert=True)
            rest += errors[1:]
        elif not errors and len(rest) == 1 and _is_toast(rest[0]):
            await self._answer(query, rest[0].text)
            rest = []
        else:
            await self._answer(query)
            rest += errors
        await self._send_all(conversation, rest)

    async def _answer(
        self, query: CallbackQuery, text: str | None = None, *, alert: bool = False
    ) -> None:
        await self._sender.call(
            "answer_callback_query", callback_query_id=query.id, text=text, show_alert=alert
        )

    # ------------------------------------------------------------ prompts

    async def _open_prompt(
        self, actor: Actor, chat: ChatRef, conversation: TelegramConversation, token: str
    ) -> None:
        try:
            actor = await self._press_actor(actor, token, owner_check=True)
        except MosaicError as refused:
            await conversation.send(error_reply(await self._dispatcher.language_of(actor), refused))
            return
        await self._prompt(actor, chat, token, None)

    async def _answer_prompt(
        self, actor: Actor, conversation: TelegramConversation, token: str, text: str
    ) -> None:
        """A reply to a prompt: the button runs with that text, as if pressed with it."""
        try:
            actor = await self._press_actor(actor, token, owner_check=False)
        except MosaicError as refused:
            await conversation.send(error_reply(await self._dispatcher.language_of(actor), refused))
            return
        press = Press(actor, token, text)
        await self._send_all(conversation, await self._dispatcher.press(press, conversation))

    async def _prompt(self, actor: Actor, chat: ChatRef, token: str, label: str | None) -> None:
        """Ask for the text a button needs: a ForceReply message that mentions the presser."""
        language = await self._dispatcher.language_of(actor)
        kwargs = prompt_kwargs(
            language=language,
            user_id=int(actor.user_id),
            name=actor.display_name,
            label=label or translate(language, "telegram.reply_label"),
            link=prompt_link(self._bot.username, token),
        )
        await self._sender.to_chat(chat, "send_message", **kwargs)

    # ------------------------------------------------------------ groups and members

    async def _as_admin(self, actor: Actor) -> Actor:
        assert actor.chat_id is not None
        try:
            member = await self._sender.call(
                "get_chat_member", chat_id=int(actor.chat_id), user_id=int(actor.user_id)
            )
        except TelegramError as error:
            log.warning("could not check admin rights in %s: %s", actor.chat_id, error.message)
            return actor
        return replace(actor, is_admin=member.status in ADMINS)

    async def _membership(self, change: ChatMemberUpdated) -> None:
        chat = chat_ref(change.chat)
        status = change.new_chat_member.status
        if status in GONE:
            await self._sender.unavailable(chat, f"bot {status} in this chat")
        else:
            await self._sender.available_again(chat)

    # ------------------------------------------------------------ helpers

    def _conversation(self, chat: ChatRef, *, quote: int | None = None) -> TelegramConversation:
        return TelegramConversation(
            self._delivery, chat, bot_username=lambda: self._bot.username, quote=quote
        )

    async def _send_all(self, conversation: TelegramConversation, replies: list[Reply]) -> None:
        for reply in replies:
            await conversation.send(reply)


def _is_toast(reply: Reply) -> bool:
    """A short plain confirmation ("You like post #3"): shown where the button was pressed."""
    plain = not (reply.title or reply.footer or reply.images or reply.files or reply.buttons)
    return plain and reply.post_id is None and 0 < utf16_len(reply.text) <= ALERT_LIMIT
