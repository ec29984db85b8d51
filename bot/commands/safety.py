"""Reports and moderation: /report, the Report button, /mod queue|log and the actions.

Rights are never taken from the button or the command: every action resolves its target
and asks `Authority` whether this actor moderates that target's server.
"""

from __future__ import annotations

from bot.commands.context import Context
from bot.commands.render import handle, post_image
from bot.commands.spec import CommandSpec, Param, ParamKind
from core.delivery.replies import Button, ButtonStyle, ImageRef, Reply, TextInput
from core.domain import ChatKind, ReportTarget
from core.persistence.models import Account
from core.safety import Jurisdiction, Standing, Target, parse_target
from core.safety.reports import REASON_MAX, QueueEntry
from core.safety.sanctions import when

QUEUE_PAGE = 10
LOG_PAGE = 20
MUTE_BUTTON_HOURS = 24


def standing(ctx: Context) -> Standing:
    """The actor as the adapter established them: admin rights only inside a server."""
    in_server = ctx.actor.server_id is not None and ctx.actor.chat_kind is not ChatKind.PRIVATE
    return Standing(
        account=ctx.account,
        platform=ctx.actor.platform,
        server_id=ctx.actor.server_id if in_server else None,
        is_server_admin=in_server and ctx.actor.is_admin,
    )


def _here(ctx: Context) -> Jurisdiction:
    return Jurisdiction(ctx.actor.platform, standing(ctx).server_id)


async def report(ctx: Context, kind: str, target: str, reason: str) -> Reply:
    safety = ctx.services.safety
    found = await safety.reports.resolve(ctx.account, ReportTarget(kind), target, _here(ctx))
    filed = await safety.reports.file(ctx.account, found, reason)
    key = "report.done" if filed.counted else "report.again"
    return Reply(text=ctx.t(key, target=_label(ctx, found)), private=True)


def _label(ctx: Context, target: Target) -> str:
    if target.kind is ReportTarget.POST:
        return ctx.t("target.post", post=target.post.id if target.post else "?")
    if target.kind is ReportTarget.COMMENT:
        return ctx.t("target.comment", comment=target.comment.id if target.comment else "?")
    return handle(target.subject)


# --- the queue and the log --------------------------------------------------------------
async def mod_queue(ctx: Context) -> list[Reply]:
    me = standing(ctx)
    ctx.services.safety.authority.require_moderator(me)
    place = None if ctx.services.safety.authority.is_global(ctx.account) else _here(ctx)
    entries = await ctx.services.safety.reports.queue(place, limit=QUEUE_PAGE)
    if not entries:
        return [Reply(text=ctx.t("mod.queue.empty"))]
    return [_entry_reply(ctx, entry) for entry in entries]


def _entry_reply(ctx: Context, entry: QueueEntry) -> Reply:
    target = entry.target
    lines = [
        ctx.t("mod.queue.reports", count=entry.reports, author=handle(target.subject)),
        *(f"• {reason}" for reason in entry.reasons),
    ]
    images: tuple[ImageRef, ...] = ()
    if target.post is not None:
        lines.append(ctx.t("mod.queue.post", state=ctx.t(f"moderation.{target.post.moderation}")))
        if target.post.caption:
            lines.append(target.post.caption)
        if target.post.prompt:
            lines.append(ctx.t("post.prompt", prompt=target.post.prompt))
        images = post_image(ctx, target.post)
    if target.comment is not None:
        lines.append(
            ctx.t("mod.queue.comment", post=target.comment.post_id, text=target.comment.text)
        )
    server = target.place.server_id or ctx.t("mod.everywhere")
    return Reply(
        title=ctx.t("mod.queue.title", target=_label(ctx, target)),
        text="\n".join(lines),
        images=images,
        footer=ctx.t("mod.queue.where", platform=target.place.platform.value, server=server),
        buttons=_actions(ctx, target),
        private=True,
    )


def _act(ctx: Context, label: str, command: str, args: dict, *, danger: bool = False) -> Button:
    """A moderation button: asks for the reason, runs as (and is checked for) the presser."""
    return Button(
        label,
        command,
        args,
        owner_only=True,
        text_input=TextInput("reason", ctx.t("button.mod_reason"), REASON_MAX),
        style=ButtonStyle.DANGER if danger else ButtonStyle.SECONDARY,
    )


def _actions(ctx: Context, target: Target) -> tuple[tuple[Button, ...], ...]:
    key = target.key if target.kind is not ReportTarget.USER else f"user:{target.subject.handle}"
    content = [_act(ctx, ctx.t("button.mod_dismiss"), "mod dismiss", {"target": key})]
    if target.post is not None:
        content.append(_act(ctx, ctx.t("button.mod_hide"), "mod hide", {"post": target.post.id}))
    if target.kind is not ReportTarget.USER:
        content.append(
            _act(ctx, ctx.t("button.mod_delete"), "mod delete", {"target": key}, danger=True)
        )
    user = {"user": target.subject.handle}
    people = (
        _act(ctx, ctx.t("button.mod_warn"), "mod warn", user),
        _act(
            ctx,
            ctx.t("button.mod_mute", hours=MUTE_BUTTON_HOURS),
            "mod mute",
            {**user, "hours": MUTE_BUTTON_HOURS},
        ),
        _act(ctx, ctx.t("button.mod_ban"), "mod ban", {**user, "scope": "server"}, danger=True),
    )
    return (tuple(content), people)


