"""Mosaic on the web: public post, profile, explore and remix-tree pages, images, and the
Telegram Mini App. An entry point beside the chat adapters: it calls core services and never
imports `bot`."""

from web.app import build_web_app
from web.initdata import InitDataRefused, TelegramUser, validate_init_data
from web.role import WebRole, parse_listen

__all__ = [
    "InitDataRefused",
    "TelegramUser",
    "WebRole",
    "build_web_app",
    "parse_listen",
    "validate_init_data",
]
