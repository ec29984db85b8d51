"""One person across platforms (/link, /unlink) and their data rights (/export, /deleteme)."""

from __future__ import annotations

from bot.commands.context import Context
from bot.commands.spec import CommandSpec, Param, ParamKind
from bot.replies import Button, ButtonStyle, ImageRef, Reply
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
    ctx.account.show_linked_handles = value == "show"
    await ctx.account.save(update_fields=["show_linked_handles"])
    return Reply(text=ctx.t(f"settings.handles.{value}"), private=True)


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
)
