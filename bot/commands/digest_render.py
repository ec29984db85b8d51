"""Digests and notifications as neutral replies (the adapters render them natively).

A digest is one message: the collage as its picture, one credit line per item, and buttons
to open, like or remix each item. Telegram shows one keyboard row per item; Discord allows
5 rows of 5 buttons, so there the buttons are grouped by kind (open, like, remix) and
digests of more than 8 items get remix buttons for their first items only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.commands.buttons import tokenize
from core.button_tokens import ActionTokens
from core.delivery.replies import Button, ButtonStyle, ImageRef, Reply, TextInput
from core.delivery.reply_codec import encode_reply
from core.digests.compose import ComposedDigest
from core.domain import Platform
from core.i18n import translate
from core.persistence.models import Notification, Post
from core.user_text import PROMPT_MAX

CREDIT_PROMPT = 60  # characters of a prompt in a credit line (Telegram captions ≤ 1,024)
DISCORD_ROWS, DISCORD_PER_ROW = 5, 5


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def credit_line(language: str, number: int, post: Post) -> str:
    words = post.prompt or post.caption or ""
    author = f"@{post.author.handle}"
    if words:
        return translate(
            language,
            "digest.credit",
            number=number,
            text=_short(words, CREDIT_PROMPT),
            author=author,
        )
    return translate(language, "digest.credit_plain", number=number, author=author)


def _item_buttons(language: str, number: int, post: Post) -> tuple[Button, Button, Button]:
    def t(key: str) -> str:
        return translate(language, key, number=number)

    return (
        Button(t("digest.button.open"), "show", {"post": post.id}, style=ButtonStyle.PRIMARY),
        Button(t("digest.button.like"), "like", {"post": post.id}),
        Button(
            t("digest.button.remix"),
            "remix",
            {"post": post.id},
            text_input=TextInput("prompt", translate(language, "button.remix_prompt"), PROMPT_MAX),
        ),
    )


def digest_buttons(
    language: str, platform: Platform, items: Sequence[Post]
) -> tuple[tuple[Button, ...], ...]:
    per_item = [_item_buttons(language, n, post) for n, post in enumerate(items, start=1)]
    if platform is not Platform.DISCORD or len(items) <= DISCORD_ROWS:
        return tuple(per_item)
    rows: list[tuple[Button, ...]] = []
    for kind in range(3):  # open, like, remix: each kind in rows of five
        buttons = [item[kind] for item in per_item]
        for start in range(0, len(buttons), DISCORD_PER_ROW):
            if len(rows) < DISCORD_ROWS:
                rows.append(tuple(buttons[start : start + DISCORD_PER_ROW]))
    return tuple(rows)


def digest_reply(digest: ComposedDigest, platform: Platform, *, preview: bool = False) -> Reply:
    language = digest.language
    lines = [credit_line(language, n, post) for n, post in enumerate(digest.items, start=1)]
    footer_key = "digest.footer.preview" if preview else "digest.footer"
    return Reply(
        title=translate(language, "digest.heading", title=digest.title, date=digest.date),
        text="\n".join(lines),
        images=(ImageRef(digest.collage.path, alt=digest.title),),
        footer=translate(language, footer_key),
        buttons=digest_buttons(language, platform, digest.items),
        private=preview,
        shows=tuple(post.id for post in digest.items),
    )


def notification_reply(language: str, notifications: Sequence[Notification]) -> Reply:
    lines = []
    for note in notifications[:20]:
        who = f"@{note.actor.handle}"
        lines.append(translate(language, f"notify.{note.kind}", who=who, post=note.post_id))
    if len(notifications) > 20:
        lines.append(translate(language, "notify.more", count=len(notifications) - 20))
    return Reply(
        title=translate(language, "notify.title", count=len(notifications)),
        text="\n".join(lines),
        footer=translate(language, "notify.footer"),
    )


def paused_reply(language: str, subscription_id: int, place: str, reason: str) -> Reply:
    return Reply(
        text=translate(
            language, "digest.paused_notice", id=subscription_id, place=place, reason=reason
        ),
        is_error=True,
    )


class DigestRendering:
    """`core.delivery.ports.OutboxRenderer`: digests, paused notices and notification batches
    for the scheduler, for every platform (the adapters do the rest)."""

    def __init__(self, tokens: ActionTokens) -> None:
        self._tokens = tokens

    async def digest(
        self, digest: ComposedDigest, platform: Platform, viewer_id: int
    ) -> dict[str, Any]:
        return encode_reply(await tokenize(digest_reply(digest, platform), self._tokens, viewer_id))

    def paused_notice(
        self, language: str, subscription_id: int, place: str, reason: str
    ) -> dict[str, Any]:
        return encode_reply(paused_reply(language, subscription_id, place, reason))

    def notification(self, language: str, notifications: Sequence[Notification]) -> dict[str, Any]:
        return encode_reply(notification_reply(language, notifications))
