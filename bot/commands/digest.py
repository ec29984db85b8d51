"""`/digest …`: scheduled digests for a private chat, a group or a channel; and
`/settings notifications`.

In a private chat a digest is ranked for the person; in a group or channel it is ranked for
the place, and only its admins may manage it (the adapters set `Actor.is_admin`).
"""

from __future__ import annotations

from datetime import datetime

from bot.commands.context import Context
from bot.commands.digest_render import digest_reply
from bot.commands.spec import CommandSpec, Param, ParamKind
from core.delivery.replies import Reply
from core.digests import parse_request
from core.digests.ranking import already_sent
from core.digests.schedule import parse_quiet_hours
from core.digests.subscriptions import quiet_of
from core.domain import ChatKind, DigestState, RunState
from core.errors import Forbidden
from core.notifications import KINDS
from core.persistence.models import Destination, DigestRun, DigestSubscription


def _in_private(ctx: Context) -> bool:
    return ctx.actor.chat_kind is ChatKind.PRIVATE


async def _place(ctx: Context, *, manage: bool = True, create: bool = False) -> Destination:
    """This chat as a destination; managing a group's or channel's digests is for admins.

    Only `create` (a subscription) stores the chat; looking digests up in a chat Mosaic has
    never stored gives an unsaved destination, which has none (a refused /digest pause
    writes nothing)."""
    actor = ctx.actor
    if _in_private(ctx):
        chat_id, kind, title = actor.chat_id or f"dm:{actor.user_id}", ChatKind.PRIVATE, ""
    else:
        if manage and not actor.is_admin:
            raise Forbidden("error.digest_admins_only")
        chat_id, kind, title = (
            actor.chat_id or actor.server_id or "",
            actor.chat_kind,
            actor.chat_title,
        )
    destinations = ctx.services.destinations
    if create:
        return await destinations.get(actor.platform, chat_id, kind=kind, title=title)
    found = await destinations.find(actor.platform, chat_id)
    return found or Destination(platform=actor.platform, chat_id=chat_id, kind=kind, title=title)


def _local(moment: datetime | None, subscription: DigestSubscription) -> str:
    if moment is None:
        return "—"
    local = moment.astimezone(subscription_zone(subscription))
    return local.strftime("%Y-%m-%d %H:%M")


def subscription_zone(subscription: DigestSubscription):
    from zoneinfo import ZoneInfo

    return ZoneInfo(subscription.timezone)


def _describe(ctx: Context, subscription: DigestSubscription) -> str:
    parts = [
        ctx.t(
            "digest.line",
            id=subscription.id,
            schedule=subscription.schedule_text,
            size=subscription.size,
        )
    ]
    if subscription.topics:
        parts.append(ctx.t("digest.line.topics", topics=subscription.topics))
    quiet = quiet_of(subscription)
    if quiet is not None:
        parts.append(ctx.t("digest.line.quiet", quiet=quiet.text()))
    if subscription.state is DigestState.PAUSED:
        reason = subscription.paused_reason
        parts.append(
            ctx.t("digest.line.paused_because", reason=reason)
            if reason
            else ctx.t("digest.line.paused")
        )
    else:
        parts.append(ctx.t("digest.line.next", when=_local(subscription.next_run_at, subscription)))
    return " · ".join(parts)


async def digest_subscribe(ctx: Context, schedule: str) -> Reply:
    digests = ctx.services.digests
    request = parse_request(schedule, digests.calculator)
    place = await _place(ctx, create=True)
    subscription = await digests.subscribe(
        ctx.account,
        place,
        ctx.conversation.reply_target(),
        request,
        personal=_in_private(ctx),
    )
    return Reply(
        text=ctx.t(
            "digest.subscribed",
            id=subscription.id,
            schedule=subscription.schedule_text,
            when=_local(subscription.next_run_at, subscription),
            size=subscription.size,
        )
    )


async def digest_list(ctx: Context) -> Reply:
    place = await _place(ctx, manage=False)
    subscriptions = await ctx.services.digests.of_destination(place)
    if not subscriptions:
        return Reply(text=ctx.t("digest.none"))
    return Reply(
        title=ctx.t("digest.list.title"),
        text="\n".join(_describe(ctx, s) for s in subscriptions),
    )


async def digest_pause(ctx: Context, id: int) -> Reply:
    subscription = await ctx.services.digests.get(await _place(ctx), id)
    await ctx.services.digests.pause(subscription)
    return Reply(text=ctx.t("digest.paused", id=id))


async def digest_resume(ctx: Context, id: int) -> Reply:
    digests = ctx.services.digests
    subscription = await digests.get(await _place(ctx), id)
    await digests.resume(subscription)
    return Reply(
        text=ctx.t("digest.resumed", id=id, when=_local(subscription.next_run_at, subscription))
    )


async def digest_unsubscribe(ctx: Context, id: int) -> Reply:
    subscription = await ctx.services.digests.get(await _place(ctx), id)
    await ctx.services.digests.unsubscribe(subscription)
    return Reply(text=ctx.t("digest.unsubscribed", id=id))


