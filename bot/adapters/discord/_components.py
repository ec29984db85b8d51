"""Buttons that survive restarts, and the modal that asks for text.

A button carries only `mosaic:<token>` (plus `:ask` when pressing it should ask for text
first); the token is resolved from the database when pressed. One `DynamicItem` class is
registered on the client at start-up and matches every such `custom_id`, so a button on a
message sent before a restart, or by another process, still works. Nothing is kept in memory
per message.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.adapters.discord._client import ButtonHandler, MosaicClient

CUSTOM_ID_PREFIX = "mosaic:"
ASK_SUFFIX = ":ask"
CUSTOM_ID_MAX = 100
MODAL_TITLE_MAX = 45
TEXT_LABEL_MAX = 45
TEXT_INPUT_MAX = 4000
MODAL_TIMEOUT = 15 * 60.0  # the interaction token's life; a modal left open longer is dropped

TEMPLATE = re.compile(r"mosaic:(?P<token>[a-z0-9]{1,64})(?P<ask>:ask)?")


def custom_id_for(token: str, *, asks_for_text: bool) -> str:
    custom_id = CUSTOM_ID_PREFIX + token + (ASK_SUFFIX if asks_for_text else "")
    if len(custom_id) > CUSTOM_ID_MAX or not TEMPLATE.fullmatch(custom_id):
        raise ValueError(f"unusable button token {token!r}")
    return custom_id


def _handler(interaction: discord.Interaction) -> ButtonHandler:
    client = interaction.client
    if not isinstance(client, MosaicClient):
        raise TypeError(f"Mosaic's buttons need a MosaicClient, not {type(client).__name__}")
    return client.mosaic_buttons


class MosaicButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TEMPLATE):
    def __init__(
        self,
        token: str,
        *,
        label: str,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        asks_for_text: bool = False,
        row: int | None = None,
    ) -> None:
        self.token = token
        self.asks_for_text = asks_for_text
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=label, style=style, custom_id=custom_id_for(token, asks_for_text=asks_for_text)
        )
        super().__init__(button, row=row)

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> MosaicButton:
        label = getattr(item, "label", None) or ""
        style = getattr(item, "style", discord.ButtonStyle.secondary)
        return cls(match["token"], label=label, style=style, asks_for_text=bool(match["ask"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await _handler(interaction).on_button(
            interaction, self.token, asks_for_text=self.asks_for_text
        )


TextCallback = Callable[[discord.Interaction, str], Awaitable[None]]
FailureCallback = Callable[[discord.Interaction, BaseException], Awaitable[None]]


class TextModal(discord.ui.Modal):
    """One multi-line text field; its answer goes to `on_text`."""

    def __init__(
        self,
        *,
        title: str,
        label: str,
        max_length: int,
        on_text: TextCallback,
        on_failure: FailureCallback,
    ) -> None:
        super().__init__(title=_fit(title, MODAL_TITLE_MAX), timeout=MODAL_TIMEOUT)
        self._on_text = on_text
        self._on_failure = on_failure
        self.answer: discord.ui.TextInput[TextModal] = discord.ui.TextInput(
            label=_fit(label, TEXT_LABEL_MAX),
            style=discord.TextStyle.paragraph,
            max_length=max(1, min(max_length, TEXT_INPUT_MAX)),
        )
        self.add_item(self.answer)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self._on_text(interaction, self.answer.value)

    # discord.py's own Modal.on_error leaves out BaseView.on_error's item argument; this
    # overrides Modal's, as its documentation says
    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction, error: Exception, /
    ) -> None:
        await self._on_failure(interaction, error)


def _fit(text: str, limit: int) -> str:
    text = text.strip() or "…"
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
