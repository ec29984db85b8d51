"""Slash commands generated from the command registry.

Each listed spec becomes a command with typed options; "a b" becomes subcommand `b` of a
group `a`. Texts are message keys: descriptions `cmd.<name>` and `param.<name>.<param>`,
German (and any other catalog language) names and descriptions come through a discord.py
`Translator` as `name_localizations` / `description_localizations` at sync time. Names
without a translation (`feed` is `feed` in German too) keep the default.

discord.py reads options from a callback's signature; every command here shares one
callback whose `__signature__` is built from the spec, so the whole tree is plain public
discord.py API.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, Optional

import discord
from discord import app_commands
from discord.app_commands import locale_str

from bot.adapters.discord._autocomplete import Autocomplete
from bot.adapters.discord._uploads import attachment_upload
from bot.commands import CommandRegistry, CommandSpec, Param, ParamKind
from core.domain import Platform
from core.i18n import CATALOGS, DEFAULT_LANGUAGE

CommandCallback = Callable[[discord.Interaction, CommandSpec, dict[str, Any]], Awaitable[None]]
MenuCallback = Callable[[discord.Interaction, discord.Message], Awaitable[None]]

# Discord locales we have catalogs for (the default texts are English).
LOCALE_LANGUAGES: dict[discord.Locale, str] = {discord.Locale.german: "de"}

REMIX_MENU_KEY = "discord.menu.remix"
DESCRIBE_MENU_KEY = "discord.menu.describe"
INTEGER_LIMIT = 2**53
GROUP_DEFAULT = "show"  # the subcommand name of a command that is also a group's name
# a slash command's callback, as discord.py calls it
_Callback = Callable[..., Coroutine[Any, Any, None]]


def _english(key: str) -> str:
    try:
        return CATALOGS[DEFAULT_LANGUAGE][key]
    except KeyError:
        raise ValueError(f"a Discord command needs the text {key!r} in core/i18n") from None


def _text(key: str, default: str | None = None) -> locale_str:
    """A translatable string: its English text, and the key the translator looks up."""
    return locale_str(_english(key) if default is None else default, key=key)


class CatalogTranslator(app_commands.Translator):
    """Looks a `locale_str`'s key up in the i18n catalogs; None means "no localization"."""

    async def translate(
        self,
        string: locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        language = LOCALE_LANGUAGES.get(locale)
        key = string.extras.get("key")
        if language is None or key is None:
            return None
        return CATALOGS[language].get(key)


def _annotation(param: Param) -> Any:
    if param.kind is ParamKind.POST:
        annotation: Any = app_commands.Range[int, 1]
    elif param.kind is ParamKind.INT:
        if param.min_value is None and param.max_value is None:
            annotation = int
        else:  # Discord's integers end at ±2^53; the dispatcher still checks the spec's bounds
            low = None if param.min_value is None else max(param.min_value, -INTEGER_LIMIT)
            high = None if param.max_value is None else min(param.max_value, INTEGER_LIMIT)
            annotation = app_commands.Range[int, low, high]
    elif param.kind is ParamKind.CHOICE:
        annotation = str
    elif param.kind is ParamKind.UPLOAD:  # an ATTACHMENT option (type 11)
        annotation = discord.Attachment
    else:
        annotation = app_commands.Range[str, 1, param.max_length]
    return annotation if param.required else Optional[annotation]  # noqa: UP045 (runtime)


def _raw(value: Any) -> Any:
    if isinstance(value, discord.Attachment):
        return attachment_upload(value)
    return value.value if isinstance(value, app_commands.Choice) else value


class CommandTreeBuilder:
    def __init__(
        self,
        registry: CommandRegistry,
        *,
        on_command: CommandCallback,
        on_remix_menu: MenuCallback,
        autocomplete: Autocomplete,
        language_of: Callable[[discord.Interaction], Awaitable[str]],
        on_describe_menu: MenuCallback | None = None,
    ) -> None:
        self._registry = registry
        self._on_command = on_command
        self._on_remix_menu = on_remix_menu
        self._on_describe_menu = on_describe_menu
        self._autocomplete = autocomplete
        self._language_of = language_of

    def build(
        self,
    ) -> list[app_commands.Command[Any, ..., Any] | app_commands.Group | app_commands.ContextMenu]:
        specs = self._registry.listed(Platform.DISCORD)
        group_names = {spec.name.partition(" ")[0] for spec in specs if " " in spec.name}
        commands: list[Any] = []
        groups: dict[str, list[CommandSpec]] = {}
        for spec in specs:
            group, _, _ = spec.name.partition(" ")
            if " " in spec.name or spec.name in group_names:
                # Discord has no command that is also a group: "/feed" beside "/feed tune"
                # is published as "/feed show" (see _group).
                groups.setdefault(group, []).append(spec)
            else:
                commands.append(self._command(spec, spec.name, f"discord.name.{spec.key}"))
        for name, members in groups.items():
            commands.append(self._group(name, members))
        if "remix" in self._registry:
            commands.append(self._menu(REMIX_MENU_KEY, self._on_remix_menu))
        if "describe" in self._registry and self._on_describe_menu is not None:
            commands.append(self._menu(DESCRIBE_MENU_KEY, self._on_describe_menu))
        return commands

    def _group(self, name: str, specs: Sequence[CommandSpec]) -> app_commands.Group:
        admin_only = all(spec.admin_only for spec in specs)
        group = app_commands.Group(
            name=locale_str(name, key=f"discord.name.{name}"),
            description=_text(f"cmd.{name}"),
            guild_only=admin_only,
            default_permissions=discord.Permissions(manage_guild=True) if admin_only else None,
        )
        for spec in specs:
            sub = spec.name.partition(" ")[2] or GROUP_DEFAULT
            key = spec.key if sub != GROUP_DEFAULT else f"{spec.key}.{GROUP_DEFAULT}"
            group.add_command(self._command(spec, sub, f"discord.name.{key}", parent=group))
        return group

    def _command(
        self,
        spec: CommandSpec,
        name: str,
        name_key: str,
        *,
        parent: app_commands.Group | None = None,
    ) -> app_commands.Command[Any, ..., Any]:
        callback = self._callback(spec)
        if spec.admin_only and parent is None:
            callback = app_commands.guild_only(callback)
            callback = app_commands.default_permissions(manage_guild=True)(callback)
        return app_commands.Command(
            name=locale_str(name, key=name_key),
            description=_text(spec.description_key),
            callback=callback,
            parent=parent,
        )

    def _callback(self, spec: CommandSpec) -> _Callback:
        on_command = self._on_command

        async def callback(interaction: discord.Interaction, **options: Any) -> None:
            args = {name: _raw(value) for name, value in options.items() if value is not None}
            await on_command(interaction, spec, args)

        parameters = [
            inspect.Parameter(
                "interaction",
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                annotation=discord.Interaction,
            )
        ]
        for param in spec.params:
            parameters.append(
                inspect.Parameter(
                    param.name,
                    inspect.Parameter.KEYWORD_ONLY,
                    annotation=_annotation(param),
                    default=inspect.Parameter.empty if param.required else None,
                )
            )
        # discord.py reads the options from the signature; typeshed's function type has no
        # __signature__ to assign
        callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        callback.__qualname__ = callback.__name__ = f"mosaic_{spec.key.replace('.', '_')}"
        return self._decorate(spec, callback)

    def _decorate(self, spec: CommandSpec, callback: _Callback) -> _Callback:
        if not spec.params:
            return callback
        callback = app_commands.describe(
            **{p.name: _text(spec.param_description_key(p)) for p in spec.params}
        )(callback)
        callback = app_commands.rename(
            **{p.name: locale_str(p.name, key=f"discord.option.{p.name}") for p in spec.params}
        )(callback)
        choices = {
            p.name: [
                app_commands.Choice(name=self._choice_name(value), value=value)
                for value in p.choices
            ]
            for p in spec.params
            if p.kind is ParamKind.CHOICE
        }
        if choices:
            callback = app_commands.choices(**choices)(callback)
        completers = {p.name: self._completer(spec, p) for p in spec.params if p.autocomplete}
        if completers:
            callback = app_commands.autocomplete(**completers)(callback)
        return callback

    @staticmethod
    def _choice_name(value: str) -> locale_str:
        key = f"discord.choice.{value}"
        return _text(key) if key in CATALOGS[DEFAULT_LANGUAGE] else locale_str(value)

    def _completer(
        self, spec: CommandSpec, param: Param
    ) -> Callable[[discord.Interaction, str], Coroutine[Any, Any, list[app_commands.Choice[str]]]]:
        if not self._autocomplete.supports(param.name):
            raise ValueError(
                f"/{spec.name}: parameter {param.name!r} wants autocomplete, but no lister "
                f"for {param.name!r} was given to the Discord adapter"
            )
        autocomplete, language_of = self._autocomplete, self._language_of

        async def complete(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            return await autocomplete.choices(param.name, current, language_of(interaction))

        return complete

    @staticmethod
    def _menu(key: str, on_message: MenuCallback) -> app_commands.ContextMenu:
        """A message command ("Apps" on a message's menu)."""

        async def menu(interaction: discord.Interaction, message: discord.Message) -> None:
            await on_message(interaction, message)

        return app_commands.ContextMenu(name=_text(key), callback=menu)
