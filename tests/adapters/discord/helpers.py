"""Small helpers for the Discord adapter tests."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.bootstrap import App
from bot.commands import CommandRegistry, CommandSpec, Dispatcher, build_registry
from core.domain import Audience, Platform
from core.i18n import CATALOGS
from core.persistence.models import Account, Post
from core.social import Origin
from tests.support.fake_discord import FakeUser
from tests.support.images import png_bytes


def with_commands(
    app: App, monkeypatch: pytest.MonkeyPatch, *specs: CommandSpec, **descriptions: str
) -> App:
    """The same app (same database and services) with extra commands in its registry.

    `descriptions` maps each command's name to its description (in both catalogs, for this
    test only); parameters are described as "the <name>".
    """
    for spec in specs:
        texts = {spec.description_key: descriptions[spec.name]}
        texts |= {spec.param_description_key(p): f"the {p.name}" for p in spec.params}
        for catalog in CATALOGS.values():
            for key, text in texts.items():
                monkeypatch.setitem(catalog, key, text)
    registry = CommandRegistry([*build_registry(), *specs])
    return replace(
        app, registry=registry, dispatcher=Dispatcher(registry, app.services, app.notices)
    )


async def account_of(app: App, user: FakeUser) -> Account:
    return await app.services.accounts.resolve(
        Platform.DISCORD,
        str(user.id),
        user.global_name or user.username,
        handle_hint=user.username,
    )


async def post_by(app: App, author: Account, n: int = 0, caption: str = "") -> Post:
    return await app.services.posts.create(
        author,
        png_bytes(color=(40 * n % 256, 90, 200)),
        caption=caption or f"picture {n}",
        audience=Audience.PUBLIC,
        origin=Origin(Platform.DISCORD, None),
    )
