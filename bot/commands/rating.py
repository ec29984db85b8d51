"""/rate: "which is better?", two posts side by side with the buttons A, B and skip."""

from __future__ import annotations

from bot.commands.context import Context, hides_sensitive
from bot.commands.render import handle
from bot.commands.spec import CommandSpec, Param, ParamKind
from core.delivery.replies import Button, ImageRef, Reply
from core.persistence.models import Post


async def rate(ctx: Context) -> list[Reply]:
    rating = ctx.services.rating
    pair = await rating.pair(ctx.account, safe=await hides_sensitive(ctx))
    if pair is None:
        return [Reply(text=ctx.t("rate.empty"), private=True)]
    picture = await rating.picture(pair)
    a, b = pair.a, pair.b

    def line(label: str, post: Post) -> str:
        text = ctx.t("rate.line", label=label, post=post.id, author=handle(post.author))
        about = post.prompt or post.caption
        return f"{text}: {about[:200]}" if about else text

    buttons = (
        Button(ctx.t("button.rate.a"), "rate vote", {"chose": a.id, "over": b.id}, owner_only=True),
        Button(ctx.t("button.rate.b"), "rate vote", {"chose": b.id, "over": a.id}, owner_only=True),
        Button(ctx.t("button.rate.skip"), "rate", {}, owner_only=True),
    )
    alt = ctx.t("rate.alt", a=a.id, b=b.id)
    return [
        Reply(
            title=ctx.t("rate.title"),
            text="\n".join((line("A", a), line("B", b))),
            images=(ImageRef(picture, alt=alt),),
            buttons=(buttons,),
            private=True,
        )
    ]


async def rate_vote(ctx: Context, chose: int, over: int) -> list[Reply]:
    """A or B pressed: the vote, then the next pair."""
    await ctx.services.rating.vote(ctx.account, chose, over)
    return [Reply(text=ctx.t("rate.thanks", post=chose), private=True), *await rate(ctx)]


SPECS = (
    CommandSpec("rate", rate, (), private_reply=True),
    # The buttons A and B (not typed, not listed):
    CommandSpec(
        "rate vote",
        rate_vote,
        (Param("chose", ParamKind.POST), Param("over", ParamKind.POST)),
        hidden=True,
        private_reply=True,
    ),
)
