"""Settings of a server (Discord guild) or group (Telegram), for its admins.

The adapter decides who is an admin (Discord: Manage Server; Telegram: chat administrator)
and says so in `Actor.is_admin`; the dispatcher refuses everyone else before these run.
Language and the policy (`/server policy`: NSFW, blocked words, who may generate, a daily
cap per member; see `core/safety/policy.py`) apply server-wide; generation is allowed or
not per channel.
"""

from __future__ import annotations

from bot.commands.context import Context
from bot.commands.spec import CommandSpec, Param, ParamKind
from core.crossposts.channels import TOPICS_MAX
from core.delivery.replies import Reply
from core.domain import ChatKind, GenerationAccess, Platform
from core.errors import InvalidInput
from core.i18n import LANGUAGES
from core.persistence.models import Destination
from core.user_text import parse_number

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
    # what is refused is refused before the place is made: a refusal writes nothing
    if value != "off" and scope == "topic" and not topic:
        raise InvalidInput("error.crosspost_topic_missing")
    if value != "off" and scope == "members" and topic:
        raise InvalidInput("error.crosspost_topic_without_scope", topic=topic[:40])
    place = await _channel(ctx)
    channels = ctx.services.mosaic_channels
    if value == "off":
        gone = await channels.disconnect(place)
        return Reply(text=ctx.t("server.crosspost.off" if gone else "server.crosspost.was_off"))
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
    await ctx.services.safety.policies.set_nsfw(await _server(ctx), allowed)
    return Reply(text=ctx.t("server.nsfw.on" if allowed else "server.nsfw.off"))


def _access_text(ctx: Context, server: Destination) -> str:
    access = GenerationAccess(server.generation_access)
    if access is GenerationAccess.ROLE and ctx.actor.platform is not Platform.TELEGRAM:
        return ctx.t("server.access.role", role=server.generation_role or "?")
    if access in (GenerationAccess.ROLE, GenerationAccess.ADMINS):
        return ctx.t("server.access.admins")
    return ctx.t(f"server.access.{access.value}")


def _words_text(ctx: Context, words: list[str]) -> str:
    return ", ".join(words) if words else ctx.t("server.words.none")


async def server_policy(ctx: Context) -> Reply:
    server = await _server(ctx)
    cap = server.member_daily_cap
    return Reply(
        title=ctx.t("server.policy.title"),
        text=ctx.t(
            "server.policy.summary",
            nsfw=_on_off(ctx, server.nsfw_allowed),
            access=_access_text(ctx, server),
            cap=str(cap) if cap is not None else ctx.t("server.cap.none"),
            words=_words_text(ctx, list(server.blocked_words or [])),
        ),
    )


async def server_words(ctx: Context, action: str, words: str = "") -> Reply:
    given = [w for w in (part.strip() for part in words.split(",")) if w]
    if action != "list" and not given:  # refused before the server's row is made
        raise InvalidInput("error.empty", field="words")
    policies, server = ctx.services.safety.policies, await _server(ctx)
    if action == "list":
        return Reply(text=ctx.t("server.words.list", words=_words_text(ctx, server.blocked_words)))
    if action == "add":
        now = await policies.add_words(server, given)
    else:
        now = await policies.remove_words(server, given)
    return Reply(text=ctx.t(f"server.words.{action}", words=_words_text(ctx, now)))


def _role(raw: str) -> str:
    """A Discord role mention (<@&123>) is its id; anything else a role name (lower case)."""
    raw = raw.strip()
    if raw.startswith("<@&") and raw.endswith(">"):
        return raw[3:-1]
    return raw.casefold()


async def server_access(ctx: Context, who: str, role: str = "") -> Reply:
    server = await _server(ctx)
    access = GenerationAccess(who)
    if access is GenerationAccess.ROLE and ctx.actor.platform is Platform.TELEGRAM:
        access, role = GenerationAccess.ADMINS, ""  # Telegram has no roles: its admins
    await ctx.services.safety.policies.set_access(server, access, _role(role) or None)
    return Reply(text=ctx.t("server.access.done", access=_access_text(ctx, server)))


async def server_cap(ctx: Context, value: str) -> Reply:
    off = value.strip().lower() == "off"
    cap = None if off else parse_number(value, max_digits=9)
    if not off and cap is None:  # refused before the server's row is made
        raise InvalidInput("error.bad_number", field="cap", value=value[:20])
    server = await _server(ctx)
    await ctx.services.safety.policies.set_cap(server, cap)
    if off:
        return Reply(text=ctx.t("server.cap.off"))
    return Reply(text=ctx.t("server.cap.done", cap=cap))


SWITCH = Param("value", ParamKind.CHOICE, choices=ON_OFF)
ACCESS = tuple(
    a.value for a in (GenerationAccess.EVERYONE, GenerationAccess.ROLE, GenerationAccess.NOBODY)
)

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
    CommandSpec("server policy", server_policy, admin_only=True, private_reply=True),
    CommandSpec(
        "server words",
        server_words,
        (
            Param("action", ParamKind.CHOICE, choices=("add", "remove", "list")),
            Param("words", ParamKind.TEXT, required=False, max_length=500),
        ),
        admin_only=True,
        private_reply=True,
    ),
    CommandSpec(
        "server access",
        server_access,
        (
            Param("who", ParamKind.CHOICE, choices=ACCESS),
            Param("role", ParamKind.TEXT, required=False, max_length=64),
        ),
        admin_only=True,
    ),
    CommandSpec(
        "server cap",
        server_cap,
        (Param("value", ParamKind.WORD, max_length=8),),
        admin_only=True,
    ),
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
