"""/describe: prompt ideas for a post's image (or, on the console, an image file)."""

from __future__ import annotations

import asyncio

from bot.commands.context import Context, post_to_show
from bot.commands.posts import _locate, _read_image_file
from bot.commands.spec import POST_ID_DIGITS, CommandSpec, Param, ParamKind
from core.delivery.replies import Button, Reply
from core.domain import Platform
from core.errors import InvalidInput, NotFound
from core.generation.description import Description, mime_of, style_of
from core.user_text import parse_number


async def describe(ctx: Context, target: str) -> Reply:
    text = target.strip()
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
        raise InvalidInput("error.bad_post_id", value=text[:40])
    path, _ = _locate(text, "")
    data = await asyncio.to_thread(_read_image_file, path)
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
        (Param("target", ParamKind.TEXT, max_length=1024),),
        private_reply=True,
        examples=("/describe 12",),
    ),
)
