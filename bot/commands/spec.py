"""Command specs: name, localized description, typed parameters with limits.

Every platform renders the same specs: the console and Telegram parse typed text against them,
Discord turns them into slash commands with options and choices. Descriptions are message keys
(`cmd.<name>` and `param.<name>.<param>`, spaces as dots) in the i18n catalogs.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from bot.invocation import Upload
from core.domain import Platform
from core.errors import InvalidInput
from core.user_text import parse_handle, parse_number, strip_control

if TYPE_CHECKING:
    from core.delivery.replies import Reply

Handler = Callable[..., Awaitable["Reply | Sequence[Reply]"]]

NAME_PATTERN = re.compile(r"^[-_a-z0-9]{1,32}$")
POST_ID_DIGITS = 18
# What one uploaded image may weigh: OpenAI's limit for one image input, and the most a bot
# may download from Telegram (getFile answers "file is too big" above 20 MB).
UPLOAD_MAX_BYTES = 20 * 1024 * 1024
# Phones turn `--` into a dash: `—style` and `–style` are the `--style` option too.
_OPTION = re.compile(
    r"^(?:--|\u2014|\u2013)([a-z][-_a-z0-9]*)(?:=(.*))?$", re.IGNORECASE | re.DOTALL
)


class ParamKind(StrEnum):
    WORD = "word"  # one word of text
    TEXT = "text"  # the rest of the line (must be the last parameter)
    INT = "int"
    USER = "user"  # a handle: `bob` or `@bob`; handlers get the Account
    POST = "post"  # a post id: `12` or `#12`; handlers get the int
    CHOICE = "choice"  # one of `choices`
    PATH = "path"  # a file path: "quoted", 'quoted' or with backslash-escaped spaces
    # An uploaded image, never typed: a Discord attachment option, a Telegram photo (or image
    # document) captioned with the command or answered by it; handlers get the `Upload`.
    UPLOAD = "upload"


_QUOTES = {'"': '"', "'": "'", "“": "”", "„": "“"}


def split_path(text: str) -> tuple[str, str]:
    """The path at the start of `text`, and the rest: `"My Pictures/a.png" caption`,
    `My\\ Pictures/a.png caption` and `a.png caption` give ("…a.png", "caption"). A backslash
    escapes only a space, a quote or a backslash, so `C:\\Users\\a.png` stays as it is."""
    text = text.strip()
    closing = _QUOTES.get(text[:1])
    if closing is not None:
        end = text.find(closing, 1)
        if end > 0:
            return text[1:end], text[end + 1 :].strip()
    path: list[str] = []
    index = 0
    while index < len(text) and not text[index].isspace():
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in " \\\"'":
            char = text[index + 1]
            index += 1
        path.append(char)
        index += 1
    return "".join(path), text[index:].strip()


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    kind: ParamKind
    required: bool = True
    max_length: int = 100
    min_value: int | None = None
    max_value: int | None = None
    choices: tuple[str, ...] = ()
    autocomplete: bool = False
    flag_only: bool = False  # in typed text only as `--name value` (Midjourney style)
    max_bytes: int = UPLOAD_MAX_BYTES  # an upload's limit

    @property
    def typed(self) -> bool:
        """Whether the value comes in the command's text (an upload comes beside it)."""
        return self.kind is not ParamKind.UPLOAD

    def convert(self, raw: Any) -> Any:
        """Check and convert one raw value (a string from text, or a platform-typed value)."""
        if self.kind is ParamKind.UPLOAD:
            return self._upload(raw)
        if self.kind is ParamKind.INT:
            return self._int(raw)
        if self.kind is ParamKind.POST:
            text = str(raw).strip()
            number = parse_number(text.removeprefix("#"), max_digits=POST_ID_DIGITS)
            if number is None or number < 0:
                raise InvalidInput("error.bad_post_id", value=text[:40])
            return number
        text = strip_control(str(raw), multiline=self.kind is ParamKind.TEXT).strip()
        if self.kind is ParamKind.USER:
            return parse_handle(text)
        if self.kind is ParamKind.CHOICE:
            lowered = text.lower()
            if lowered not in self.choices:
                raise InvalidInput(
                    "error.bad_choice", value=text[:40], choices=", ".join(self.choices)
                )
            return lowered
        if len(text) > self.max_length:
            raise InvalidInput(
                "error.too_long", field=self.name, limit=self.max_length, length=len(text)
            )
        if self.required and not text:
            raise InvalidInput("error.empty", field=self.name)
        return text

    def _upload(self, raw: Any) -> Upload:
        """An attached file the platform says is an image within `max_bytes` (refused before
        anything is downloaded; the handler checks the bytes themselves)."""
        if not isinstance(raw, Upload):
            raise InvalidInput("error.upload_missing")
        if raw.is_image is False:
            raise InvalidInput(
                "error.upload_not_image", name=raw.filename[:80], type=str(raw.content_type)[:60]
            )
        raw.check_size(self.max_bytes)
        return raw

    def _int(self, raw: Any) -> int:
        value = raw if type(raw) is int else parse_number(str(raw), max_digits=40)
        if value is None:
            raise InvalidInput("error.bad_number", field=self.name, value=str(raw)[:20])
        low = self.min_value if self.min_value is not None else -(2**31)
        high = self.max_value if self.max_value is not None else 2**31 - 1
        if not low <= value <= high:
            raise InvalidInput("error.out_of_range", field=self.name, low=low, high=high)
        return value


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One command. A name with a space ("settings language") is a subcommand of a group."""

    name: str
    handler: Handler
    params: tuple[Param, ...] = ()
    platforms: frozenset[Platform] | None = None  # None: everywhere
    hidden: bool = False  # reachable by buttons only; not listed in menus or /help
    private_reply: bool = False  # the answer concerns only the invoker (Discord ephemeral)
    admin_only: bool = False  # server/group admins only, in a server or group
    # The handler decides with the actor's admin rights (moderation): adapters that look
    # rights up on demand (Telegram's getChatMember) must do so for it too.
    asks_admin: bool = False
    restricted: bool = False  # refused to people muted or banned where they are
    examples: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        for part in self.name.split(" "):
            if not NAME_PATTERN.match(part):
                raise ValueError(f"bad command name {self.name!r}")
        for param in self.params:
            if not NAME_PATTERN.match(param.name):
                raise ValueError(f"bad parameter name {param.name!r} in {self.name!r}")
            if param.kind is ParamKind.TEXT and param is not self.positional[-1]:
                raise ValueError(f"{self.name}: a text parameter must come last")

    @property
    def needs_admin_check(self) -> bool:
        return self.admin_only or self.asks_admin

    @property
    def key(self) -> str:
        return self.name.replace(" ", ".")

    @property
    def description_key(self) -> str:
        return f"cmd.{self.key}"

    def param_description_key(self, param: Param) -> str:
        return f"param.{self.key}.{param.name}"

    def available_on(self, platform: Platform) -> bool:
        return self.platforms is None or platform in self.platforms

    def usage(self, platform: Platform | None = None) -> str:
        """`/name <param> [optional…] [--flag value] [+upload]`; on the console, which cannot
        attach files, without the uploads."""
        parts = [f"/{self.name}"]
        for param in self.positional:
            label = "|".join(param.choices) if param.kind is ParamKind.CHOICE else param.name
            if param.kind is ParamKind.TEXT:
                label += "…"
            parts.append(f"<{label}>" if param.required else f"[{label}]")
        for param in self.params:
            if param.flag_only:
                value = "|".join(param.choices) if param.choices else param.name
                parts.append(f"[--{param.name} {value}]")
            elif not param.typed and platform is not Platform.CONSOLE:
                parts.append(f"[+{param.name}]")  # attached, not typed
        return " ".join(parts)

    @property
    def positional(self) -> tuple[Param, ...]:
        """The parameters typed in order after the command's name."""
        return tuple(p for p in self.params if not p.flag_only and p.typed)

    @property
    def upload(self) -> Param | None:
        """The parameter an attached image goes to, if this command takes one."""
        return next((p for p in self.params if p.kind is ParamKind.UPLOAD), None)

    def _take_flags(self, text: str) -> tuple[dict[str, str], str]:
        """Pull `--name value` (or `--name=value`) pairs for this command's parameters out
        of the text; an option without its value, or one this command lacks, is an error
        rather than words of the prompt."""
        flags: dict[str, str] = {}
        names = {p.name for p in self.params if p.kind is not ParamKind.TEXT and p.typed}
        words, kept = text.split(" "), []
        index = 0
        while index < len(words):
            word = words[index]
            option = _OPTION.match(word)
            if option is None:
                kept.append(word)
                index += 1
                continue
            name = option.group(1).lower()
            if name not in names:
                raise InvalidInput("error.unknown_option", option=word[:40], usage=self.usage())
            value, index = option.group(2), index + 1
            if value is None:  # the value is the next word
                while index < len(words) and not words[index]:
                    index += 1
                value = words[index] if index < len(words) else ""
                index += 1
            if not value.strip() or _OPTION.match(value):
                raise InvalidInput(
                    "error.option_needs_value", option=f"--{name}", usage=self.usage()
                )
            flags[name] = value
        return flags, " ".join(kept)

    @property
    def _has_flags(self) -> bool:
        return any(p.flag_only for p in self.params)

    def parse_text(self, text: str) -> dict[str, str]:
        """Split the text after the command name into raw values, one per parameter."""
        args, rest = self._take_flags(text.strip()) if self._has_flags else ({}, text.strip())
        rest = rest.strip()
        for param in self.positional:
            if not rest:
                if param.required:
                    raise InvalidInput("error.usage", usage=self.usage())
                break
            if param.kind is ParamKind.TEXT:
                args[param.name], rest = rest, ""
            elif param.kind is ParamKind.PATH:
                args[param.name], rest = split_path(rest)
            else:
                word, _, rest = rest.partition(" ")
                args[param.name], rest = word, rest.strip()
        if rest:
            raise InvalidInput("error.usage", usage=self.usage())
        return args

    def convert(self, raw_args: Mapping[str, Any]) -> dict[str, Any]:
        unknown = set(raw_args) - {p.name for p in self.params}
        if unknown:
            raise InvalidInput("error.usage", usage=self.usage())
        values: dict[str, Any] = {}
        for param in self.params:
            raw = raw_args.get(param.name)
            if raw is None or raw == "":
                if param.required:
                    raise InvalidInput("error.usage", usage=self.usage())
                continue
            values[param.name] = param.convert(raw)
        return values
