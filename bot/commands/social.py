"""Profiles, follows and blocks."""

from __future__ import annotations

from bot.commands.context import Context
from bot.commands.render import handle
from bot.commands.spec import CommandSpec, Param, ParamKind
from core.delivery.replies import Button, ImageRef, Reply
from core.persistence.models import Account
from core.social.gallery import gallery_picture, latest_posts

LIST_LIMIT = 20


async def profile(ctx: Context, user: Account | None = None) -> Reply:
    account = user or ctx.account
    info = await ctx.services.accounts.profile(ctx.account, account)
    lines = [
        ctx.t(
            "profile.counts", posts=info.posts, followers=info.followers, following=info.following
        ),
    ]
    if info.linked:
        lines.append(ctx.t("profile.linked", handles=", ".join(info.linked)))
    buttons: tuple[tuple[Button, ...], ...] = ()
    if account.id != ctx.account.id:
        lines.append(
            ctx.t("profile.you_follow" if info.viewer_follows else "profile.not_following")
        )
        button = (
            Button(ctx.t("button.unfollow"), "unfollow", {"user": account.handle})
            if info.viewer_follows
            else Button(ctx.t("button.follow"), "follow", {"user": account.handle})
        )
        buttons = ((button,),)
    posts = await latest_posts(ctx.account, account)
    images: tuple[ImageRef, ...] = ()
    if posts:
        picture = await gallery_picture(
            ctx.services.images, posts, account, ctx.language, ctx.services.clock.now()
        )
        images = (ImageRef(picture.path, alt=ctx.t("profile.grid_title", handle=handle(account))),)
        lines.append(ctx.t("profile.grid", count=len(posts)))
        opens = tuple(
            Button(ctx.t("digest.button.open", number=number), "show", {"post": post.id})
            for number, post in enumerate(posts, 1)
        )
        buttons = (opens[:3], opens[3:], *buttons) if len(opens) > 3 else (opens, *buttons)
    return Reply(
        title=ctx.t("profile.title", name=account.display_name, handle=handle(account)),
        text="\n".join(lines),
        images=images,
        buttons=buttons,
    )


async def follow(ctx: Context, user: Account) -> Reply:
    await ctx.services.graph.follow(ctx.account, user)
    return Reply(text=ctx.t("follow.done", handle=handle(user)))


async def unfollow(ctx: Context, user: Account) -> Reply:
    await ctx.services.graph.unfollow(ctx.account, user)
    return Reply(text=ctx.t("unfollow.done", handle=handle(user)))


def _people(
    ctx: Context, key_title: str, key_empty: str, owner: Account, people: list[Account]
) -> Reply:
    if not people:
        return Reply(text=ctx.t(key_empty, handle=handle(owner)))
    lines = [f"• {p.display_name} ({handle(p)})" for p in people]
    return Reply(title=ctx.t(key_title, handle=handle(owner)), text="\n".join(lines))


async def followers(ctx: Context, user: Account | None = None) -> Reply:
    owner = user or ctx.account
    people = await ctx.services.graph.followers(owner, limit=LIST_LIMIT)
    return _people(ctx, "followers.title", "followers.empty", owner, people)


async def following(ctx: Context, user: Account | None = None) -> Reply:
    owner = user or ctx.account
    people = await ctx.services.graph.following(owner, limit=LIST_LIMIT)
    return _people(ctx, "following.title", "following.empty", owner, people)


async def block(ctx: Context, user: Account) -> Reply:
    await ctx.services.graph.block(ctx.account, user)
    return Reply(text=ctx.t("block.done", handle=handle(user)))


async def unblock(ctx: Context, user: Account) -> Reply:
    await ctx.services.graph.unblock(ctx.account, user)
    return Reply(text=ctx.t("unblock.done", handle=handle(user)))


USER = Param("user", ParamKind.USER, max_length=33)
OPTIONAL_USER = Param("user", ParamKind.USER, required=False, max_length=33)

SPECS = (
    CommandSpec("profile", profile, (OPTIONAL_USER,)),
    CommandSpec("follow", follow, (USER,)),
    CommandSpec("unfollow", unfollow, (USER,)),
    CommandSpec("followers", followers, (OPTIONAL_USER,)),
    CommandSpec("following", following, (OPTIONAL_USER,)),
    CommandSpec("block", block, (USER,), private_reply=True),
    CommandSpec("unblock", unblock, (USER,), private_reply=True),
)
