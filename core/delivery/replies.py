"""Neutral replies: what a command answers, before any platform renders it.

Adapters turn a `Reply` into a console print, a Telegram message with an inline keyboard, or a
Discord message with an embed and buttons. Texts are already in the user's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any


class ButtonStyle(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    DANGER = "danger"


@dataclass(frozen=True, slots=True)
class TextInput:
    """Pressing the button first asks the presser for text, passed to the command as `arg`."""

    arg: str
    label: str
    max_length: int


@dataclass(frozen=True, slots=True)
class Button:
    """Runs `command` with `args` as the presser, exactly as if they had typed it."""

    label: str
    command: str
    args: dict[str, Any] = field(default_factory=dict)
    owner_only: bool = False  # only the person the reply was for may press it
    text_input: TextInput | None = None
    style: ButtonStyle = ButtonStyle.SECONDARY
    token: str | None = None  # set by the dispatcher: what the platform carries
    url: str | None = None  # a link button: opens this address and runs no command
    opens_app: bool = False  # the link is the Telegram Mini App (a web_app button there)


@dataclass(frozen=True, slots=True)
class ImageRef:
    path: Path
    alt: str = ""

    @property
    def filename(self) -> str:
        return self.path.name


@dataclass(frozen=True, slots=True)
class Reply:
    text: str = ""
    title: str | None = None
    images: tuple[ImageRef, ...] = ()
    buttons: tuple[tuple[Button, ...], ...] = ()
    footer: str | None = None
    private: bool = False  # only the invoking user should see it (Discord ephemeral)
    is_error: bool = False
    post_id: int | None = None  # the post this reply shows (native reactions count as likes)
    shows: tuple[int, ...] = ()  # more posts it shows (a digest): a takedown retracts it too
    files: tuple[ImageRef, ...] = ()  # sent as files, as they are (exports, full images)

    def with_buttons(self, buttons: tuple[tuple[Button, ...], ...]) -> Reply:
        return replace(self, buttons=buttons)
