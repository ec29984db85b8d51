"""One person across platforms (/link, /unlink) and their data rights (/export, /deleteme)."""

from __future__ import annotations

from bot.commands.context import Context
from bot.commands.spec import CommandSpec, Param, ParamKind
from core.delivery.replies import Button, ButtonStyle, ImageRef, Reply
from core.domain import Platform

CHAT_PLATFORMS = (Platform.TELEGRAM.value, Platform.DISCORD.value, Platform.CONSOLE.value)


async def link(ctx: Context, code: str | None = None) -> Reply:
    linking = ctx.services.linking
    if code is None:
        issued = await linking.issue_code(ctx.actor.platform, ctx.actor.user_id)
        return Reply(text=ctx.t("link.code", code=issued.code, minutes=10), private=True)
    merged = await linking.redeem(ctx.actor.platform, ctx.actor.user_id, code)
    return Reply(text=ctx.t("link.done", handle=f"@{merged.handle}"), private=True)


async def unlink(ctx: Context, platform: str) -> Reply:
    fresh = await ctx.services.linking.unlink(ctx.account, Platform(platform))
    return Reply(
        text=ctx.t("unlink.done", platform=platform, handle=f"@{fresh.handle}"), private=True
    )


async def export(ctx: Context) -> Reply:
    path = await ctx.services.account_data.export(ctx.account)
    return Reply(text=ctx.t("export.done"), files=(ImageRef(path),), private=True)


async def deleteme(ctx: Context, confirm: str | None = None) -> Reply:
    if confirm != "yes":
        button = Button(
            ctx.t("button.deleteme"),
            "deleteme",
            {"confirm": "yes"},
            owner_only=True,
            style=ButtonStyle.DANGER,
        )
        return Reply(text=ctx.t("deleteme.ask"), buttons=((button,),), private=True)
    await ctx.services.account_data.delete(ctx.account)
    return Reply(text=ctx.t("deleteme.done"), private=True)


async def settings_handles(ctx: Context, value: str) -> Reply:
    await ctx.services.accounts.show_linked_handles(ctx.account, value == "show")
    return Reply(text=ctx.t(f"settings.handles.{value}"), private=True)


async def settings_sensitive(ctx: Context, value: str, confirm: str | None = None) -> Reply:
    """Sensitive posts (adult, violent) are off by default; on needs an age confirmation."""
    account = ctx.account
    if value == "off":
        await ctx.services.accounts.confirm_sensitive(account, None)
        return Reply(text=ctx.t("settings.sensitive.off"), private=True)
    if confirm != "yes":
        button = Button(
            ctx.t("button.sensitive_confirm"),
            "settings sensitive",
            {"value": "on", "confirm": "yes"},
            owner_only=True,
            style=ButtonStyle.DANGER,
        )
        return Reply(text=ctx.t("settings.sensitive.ask"), buttons=((button,),), private=True)
    await ctx.services.accounts.confirm_sensitive(account, ctx.services.clock.now())
    return Reply(text=ctx.t("settings.sensitive.on"), private=True)


SPECS = (
    CommandSpec(
        "link",
        link,
        (Param("code", ParamKind.WORD, required=False, max_length=16),),
        private_reply=True,
    ),
    CommandSpec(
        "unlink",
        unlink,
        (Param("platform", ParamKind.CHOICE, choices=CHAT_PLATFORMS),),
        private_reply=True,
    ),
    CommandSpec("export", export, private_reply=True),
    CommandSpec(
        "deleteme",
        deleteme,
        (Param("confirm", ParamKind.CHOICE, required=False, choices=("yes",), flag_only=True),),
        private_reply=True,
    ),
    CommandSpec(
        "settings handles",
        settings_handles,
        (Param("value", ParamKind.CHOICE, choices=("show", "hide")),),
        private_reply=True,
    ),
    CommandSpec(
        "settings sensitive",
        settings_sensitive,
        (
            Param("value", ParamKind.CHOICE, choices=("on", "off")),
            Param("confirm", ParamKind.CHOICE, required=False, choices=("yes",), flag_only=True),
        ),
        private_reply=True,
    ),
)
