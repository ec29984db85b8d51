"""Posts, likes and comments (the feed is in feed.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.commands.context import Context, post_to_show
from bot.commands.render import AUDIENCES, audience_choice, handle, post_reply
from bot.commands.spec import CommandSpec, Param, ParamKind
from core.delivery.replies import Button, Reply
from core.domain import Audience, Platform
from core.errors import InvalidInput
from core.feed import Outcome
from core.social import Origin
from core.user_text import CAPTION_MAX, COMMENT_MAX

MAX_UPLOAD_FILE = 50 * 1024 * 1024
COMMENTS_PAGE = 10


async def _liked_ids(ctx: Context, post_ids: list[int]) -> set[int]:
    return await ctx.services.engagement.liked_among(ctx.account, post_ids)


def _locate(image: str, caption: str) -> tuple[Path, str]:
    """The file `image` names, and the caption after it. An unquoted path with spaces
    (`My Pictures/fox.png nice`) reaches into the caption: the longest existing file wins."""
    path = Path(image).expanduser()
    try:
        if path.is_file():
            return path, caption
        words = caption.split(" ")
        for count in range(len(words), 0, -1):
            candidate = Path(" ".join([image, *words[:count]])).expanduser()
            if candidate.is_file():
                return candidate, " ".join(words[count:]).strip()
    except OSError as error:  # a name too long, no permission
        raise InvalidInput(
            "error.file_unreadable", path=str(path)[:200], reason=error.strerror or "?"
        ) from None
    raise InvalidInput("error.no_such_file", path=str(path)[:200])


def _read_image_file(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_UPLOAD_FILE:
            raise InvalidInput("error.file_too_big", limit_mb=MAX_UPLOAD_FILE // (1024 * 1024))
        return path.read_bytes()
    except OSError as error:  # no permission, a vanished file
        raise InvalidInput(
            "error.file_unreadable", path=str(path)[:200], reason=error.strerror or "?"
        ) from None


async def post(ctx: Context, image: str, caption: str = "", audience: str | None = None) -> Reply:
    """`/post <file> [caption]`: asks who should see it (as previews do), then posts it."""
    path, caption = _locate(image, caption)
    data = await asyncio.to_thread(_read_image_file, path)
    if audience is None:
        args = {"image": str(path.resolve()), "caption": caption}
        return audience_choice(ctx, "post", args)
    created = await ctx.services.posts.create(
        ctx.account,
        data,
        caption=caption,
        audience=Audience(audience),
        origin=Origin(ctx.actor.platform, ctx.actor.chat_id, ctx.actor.server_id),
    )
    shown = await ctx.services.posts.get_visible(ctx.account, created.id)
    return post_reply(ctx, shown, liked=False)


async def show(ctx: Context, post: int) -> Reply:
    found = await post_to_show(ctx, post)
    await ctx.services.feed.impressions.outcome(ctx.account.id, found.id, Outcome.OPEN)
    follows = await ctx.services.graph.followed_among(ctx.account, {found.author_id})
    return post_reply(
        ctx, found, liked=bool(await _liked_ids(ctx, [found.id])), follows_author=bool(follows)
    )


async def like(ctx: Context, post: int) -> Reply:
    liked = await ctx.services.engagement.like(ctx.account, post)
    return Reply(text=ctx.t("like.done", post=post, likes=liked.like_count))


async def unlike(ctx: Context, post: int) -> Reply:
    unliked = await ctx.services.engagement.unlike(ctx.account, post)
    return Reply(text=ctx.t("unlike.done", post=post, likes=unliked.like_count))


async def comment(ctx: Context, post: int, text: str) -> Reply:
    await ctx.services.engagement.comment(ctx.account, post, text)
    return Reply(
        text=ctx.t("comment.done", post=post),
        buttons=((Button(ctx.t("button.comments"), "comments", {"post": post}),),),
    )


async def comments(ctx: Context, post: int) -> Reply:
    found, rows = await ctx.services.engagement.comments(ctx.account, post, limit=COMMENTS_PAGE)
    if not rows:
        return Reply(text=ctx.t("comments.empty", post=post))
    lines = [f"{handle(c.author)}: {c.text}" for c in rows]
    more = found.comment_count - len(rows)
    if more > 0:
        lines.append(ctx.t("comments.more", count=more))
    return Reply(title=ctx.t("comments.title", post=post), text="\n".join(lines))


async def delete(ctx: Context, post: int) -> Reply:
    await ctx.services.posts.delete(ctx.account, post)
    return Reply(text=ctx.t("delete.done", post=post))


POST_ID = Param("post", ParamKind.POST)

SPECS = (
    CommandSpec(
        "post",
        post,
        (
            Param("image", ParamKind.PATH, max_length=1024),
            Param("caption", ParamKind.TEXT, required=False, max_length=CAPTION_MAX),
            Param("audience", ParamKind.CHOICE, required=False, choices=AUDIENCES, flag_only=True),
        ),
        platforms=frozenset({Platform.CONSOLE}),
        restricted=True,
    ),
    CommandSpec("show", show, (POST_ID,)),
    CommandSpec("like", like, (POST_ID,), restricted=True),
    CommandSpec("unlike", unlike, (POST_ID,)),
    CommandSpec(
        "comment",
        comment,
        (POST_ID, Param("text", ParamKind.TEXT, max_length=COMMENT_MAX)),
        restricted=True,
    ),
    CommandSpec("comments", comments, (POST_ID,)),
    CommandSpec("delete", delete, (POST_ID,), private_reply=True),
)
