"""Sharing a post: a link to it, or its original image file."""

from __future__ import annotations

from bot.commands.context import Context, post_to_show
from bot.commands.render import post_image
from bot.commands.spec import CommandSpec, Param, ParamKind
from bot.replies import PostLinks, Reply
from core.domain import Platform


async def share(ctx: Context, post: int) -> Reply:
    """A link that opens the post (Telegram: a deep link); elsewhere, how to open it."""
    found = await post_to_show(ctx, post)
    if isinstance(ctx.conversation, PostLinks):
        link = ctx.conversation.post_link(found.id)
        return Reply(text=ctx.t("share.link", post=found.id, link=link))
    return Reply(text=ctx.t("share.no_link", post=found.id))


async def file(ctx: Context, post: int) -> Reply:
    """The post's image as a file, for platforms that recompress images they show."""
    found = await post_to_show(ctx, post)
    return Reply(
        text=ctx.t("file.caption", post=found.id),
        files=post_image(ctx, found),
        post_id=found.id,
    )


SPECS = (
    CommandSpec("share", share, (Param("post", ParamKind.POST),)),
    CommandSpec(
        "file", file, (Param("post", ParamKind.POST),), platforms=frozenset({Platform.TELEGRAM})
    ),
)
