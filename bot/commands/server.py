"""Settings of a server (Discord guild) or group (Telegram), for its admins.

The adapter decides who is an admin (Discord: Manage Server; Telegram: chat administrator)
and says so in `Actor.is_admin`; the dispatcher refuses everyone else before these run.
Language and NSFW policy apply server-wide; generation is allowed or not per channel.
"""

from __future__ import annotations

from bot.commands.context import Context
from bot.commands.spec import CommandSpec, Param, ParamKind
from bot.replies import Reply
from core.domain import ChatKind
from core.i18n import LANGUAGES
from core.persistence.models import Destination

ON_OFF = ("on", "off")


async def _server(ctx: Context) -> Destination:
    assert ctx.actor.server_id is not None  # admin_only commands run in servers only
    return await ctx.services.destinations.get(ctx.actor.platform, ctx.actor.server_id)


async def _channel(ctx: Context) -> Destination:
    chat_id = ctx.actor.chat_id or ctx.actor.server_id
    assert chat_id is not None
    kind = ChatKind.CHANNEL if ctx.actor.chat_kind is ChatKind.CHANNEL else ChatKind.GROUP
    return await ctx.services.destinations.get(ctx.actor.platform, chat_id, kind=kind)


def _on_off(ctx: Context, value: bool) -> str:
    return ctx.t("server.on" if value else "server.off")


async def server_show(ctx: Context) -> Reply:
    server, channel = await _server(ctx), await _channel(ctx)
    language = ctx.t(f"language.{server.language}") if server.language else ctx.t("server.unset")
    return Reply(
        title=ctx.t("server.title"),
        text=ctx.t(
            "server.summary",
            language=language,
            nsfw=_on_off(ctx, server.nsfw_allowed),
            generation=_on_off(ctx, channel.generation_allowed),
        ),
    )


async def server_language(ctx: Context, language: str) -> Reply:
    await ctx.services.destinations.set_language(await _server(ctx), language)
    ctx.language = language
    return Reply(text=ctx.t("server.language.done", language=ctx.t(f"language.{language}")))


async def server_generation(ctx: Context, value: str) -> Reply:
    allowed = value == "on"
    await ctx.services.destinations.set_generation_allowed(await _channel(ctx), allowed)
    return Reply(text=ctx.t("server.generation.on" if allowed else "server.generation.off"))


async def server_nsfw(ctx: Context, value: str) -> Reply:
    allowed = value == "on"
    await ctx.services.destinations.set_nsfw_allowed(await _server(ctx), allowed)
    return Reply(text=ctx.t("server.nsfw.on" if allowed else "server.nsfw.off"))


SWITCH = Param("value", ParamKind.CHOICE, choices=ON_OFF)

SPECS = (
    CommandSpec("server show", server_show, admin_only=True, private_reply=True),
    CommandSpec(
        "server language",
        server_language,
        (Param("language", ParamKind.CHOICE, choices=LANGUAGES),),
        admin_only=True,
    ),
    CommandSpec("server generation", server_generation, (SWITCH,), admin_only=True),
    CommandSpec("server nsfw", server_nsfw, (SWITCH,), admin_only=True),
)
