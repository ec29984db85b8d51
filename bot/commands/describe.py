"""/describe: prompt ideas for a post's image, or for an image the person uploads (an
attachment on Discord, a photo on Telegram, a file path on the console)."""

from __future__ import annotations

import asyncio

from bot.commands.context import Context, post_to_show
from bot.commands.posts import _locate, _read_image_file
from bot.commands.spec import POST_ID_DIGITS, CommandSpec, Param, ParamKind
from bot.invocation import Upload
from core.delivery.replies import Button, Reply
from core.domain import Platform
from core.errors import InvalidInput, NotFound
from core.generation.description import Description, mime_of, style_of
from core.user_text import parse_number

TARGET = Param("target", ParamKind.TEXT, required=False, max_length=1024)
IMAGE = Param("image", ParamKind.UPLOAD, required=False)


async def describe(ctx: Context, target: str = "", image: Upload | None = None) -> Reply:
    text = target.strip()
    if image is not None:
        if text:
            raise InvalidInput("error.describe_post_or_image")
        data = await image.read(IMAGE.max_bytes)
        return await _uploaded(ctx, data)
    if not text:
        how = ctx.t(f"describe.how.{ctx.actor.platform.value}")
        raise InvalidInput("error.describe_what", how=how)
    number = parse_number(text.removeprefix("#"), max_digits=POST_ID_DIGITS)
    if number is not None:
        post = await post_to_show(ctx, number)
        if post.image_id is None:
            raise NotFound("error.describe_no_image", post=number)
        path = await ctx.services.images.local_copy(post.image_id)
        data = await asyncio.to_thread(path.read_bytes)
        described = await ctx.services.describer.describe(
            data, language=ctx.language, prompt=post.prompt, style=await style_of(post)
        )
        return _ideas(ctx, described, ctx.t("describe.what.post", post=number))
    if ctx.actor.platform is not Platform.CONSOLE:
        how = ctx.t(f"describe.how.{ctx.actor.platform.value}")
        raise InvalidInput("error.describe_what", how=how)
    path, _ = _locate(text, "")
    return await _uploaded(ctx, await asyncio.to_thread(_read_image_file, path))


async def _uploaded(ctx: Context, data: bytes) -> Reply:
    """An image that is not a post (an upload, a file): its bytes decide what it is."""
    if mime_of(data) is None:
        raise InvalidInput("error.describe_not_image")
    described = await ctx.services.describer.describe(data, language=ctx.language)
    return _ideas(ctx, described, ctx.t("describe.what.file"))


def _ideas(ctx: Context, described: Description, what: str) -> Reply:
    lines = [f"{n}. {idea}" for n, idea in enumerate(described.ideas, start=1)]
    buttons = tuple(
        Button(ctx.t("button.try_prompt", number=n), "imagine", {"prompt": idea}, owner_only=True)
        for n, idea in enumerate(described.ideas, start=1)
    )
    return Reply(
        title=ctx.t("describe.title", what=what),
        text="\n".join(lines),
        footer=ctx.t(f"describe.source.{described.source}"),
        buttons=(buttons,),
        private=True,
    )


SPECS = (
    CommandSpec(
        "describe",
        describe,
        (TARGET, IMAGE),
        private_reply=True,
        examples=("/describe 12",),
    ),
)
