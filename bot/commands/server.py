"""Settings of a server (Discord guild) or group (Telegram), for its admins.

The adapter decides who is an admin (Discord: Manage Server; Telegram: chat administrator)
and says so in `Actor.is_admin`; the dispatcher refuses everyone else before these run.
Language and NSFW policy apply server-wide; generation is allowed or not per channel.
"""

from __future__ import annotations

from bot.commands.context import Context
from bot.commands.spec import CommandSpec, Param, ParamKind
from bot.replies import Reply
from core.crossposts.channels import TOPICS_MAX
from core.domain import ChatKind
from core.errors import InvalidInput
from core.i18n import LANGUAGES
from core.persistence.models import Destination

ON_OFF = ("on", "off")
CROSSPOST_SCOPES = ("members", "topic")


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
    summary = ctx.t(
        "server.summary",
        language=language,
        nsfw=_on_off(ctx, server.nsfw_allowed),
        generation=_on_off(ctx, channel.generation_allowed),
    )
    return Reply(
        title=ctx.t("server.title"),
        text=f"{summary}\n{await _crosspost_state(ctx, channel)}",
    )


async def _crosspost_state(ctx: Context, place: Destination) -> str:
    mosaic = await ctx.services.mosaic_channels.of(place)
    if mosaic is None:
        return ctx.t("server.crosspost.state", state=ctx.t("server.crosspost.none"))
    if mosaic.topics:
        state = ctx.t("server.crosspost.topic", topic=mosaic.topics)
    else:
        state = ctx.t("server.crosspost.members")
    if place.paused_reason:
        state = ctx.t("server.crosspost.paused", state=state, reason=place.paused_reason)
    return ctx.t("server.crosspost.state", state=state)


async def server_crosspost(
    ctx: Context, value: str, scope: str = "members", topic: str = ""
) -> Reply:
    place = await _channel(ctx)
    channels = ctx.services.mosaic_channels
    if value == "off":
        gone = await channels.disconnect(place)
        return Reply(text=ctx.t("server.crosspost.off" if gone else "server.crosspost.was_off"))
    if scope == "topic" and not topic:
        raise InvalidInput("error.crosspost_topic_missing")
    if scope == "members" and topic:
        raise InvalidInput("error.crosspost_topic_without_scope", topic=topic[:40])
    mosaic = await channels.connect(
        place, ctx.conversation.reply_target(), server_id=ctx.actor.server_id, topics=topic
    )
    if mosaic.topics:
        return Reply(text=ctx.t("server.crosspost.on_topic", topic=mosaic.topics))
    return Reply(text=ctx.t("server.crosspost.on_members"))


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
    CommandSpec(
        "server crosspost",
        server_crosspost,
        (
            SWITCH,
            Param("scope", ParamKind.CHOICE, required=False, choices=CROSSPOST_SCOPES),
            Param("topic", ParamKind.TEXT, required=False, max_length=TOPICS_MAX),
        ),
        admin_only=True,
        examples=("/server crosspost on", "/server crosspost on topic cats #watercolor"),
    ),
)