async def digest_quiet(ctx: Context, id: int, hours: str) -> Reply:
    digests = ctx.services.digests
    subscription = await digests.get(await _place(ctx), id)
    quiet = parse_quiet_hours(hours)
    await digests.set_quiet(subscription, quiet)
    if quiet is None:
        return Reply(text=ctx.t("digest.quiet.off", id=id))
    return Reply(text=ctx.t("digest.quiet.on", id=id, quiet=quiet.text()))


async def digest_preview(ctx: Context) -> Reply:
    """Compose this place's digest now and show it to the invoker only (nothing recorded)."""
    place = await _place(ctx, manage=False, create=True)
    subscriptions = await ctx.services.digests.of_destination(place)
    subscription = subscriptions[0] if subscriptions else None
    if subscription is None:  # no subscription yet: preview the default digest
        subscription = DigestSubscription(
            personal=_in_private(ctx), size=6, topics="", timezone="UTC", owner_id=ctx.account.id
        )
    now = ctx.services.clock.now().astimezone(subscription_zone(subscription))
    digest = await ctx.services.digest_composer.compose(
        subscription, place, ctx.account, at=now, exclude=await already_sent(place.id)
    )
    if digest is None:
        return Reply(text=ctx.t("digest.preview.empty"), private=True)
    return digest_reply(digest, ctx.actor.platform, preview=True)


def _run_line(ctx: Context, subscription: DigestSubscription, run: DigestRun) -> str:
    when = _local(run.scheduled_for, subscription)
    if run.state is RunState.DELIVERED:
        what = ctx.t("digest.run.delivered", count=len(run.items))
    elif run.state is RunState.QUEUED:
        what = ctx.t("digest.run.queued", count=len(run.items))
    elif run.state is RunState.CLAIMED:
        what = ctx.t("digest.run.composing")
    else:
        reason = run.reason or "digest.reason.error"
        why = ctx.t(reason) if reason.startswith("digest.reason.") else reason
        key = "digest.run.skipped" if run.state is RunState.SKIPPED else "digest.run.failed"
        what = ctx.t(key, reason=why)
    return f"  {when} — {what}"


async def digest_status(ctx: Context) -> Reply:
    place = await _place(ctx, manage=False)
    statuses = await ctx.services.digests.status(place)
    if not statuses:
        return Reply(text=ctx.t("digest.none"))
    lines = []
    if place.paused_reason:
        lines.append(ctx.t("digest.status.place_paused", reason=place.paused_reason))
    for status in statuses:
        lines.append(_describe(ctx, status.subscription))
        if not status.runs:
            lines.append("  " + ctx.t("digest.run.none"))
        lines += [_run_line(ctx, status.subscription, run) for run in status.runs]
    return Reply(title=ctx.t("digest.status.title"), text="\n".join(lines))


async def settings_notifications(ctx: Context, kind: str, value: str) -> Reply:
    notifications = ctx.services.notifications
    kinds = KINDS if kind == "all" else (kind,)
    for each in kinds:
        await notifications.set_enabled(ctx.account, each, value == "on")
    state = await notifications.preferences(ctx.account)
    summary = ", ".join(
        f"{ctx.t(f'notify.kind.{k}')}: {ctx.t('digest.on' if on else 'digest.off')}"
        for k, on in state.items()
    )
    return Reply(text=ctx.t("settings.notifications.done", summary=summary))


SUBSCRIPTION_ID = Param("id", ParamKind.INT, min_value=1, max_value=2**53)

SPECS = (
    CommandSpec(
        "digest subscribe",
        digest_subscribe,
        (Param("schedule", ParamKind.TEXT, max_length=300),),
        examples=("/digest subscribe daily 08:30 Europe/Berlin 6 cats",),
        asks_admin=True,  # in a group only its admins may (Telegram asks getChatMember)
    ),
    CommandSpec("digest list", digest_list),
    CommandSpec("digest pause", digest_pause, (SUBSCRIPTION_ID,), asks_admin=True),
    CommandSpec("digest resume", digest_resume, (SUBSCRIPTION_ID,), asks_admin=True),
    CommandSpec("digest unsubscribe", digest_unsubscribe, (SUBSCRIPTION_ID,), asks_admin=True),
    CommandSpec(
        "digest quiet",
        digest_quiet,
        (SUBSCRIPTION_ID, Param("hours", ParamKind.WORD, max_length=20)),
        asks_admin=True,
    ),
    CommandSpec("digest preview", digest_preview, private_reply=True),
    CommandSpec("digest status", digest_status),
    CommandSpec(
        "settings notifications",
        settings_notifications,
        (
            Param("kind", ParamKind.CHOICE, choices=(*KINDS, "all")),
            Param("value", ParamKind.CHOICE, choices=("on", "off")),
        ),
        private_reply=True,
    ),
)