async def mod_log(ctx: Context) -> Reply:
    me = standing(ctx)
    safety = ctx.services.safety
    safety.authority.require_moderator(me)
    place = None if safety.authority.is_global(ctx.account) else _here(ctx)
    entries = await safety.audit.entries(place, limit=LOG_PAGE)
    if not entries:
        return Reply(text=ctx.t("mod.log.empty"), private=True)
    lines = [
        ctx.t(
            "mod.log.line",
            when=when(e.created_at),
            moderator="@" + e.moderator_handle,
            action=e.action,
            target=e.target_key,
            subject="@" + e.subject_handle if e.subject_handle else "—",
            reason=e.reason or "—",
        )
        + ("" if place is not None else f" [{e.platform.value}:{e.server_id or '*'}]")
        for e in entries
    ]
    return Reply(title=ctx.t("mod.log.title"), text="\n".join(lines), private=True)


# --- actions ----------------------------------------------------------------------------
async def _target(ctx: Context, text: str) -> Target:
    kind, ident = parse_target(text)
    return await ctx.services.safety.moderation.target(standing(ctx), kind, ident)


async def mod_dismiss(ctx: Context, target: str, reason: str) -> Reply:
    found = await _target(ctx, target)
    closed = await ctx.services.safety.moderation.dismiss(standing(ctx), found, reason)
    return Reply(text=ctx.t("mod.dismissed", target=_label(ctx, found), count=closed))


async def mod_hide(ctx: Context, post: int, reason: str) -> Reply:
    found = await _target(ctx, str(post))
    await ctx.services.safety.moderation.hide(standing(ctx), found, reason)
    return Reply(text=ctx.t("mod.hidden", post=post))


async def mod_delete(ctx: Context, target: str, reason: str) -> Reply:
    found = await _target(ctx, target)
    await ctx.services.safety.moderation.delete(standing(ctx), found, reason)
    return Reply(text=ctx.t("mod.deleted", target=_label(ctx, found)))


async def mod_warn(ctx: Context, user: Account, reason: str) -> Reply:
    await ctx.services.safety.moderation.warn(standing(ctx), user, reason)
    return Reply(text=ctx.t("mod.warned", user=handle(user)))


async def mod_mute(ctx: Context, user: Account, hours: int, reason: str) -> Reply:
    until = await ctx.services.safety.moderation.mute(standing(ctx), user, hours, reason)
    return Reply(text=ctx.t("mod.muted", user=handle(user), until=until))


async def mod_ban(ctx: Context, user: Account, scope: str, reason: str) -> Reply:
    everywhere = scope == "global"
    await ctx.services.safety.moderation.ban(
        standing(ctx), user, everywhere=everywhere, reason=reason
    )
    return Reply(
        text=ctx.t("mod.banned_everywhere" if everywhere else "mod.banned_here", user=handle(user))
    )


REASON = Param("reason", ParamKind.TEXT, max_length=REASON_MAX)
TARGET = Param("target", ParamKind.WORD, max_length=48)
USER = Param("user", ParamKind.USER, max_length=33)

SPECS = (
    CommandSpec(
        "report",
        report,
        (
            Param("kind", ParamKind.CHOICE, choices=tuple(t.value for t in ReportTarget)),
            TARGET,
            REASON,
        ),
        private_reply=True,
        restricted=True,
    ),
    CommandSpec("mod queue", mod_queue, private_reply=True, asks_admin=True),
    CommandSpec("mod log", mod_log, private_reply=True, asks_admin=True),
    CommandSpec("mod dismiss", mod_dismiss, (TARGET, REASON), private_reply=True, asks_admin=True),
    CommandSpec(
        "mod hide",
        mod_hide,
        (Param("post", ParamKind.POST), REASON),
        private_reply=True,
        asks_admin=True,
    ),
    CommandSpec("mod delete", mod_delete, (TARGET, REASON), private_reply=True, asks_admin=True),
    CommandSpec("mod warn", mod_warn, (USER, REASON), private_reply=True, asks_admin=True),
    CommandSpec(
        "mod mute",
        mod_mute,
        (USER, Param("hours", ParamKind.INT, min_value=1, max_value=24 * 365), REASON),
        private_reply=True,
        asks_admin=True,
    ),
    CommandSpec(
        "mod ban",
        mod_ban,
        (USER, Param("scope", ParamKind.CHOICE, choices=("server", "global")), REASON),
        private_reply=True,
        asks_admin=True,
    ),
)
