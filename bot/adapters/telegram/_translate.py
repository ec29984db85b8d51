"""Telegram ⇄ Mosaic, both directions in one place (in the style of hikari's entity factory).

Inbound: who acts and where (`Actor`), typed commands (`/cmd@bot args`, deep links
`/start post_<id>`), button presses (`callback_data`) and answers to a reply prompt.
Outbound: a neutral `Reply` becomes Bot API calls (`BotCall`: a Bot method and its keyword
arguments) — sendMessage, sendPhoto, sendMediaGroup, sendDocument — with inline keyboards.

Buttons carry only their dispatcher token. A button that first asks for text carries
`ask:<token>`; pressing it sends a ForceReply prompt whose text links the token
(`t.me/<bot>?start=ask_<token>`) and mentions the presser, so the answer — a reply to the
prompt — can be matched with no server-side state (any process behind a webhook can take it).
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from telegram import (
    Chat,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
    MessageEntity,
    ReplyParameters,
    User,
    WebAppInfo,
)
from telegram.constants import ParseMode

from bot.adapters.telegram._format import (
    BUTTON_LABEL_LIMIT,
    CAPTION_LIMIT,
    PLACEHOLDER_LIMIT,
    TEXT_LIMIT,
    compose,
    cut,
    escape,
    visible,
)
from bot.invocation import Actor
from core.delivery.replies import Button, Reply
from core.domain import ChatKind, Platform
from core.i18n import translate

CALLBACK_DATA_LIMIT = 64  # bytes
PHOTO_BYTES_LIMIT = 10 * 1024 * 1024
ALBUM_MAX = 10  # sendMediaGroup takes 2–10 items
ASK_PREFIX = "ask:"
FILLER = "·"  # a keyboard needs a message with some text
_POST_PAYLOAD = re.compile(r"post_(\d{1,18})")
_ASK_PAYLOAD = re.compile(r"ask_([a-z0-9]{1,40})")
_ASK_URL = re.compile(r"[?&]start=ask_([a-z0-9]{1,40})$")
_WHO, _LABEL = "\x00who\x00", "\x00label\x00"


# ---------------------------------------------------------------- inbound


@dataclass(frozen=True, slots=True)
class ChatRef:
    """Where to send: a Telegram chat id and what kind of chat it is."""

    id: int
    kind: ChatKind = ChatKind.PRIVATE

    @property
    def is_group(self) -> bool:
        return self.kind is not ChatKind.PRIVATE


def chat_kind(chat_type: str) -> ChatKind:
    if chat_type == Chat.PRIVATE:
        return ChatKind.PRIVATE
    if chat_type == Chat.CHANNEL:
        return ChatKind.CHANNEL
    return ChatKind.GROUP  # group, supergroup


def chat_ref(chat: Chat) -> ChatRef:
    return ChatRef(chat.id, chat_kind(chat.type))


def actor_for(user: User, chat: Chat) -> Actor:
    kind = chat_kind(chat.type)
    return Actor(
        platform=Platform.TELEGRAM,
        user_id=str(user.id),
        display_name=user.full_name,
        handle_hint=user.username or user.first_name,
        locale=user.language_code,
        chat_id=str(chat.id),
        chat_kind=kind,
        chat_title="" if kind is ChatKind.PRIVATE else chat.title or "",
        server_id=None if kind is ChatKind.PRIVATE else str(chat.id),
    )


@dataclass(frozen=True, slots=True)
class TypedCommand:
    """A command line for the dispatcher: `/follow @bob`."""

    line: str


@dataclass(frozen=True, slots=True)
class OpenedPrompt:
    """`/start ask_<token>`: a reply prompt's link, opened in a private chat."""

    token: str


