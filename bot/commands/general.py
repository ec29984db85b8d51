"""Help and personal settings."""

from __future__ import annotations

from bot.commands.context import Context
from bot.commands.spec import CommandSpec, Param
from bot.commands.spec import ParamKind as Kind
from core.delivery.replies import Reply
from core.domain import Platform
from core.i18n import LANGUAGES


async def help_(ctx: Context) -> Reply:
    lines = []
    for spec in ctx.registry.listed(ctx.actor.platform):
        lines.append(f"{spec.usage(ctx.actor.platform)} — {ctx.t(spec.description_key)}")
    buttons_key = (
        "help.buttons.console" if ctx.actor.platform is Platform.CONSOLE else "help.buttons.chat"
    )
    lines += ["", ctx.t(buttons_key)]
    return Reply(title=ctx.t("help.title"), text="\n".join(lines), private=True)


async def settings_language(ctx: Context, language: str) -> Reply:
    await ctx.services.accounts.set_language(ctx.account, language)
    ctx.language = language
    return Reply(text=ctx.t("settings.language.done", language=ctx.t(f"language.{language}")))


SPECS = (
    CommandSpec("help", help_, private_reply=True),
    CommandSpec(
        "settings language",
        settings_language,
        (Param("language", Kind.CHOICE, choices=LANGUAGES),),
        private_reply=True,
    ),
)
