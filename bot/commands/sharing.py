"""Sharing a post: a link to it, or its original image file."""

from __future__ import annotations

from bot.commands.context import Context, post_to_show
from bot.commands.render import post_image
from bot.commands.spec import CommandSpec, Param, ParamKind
from core.delivery.ports import PostLinks
from core.delivery.replies import Reply
from core.domain import Platform
from core.social.visibility import has_a_web_page


async def share(ctx: Context, post: int) -> Reply:
    """A link that opens the post: its web page when there is one (MOSAIC_WEB_URL), else a
    Telegram deep link; elsewhere, how to open it."""
    found = await post_to_show(ctx, post)
    if ctx.services.settings.web_url and has_a_web_page(found):
        link = ctx.services.links.post_url(found.id)
        return Reply(text=ctx.t("share.web_link", post=found.id, link=link))
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
