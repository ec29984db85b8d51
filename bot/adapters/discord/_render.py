"""A neutral `Reply` as a Discord message: content, one embed, image attachments, buttons.

Every limit Discord enforces is applied here, so nothing we send is ever rejected for its
size: content ≤ 2,000 characters, an embed's title ≤ 256, description ≤ 4,096, footer
≤ 2,048 and all of them together ≤ 6,000; ≤ 10 attachments under the upload cap; ≤ 5 rows
of ≤ 5 buttons whose `custom_id` is ≤ 100 characters. Text is cut at a word boundary with
an ellipsis, never in the middle of a word when that can be avoided.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from typing import TypedDict

import discord

from bot.adapters.discord._components import MosaicButton
from core.delivery.replies import Button, ButtonStyle, ImageRef, Reply

log = logging.getLogger(__name__)

CONTENT_MAX = 2000
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FOOTER_MAX = 2048
EMBED_TOTAL_MAX = 6000
ATTACHMENTS_MAX = 10
ROWS_MAX = 5
BUTTONS_PER_ROW = 5
BUTTON_LABEL_MAX = 80
DEFAULT_UPLOAD_CAP = 10 * 1024 * 1024
# Files up to this size are read into memory when rendered: aiohttp sends bytes without a
# thread, where an open file costs a thread hand-off for every 64 KiB read and one more to
# "close" it (discord.py stubs the close out). One read from the page cache is cheaper.
IN_MEMORY_MAX = 1024 * 1024

COLOR = discord.Colour(0x7C5CFF)
ERROR_COLOR = discord.Colour(0xE5484D)
ELLIPSIS = "…"

_STYLES = {
    ButtonStyle.PRIMARY: discord.ButtonStyle.primary,
    ButtonStyle.SECONDARY: discord.ButtonStyle.secondary,
    ButtonStyle.DANGER: discord.ButtonStyle.danger,
}


def cut(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, cut at a space or line break when one is near."""
    if len(text) <= limit:
        return text
    head = text[: limit - len(ELLIPSIS)]
    boundary = max(head.rfind(" "), head.rfind("\n"))
    if boundary >= limit * 0.8:
        head = head[:boundary]
    return head.rstrip() + ELLIPSIS


class SendArguments(TypedDict, total=False):
    content: str
    embeds: list[discord.Embed]
    files: list[discord.File]
    view: discord.ui.View


class EditArguments(TypedDict):
    content: str | None
    embeds: list[discord.Embed]
    attachments: list[discord.File]
    view: discord.ui.View | None


@dataclass(slots=True)
class Rendered:
    """Keyword arguments for discord.py's send and edit calls (files are single-use)."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    files: list[discord.File] = field(default_factory=list)
    view: discord.ui.View | None = None

    def send_kwargs(self) -> SendArguments:
        kwargs: SendArguments = {"embeds": self.embeds, "files": self.files}
        if self.content is not None:
            kwargs["content"] = self.content
        if self.view is not None:
            kwargs["view"] = self.view
        return kwargs

    def edit_kwargs(self) -> EditArguments:
        """An edit replaces everything: missing parts are cleared, not kept."""
        return {
            "content": self.content,
            "embeds": self.embeds,
            "attachments": self.files,
            "view": self.view,
        }


def render(reply: Reply, *, upload_cap: int = DEFAULT_UPLOAD_CAP) -> Rendered:
    files = _files(reply.images, upload_cap)
    documents = _files(reply.files, upload_cap, prefix="file-")  # plain attachments
    rendered = Rendered(files=files + documents, view=_view(reply.buttons))
    text = f"⚠️ {reply.text}" if reply.is_error else reply.text
    plain = reply.title is None and reply.footer is None and not files
    if plain and len(text) <= CONTENT_MAX:
        rendered.content = text or ELLIPSIS
        return rendered
    rendered.embeds = [_embed(reply, text, files)]
    return rendered


def _embed(reply: Reply, text: str, files: list[discord.File]) -> discord.Embed:
    title = cut(reply.title, TITLE_MAX) if reply.title else None
    footer = cut(reply.footer, FOOTER_MAX) if reply.footer else None
    room = EMBED_TOTAL_MAX - len(title or "") - len(footer or "")
    description = cut(text, min(DESCRIPTION_MAX, room)) if text else None
    embed = discord.Embed(
        title=title,
        description=description,
        colour=ERROR_COLOR if reply.is_error else COLOR,
    )
    if footer:
        embed.set_footer(text=footer)
    if files:
        embed.set_image(url=f"attachment://{files[0].filename}")
    return embed


def _files(
    images: tuple[ImageRef, ...], upload_cap: int, *, prefix: str = ""
) -> list[discord.File]:
    files: list[discord.File] = []
    for index, image in enumerate(images):
        if len(files) == ATTACHMENTS_MAX:
            log.warning("reply has %d images; sending the first %d", len(images), ATTACHMENTS_MAX)
            break
        try:
            size = image.path.stat().st_size
        except OSError:
            log.warning("image %s is missing; sent without it", image.path.name)
            continue
        if size > upload_cap:
            log.warning("image %s (%d bytes) exceeds the upload cap", image.path.name, size)
            continue
        name = prefix + (image.filename if index == 0 else f"{index}-{image.filename}")
        try:
            source = io.BytesIO(image.path.read_bytes()) if size <= IN_MEMORY_MAX else image.path
        except OSError:
            log.warning("image %s is missing; sent without it", image.path.name)
            continue
        files.append(discord.File(source, filename=name, description=image.alt[:1024] or None))
    return files


def _view(rows: tuple[tuple[Button, ...], ...]) -> discord.ui.View | None:
    if not rows:
        return None
    if len(rows) > ROWS_MAX or any(len(row) > BUTTONS_PER_ROW for row in rows):
        log.warning("reply has more buttons than Discord shows; extra buttons are left out")
    view = discord.ui.View(timeout=None)
    for row_index, row in enumerate(rows[:ROWS_MAX]):
        for button in row[:BUTTONS_PER_ROW]:
            if button.url is not None:  # a link: Discord opens it, no interaction comes back
                label = cut(button.label, BUTTON_LABEL_MAX)
                style = discord.ButtonStyle.link
                view.add_item(discord.ui.Button(label=label, url=button.url, style=style))
                continue
            if button.token is None:
                raise ValueError(f"button {button.label!r} has no token (not dispatched?)")
            view.add_item(
                MosaicButton(
                    button.token,
                    label=cut(button.label, BUTTON_LABEL_MAX),
                    style=_STYLES[button.style],
                    asks_for_text=button.text_input is not None,
                    row=row_index,
                )
            )
    return view
