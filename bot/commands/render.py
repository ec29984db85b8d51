"""How core objects look as neutral replies (shared by every command that shows them)."""

from __future__ import annotations

from collections.abc import Mapping

from bot.commands.context import Context
from core.delivery.replies import Button, ButtonStyle, ImageRef, Reply, TextInput
from core.domain import Audience, Platform
from core.persistence.models import Account, Post
from core.safety.reports import REASON_MAX as REPORT_REASON_MAX
from core.social.visibility import has_a_web_page
from core.user_text import COMMENT_MAX, PROMPT_MAX

AUDIENCES = (Audience.PUBLIC.value, Audience.FOLLOWERS.value, Audience.PRIVATE.value)


def audience_choice(ctx: Context, command: str, args: Mapping[str, object]) -> Reply:
    """ "Who should see this post?" with one button per audience, each running `command`
    with `args` and its audience (a preview's 📢 Post, `/post <file>`)."""
    choices = tuple(
        Button(
            ctx.t(f"button.audience.{audience}"),
            command,
            {**args, "audience": audience},
            owner_only=True,
            style=ButtonStyle.PRIMARY if audience == "public" else ButtonStyle.SECONDARY,
        )
        for audience in AUDIENCES
    )
    return Reply(text=ctx.t("publish.choose"), buttons=(choices,), private=True)


def handle(account: Account | None) -> str:
    return f"@{account.handle}" if account is not None else "?"


def post_image(ctx: Context, post: Post) -> tuple[ImageRef, ...]:
    if post.image_id is None:
        return ()
    alt = post.prompt or post.caption or ""
    return (ImageRef(ctx.services.images.path(post.image_id), alt=alt[:200]),)


def post_footer(ctx: Context, post: Post) -> str:
    parts = [ctx.t("post.counts", likes=post.like_count, comments=post.comment_count)]
    if post.remix_of_id is None and post.remix_parent_gone:
        parts.append(ctx.t("post.remix_of_deleted_user"))
    elif post.remix_of_id is not None:
        parent = post.remix_of
        author = parent.author if parent is not None else None
        parts.append(ctx.t("post.remix_of", post=post.remix_of_id, author=handle(author)))
    if post.provider:
        parts.append(ctx.t("post.ai_label", provider=post.provider))
    return " · ".join(parts)


def post_buttons(
    ctx: Context, post: Post, *, liked: bool, follows_author: bool = False
) -> tuple[tuple[Button, ...], ...]:
    like = (
        Button(ctx.t("button.unlike"), "unlike", {"post": post.id})
        if liked
        else Button(ctx.t("button.like"), "like", {"post": post.id}, style=ButtonStyle.PRIMARY)
    )
    comment = Button(
        ctx.t("button.comment"),
        "comment",
        {"post": post.id},
        text_input=TextInput("text", ctx.t("button.comment_prompt"), COMMENT_MAX),
    )
    comments = Button(ctx.t("button.comments"), "comments", {"post": post.id})
    row: tuple[Button, ...] = (like, comment, comments)
    if post.allow_remix or post.author_id == ctx.account.id:
        row += (
            Button(
                ctx.t("button.remix"),
                "remix",
                {"post": post.id},
                text_input=TextInput("prompt", ctx.t("button.remix_prompt"), PROMPT_MAX),
            ),
        )
    if post.author_id != ctx.account.id and not follows_author:
        row += (
            Button(
                ctx.t("button.follow_author", author=handle(post.author)),
                "follow",
                {"user": post.author.handle},
            ),
        )
    extra: tuple[Button, ...] = ()
    if _offers_files(ctx):  # platforms that recompress images (Telegram)
        extra += (Button(ctx.t("button.file"), "file", {"post": post.id}),)
    if post.author_id != ctx.account.id:
        extra += (
            Button(
                ctx.t("button.report"),
                "report",
                {"kind": "post", "target": str(post.id)},
                text_input=TextInput("reason", ctx.t("button.report_prompt"), REPORT_REASON_MAX),
            ),
        )
    if _links_to_the_web(ctx) and has_a_web_page(post):
        url = ctx.services.links.post_url(post.id)
        extra += (Button(ctx.t("button.open_web"), "", url=url),)
    return (row, extra) if extra else (row,)


def _links_to_the_web(ctx: Context) -> bool:
    """Discord posts link to their web page once the web has a public URL (MOSAIC_WEB_URL);
    Telegram has /share and the Mini App."""
    return bool(ctx.services.settings.web_url) and ctx.actor.platform is Platform.DISCORD


def _offers_files(ctx: Context) -> bool:
    return "file" in ctx.registry and ctx.registry.get("file").available_on(ctx.actor.platform)


def post_reply(ctx: Context, post: Post, *, liked: bool, follows_author: bool = False) -> Reply:
    """A post as the viewer sees it: Unlike if they like it, no Follow if they follow its
    author (or are the author)."""
    lines = []
    if post.caption:
        lines.append(post.caption)
    if post.prompt:
        lines.append(ctx.t("post.prompt", prompt=post.prompt))
    return Reply(
        title=ctx.t(
            "post.title",
            post=post.id,
            author=handle(post.author),
            audience=ctx.t(f"audience.{post.audience}"),
        ),
        text="\n".join(lines),
        images=post_image(ctx, post),
        footer=post_footer(ctx, post),
        buttons=post_buttons(ctx, post, liked=liked, follows_author=follows_author),
        post_id=post.id,
    )
