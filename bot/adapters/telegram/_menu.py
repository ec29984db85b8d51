"""The command menu Telegram shows (`setMyCommands`), in each language, from the registry.

Telegram command names are one word (`[a-z0-9_]`, ≤ 32): subcommands such as
"server language" become one entry, `server`, whose description lists them. Group admins get
the admin-only commands too (scope: all chat administrators); everyone else does not.
"""

from __future__ import annotations

import logging
import re

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeDefault,
    MenuButtonWebApp,
    WebAppInfo,
)

from bot.adapters.telegram._format import cut
from bot.adapters.telegram._sender import TelegramSender
from bot.commands import CommandRegistry, CommandSpec
from core.domain import Platform
from core.i18n import CATALOGS, LANGUAGES, translate

log = logging.getLogger(__name__)

NAME = re.compile(r"^[a-z0-9_]{1,32}$")
DESCRIPTION_LIMIT = 256
COMMANDS_LIMIT = 100


def menu(registry: CommandRegistry, language: str, *, admins: bool) -> list[BotCommand]:
    groups: dict[str, list[CommandSpec]] = {}
    for spec in registry.listed(Platform.TELEGRAM):
        if spec.admin_only and not admins:
            continue
        groups.setdefault(spec.name.split(" ", 1)[0], []).append(spec)
    commands = []
    for name, specs in groups.items():
        if not NAME.match(name):
            log.warning("command %r cannot be a Telegram command; left out of the menu", name)
            continue
        description = cut(_describe(name, specs, language), DESCRIPTION_LIMIT)
        commands.append(BotCommand(name, description))
    return commands[:COMMANDS_LIMIT]


def _describe(name: str, specs: list[CommandSpec], language: str) -> str:
    whole = next((s for s in specs if s.name == name), None)
    subs = [s.name.split(" ", 1)[1] for s in specs if s is not whole]
    if whole is not None:
        described = translate(language, whole.description_key)
        return f"{described} ({', '.join(subs)})" if subs else described
    if len(specs) == 1:
        return f"{subs[0]} — {translate(language, specs[0].description_key)}"
    if f"cmd.{name}" in CATALOGS[language]:  # the group's own description
        return f"{translate(language, f'cmd.{name}')}: {', '.join(subs)}"
    return translate(language, "telegram.menu.group", names=", ".join(subs))


async def publish_menu(
    sender: TelegramSender, registry: CommandRegistry, default_language: str
) -> None:
    scopes = ((BotCommandScopeDefault(), False), (BotCommandScopeAllChatAdministrators(), True))
    for scope, admins in scopes:
        await sender.call(
            "set_my_commands", commands=menu(registry, default_language, admins=admins), scope=scope
        )
        for language in LANGUAGES:
            await sender.call(
                "set_my_commands",
                commands=menu(registry, language, admins=admins),
                scope=scope,
                language_code=language,
            )


async def publish_mini_app(sender: TelegramSender, url: str, language: str) -> None:
    """The bot's menu button opens the feed as a grid (the Mini App at `url`, HTTPS)."""
    button = MenuButtonWebApp(translate(language, "menu.app"), WebAppInfo(url))
    await sender.call("set_chat_menu_button", menu_button=button)
