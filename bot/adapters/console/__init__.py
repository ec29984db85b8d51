"""The console chat: Mosaic in a terminal, or driven by a pipe (one command per line)."""

from bot.adapters.console.chat import ConsoleChat, console_user
from bot.adapters.console.identity import console_locale, default_console_name
from bot.adapters.console.render import render_reply

__all__ = ["ConsoleChat", "console_locale", "console_user", "default_console_name", "render_reply"]