def parse_command(message: Message, bot_username: str) -> TypedCommand | OpenedPrompt | None:
    """The command in a message (its text, or a photo's or file's caption), or None (not a
    command, or addressed to another bot)."""
    captioned = message.text is None
    text = message.caption if captioned else message.text
    entities = message.caption_entities if captioned else message.entities
    first = entities[0] if entities else None
    if not text or first is None or first.type != MessageEntity.BOT_COMMAND or first.offset:
        return None
    word = message.parse_caption_entity(first) if captioned else message.parse_entity(first)
    name, _, addressee = word[1:].partition("@")
    if addressee and addressee.lower() != bot_username.lower():
        return None
    rest = text[len(word) :].strip()
    name = name.lower()
    if name == "start":
        return _start(rest)
    return TypedCommand(f"/{name} {rest}" if rest else f"/{name}")


def _start(payload: str) -> TypedCommand | OpenedPrompt:
    if post := _POST_PAYLOAD.fullmatch(payload):
        return TypedCommand(f"/show {post.group(1)}")
    if ask := _ASK_PAYLOAD.fullmatch(payload):
        return OpenedPrompt(ask.group(1))
    return TypedCommand("/help")


@dataclass(frozen=True, slots=True)
class Pressed:
    token: str
    asks_text: bool


def parse_callback_data(data: str | None) -> Pressed | None:
    if not data:
        return None
    if data.startswith(ASK_PREFIX):
        return Pressed(data.removeprefix(ASK_PREFIX), asks_text=True)
    return Pressed(data, asks_text=False)


def pressed_label(message: Message | None, data: str) -> str | None:
    """The label of the button that carried `data` in `message`'s inline keyboard."""
    markup = message.reply_markup if message is not None else None
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            if button.callback_data == data:
                return button.text
    return None


@dataclass(frozen=True, slots=True)
class PromptAnswer:
    token: str
    text: str


def parse_prompt_answer(message: Message, bot_id: int) -> PromptAnswer | None:
    """A reply to one of our prompts, by the person it asked; else None."""
    prompt = message.reply_to_message
    if message.text is None or prompt is None or prompt.from_user is None:
        return None
    if prompt.from_user.id != bot_id:
        return None
    token, asked = None, None
    for entity in prompt.entities:
        if entity.type == MessageEntity.TEXT_LINK and entity.url:
            if found := _ASK_URL.search(entity.url):
                token = found.group(1)
        elif entity.type == MessageEntity.TEXT_MENTION and entity.user:
            asked = entity.user.id
    if token is None:
        return None
    if asked is not None and (message.from_user is None or message.from_user.id != asked):
        return None
    return PromptAnswer(token, message.text)


def post_link(bot_username: str, post_id: int) -> str:
    return f"https://t.me/{bot_username}?start=post_{post_id}"


def prompt_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start=ask_{token}"


# ---------------------------------------------------------------- outbound


@dataclass(frozen=True, slots=True)
class Photo:
    """Image bytes loaded from the store, ready to upload (and to re-upload on a retry)."""

    data: bytes
    filename: str


@dataclass(frozen=True, slots=True)
class BotCall:
    """One Bot API call: `method` is the python-telegram-bot Bot method name."""

    method: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    main: bool = False  # the message that stands for the reply (its edits go there)


def callback_data(button: Button) -> str:
    if button.token is None:
        raise ValueError(f"button {button.label!r} has no token: replies come from the dispatcher")
    data = ASK_PREFIX + button.token if button.text_input else button.token
    if len(data.encode()) > CALLBACK_DATA_LIMIT:
        raise ValueError(f"callback data of {button.label!r} is over {CALLBACK_DATA_LIMIT} bytes")
    return data


def inline_button(button: Button) -> InlineKeyboardButton:
    label = cut(button.label, BUTTON_LABEL_LIMIT)
    if button.url is not None and button.opens_app:
        return InlineKeyboardButton(label, web_app=WebAppInfo(button.url))
    if button.url is not None:
        return InlineKeyboardButton(label, url=button.url)
    return InlineKeyboardButton(label, callback_data=callback_data(button))


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    rows = [[inline_button(b) for b in row] for row in reply.buttons if row]
    return InlineKeyboardMarkup(rows) if rows else None


def text_kwargs(reply: Reply) -> dict[str, Any]:
    text = compose(
        title=reply.title,
        body=reply.text,
        footer=reply.footer,
        limit=TEXT_LIMIT,
        warning=reply.is_error,
    )
    return {"text": text or FILLER, "parse_mode": ParseMode.HTML, "reply_markup": keyboard(reply)}


