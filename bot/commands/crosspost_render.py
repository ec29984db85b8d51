"""A cross-posted post as a neutral reply: its picture, who made it where, and its buttons.

Nobody in particular sees a channel's message, so its buttons have no owner and run as
whoever presses them (open, like, comment, remix, follow the author), in the channel's
language. Discord allows five buttons in a row; these are five.
"""

from __future__ import annotations

from typing import Any

from bot.commands.buttons import tokenize
from core.button_tokens import ActionTokens
from core.delivery.replies import Button, ButtonStyle, ImageRef, Reply, TextInput
from core.delivery.reply_codec import encode_reply
from core.domain import Platform
from core.i18n import translate
from core.images import ImageStore
from core.persistence.models import Post
from core.user_text import COMMENT_MAX, PROMPT_MAX


def crosspost_buttons(language: str, post: Post) -> tuple[tuple[Button, ...], ...]:
    def t(key: str, **params: Any) -> str:
        return translate(language, key, **params)

    row = [
        Button(t("crosspost.button.open"), "show", {"post": post.id}, style=ButtonStyle.PRIMARY),
        Button(t("button.like"), "like", {"post": post.id}),
        Button(
            t("button.comment"),
            "comment",
            {"post": post.id},
            text_input=TextInput("text", t("button.comment_prompt"), COMMENT_MAX),
        ),
    ]
    if post.allow_remix:
        row.append(
            Button(
                t("button.remix"),
                "remix",
                {"post": post.id},
                text_input=TextInput("prompt", t("button.remix_prompt"), PROMPT_MAX),
            )
        )
    author = f"@{post.author.handle}"
    row.append(Button(t("button.follow_author", author=author), "follow", {"user": author}))
    return (tuple(row),)


def crosspost_reply(language: str, post: Post, image: ImageRef | None) -> Reply:
    def t(key: str, **params: Any) -> str:
        return translate(language, key, **params)

    lines = [post.caption] if post.caption else []
    if post.prompt:
        lines.append(t("post.prompt", prompt=post.prompt))
    footer = [
        t("post.counts", likes=post.like_count, comments=post.comment_count),
        t("crosspost.from", platform=Platform(post.origin_platform).value.capitalize()),
    ]
    if post.provider:
        footer.append(t("post.ai_label", provider=post.provider))
    return Reply(
        title=t(
            "post.title",
            post=post.id,
            author=f"@{post.author.handle}",
            audience=t(f"audience.{post.audience}"),
        ),
        text="\n".join(lines),
        images=(image,) if image is not None else (),
        footer=" · ".join(footer),
        buttons=crosspost_buttons(language, post),
        post_id=post.id,
    )


class CrossPostRendering:
    """`core.crossposts.CrossPostRenderer` for every platform (the adapters do the rest)."""

    def __init__(self, images: ImageStore, tokens: ActionTokens, default_language: str) -> None:
        self._images = images
        self._tokens = tokens
        self._default_language = default_language

    async def render(self, language: str | None, post: Post) -> dict[str, Any]:
        language = language or self._default_language
        image = None
        if post.image_id is not None:
            alt = (post.prompt or post.caption or "")[:200]
            image = ImageRef(self._images.path(post.image_id), alt=alt)
        reply = await tokenize(crosspost_reply(language, post, image), self._tokens, post.author_id)
        return encode_reply(reply)