def caption_kwargs(reply: Reply) -> dict[str, Any]:
    caption = compose(
        title=reply.title,
        body=reply.text,
        footer=reply.footer,
        limit=CAPTION_LIMIT,
        warning=reply.is_error,
    )
    return {
        "caption": caption or None,
        "parse_mode": ParseMode.HTML,
        "reply_markup": keyboard(reply),
    }


def album_chunks(photos: Sequence[Photo]) -> list[Sequence[Photo]]:
    """Balanced albums of 2–10 photos (11 → 6 + 5, never 10 + 1)."""
    count = math.ceil(len(photos) / ALBUM_MAX)
    size = math.ceil(len(photos) / count)
    return [photos[i : i + size] for i in range(0, len(photos), size)]


def reply_calls(
    reply: Reply,
    photos: Sequence[Photo],
    files: Sequence[Photo] = (),
    *,
    reply_to: int | None = None,
) -> list[BotCall]:
    """The calls that show `reply`: one photo with its caption and keyboard; albums, then
    a message with the text and keyboard; files as documents; or one text message."""
    oversized = [p for p in photos if len(p.data) > PHOTO_BYTES_LIMIT]
    photos = [p for p in photos if len(p.data) <= PHOTO_BYTES_LIMIT]
    files = [*oversized, *files]
    has_text = visible(reply.title, reply.text, reply.footer) or bool(reply.buttons)
    calls: list[BotCall] = []
    main = 0
    if len(photos) == 1:
        photo = {"photo": photos[0].data, "filename": photos[0].filename}
        calls.append(BotCall("send_photo", photo | caption_kwargs(reply)))
    elif photos:
        for chunk in album_chunks(photos):
            media = [InputMediaPhoto(p.data, filename=p.filename) for p in chunk]
            calls.append(BotCall("send_media_group", {"media": media}))
        if has_text:
            main = len(calls)
            calls.append(BotCall("send_message", text_kwargs(reply)))
    for index, document in enumerate(files):
        kwargs: dict[str, Any] = {"document": document.data, "filename": document.filename}
        if index == 0 and not photos:
            main = len(calls)
            kwargs |= caption_kwargs(reply)
        calls.append(BotCall("send_document", kwargs))
    if not photos and not files and has_text:
        calls.append(BotCall("send_message", text_kwargs(reply)))
    if not calls:
        return []
    calls[main] = BotCall(calls[main].method, calls[main].kwargs, main=True)
    if reply_to is not None:
        first = calls[0]
        calls[0] = BotCall(first.method, first.kwargs | _quoting(reply_to), first.main)
    return calls


def _quoting(message_id: int) -> dict[str, Any]:
    return {"reply_parameters": ReplyParameters(message_id, allow_sending_without_reply=True)}


def media_kwargs(reply: Reply, photo: Photo) -> dict[str, Any]:
    """editMessageMedia: a new photo with the reply's caption and keyboard."""
    caption = caption_kwargs(reply)
    media = InputMediaPhoto(
        photo.data, filename=photo.filename, caption=caption["caption"], parse_mode=ParseMode.HTML
    )
    return {"media": media, "reply_markup": caption["reply_markup"]}


def prompt_kwargs(
    *, language: str, user_id: int, name: str, label: str, link: str
) -> dict[str, Any]:
    """A ForceReply prompt that mentions the presser and links the button's token."""
    template = escape(translate(language, "telegram.reply_prompt", who=_WHO, label=_LABEL))
    who = f'<a href="tg://user?id={user_id}">{escape(cut(name, BUTTON_LABEL_LIMIT))}</a>'
    label = cut(label, BUTTON_LABEL_LIMIT)
    linked = f'<a href="{html.escape(link, quote=True)}">{escape(label)}</a>'
    return {
        "text": template.replace(_WHO, who).replace(_LABEL, linked),
        "parse_mode": ParseMode.HTML,
        "reply_markup": ForceReply(
            selective=True, input_field_placeholder=cut(label, PLACEHOLDER_LIMIT)
        ),
    }
