"""Challenge entries and results as neutral replies (the adapters render them natively).

An entry: the post's picture, who made it, its counted votes, and the 🗳 Vote and Open
buttons (anyone may press them: they run as whoever presses). Results: the collage of the
winners, one credit line per winner, Open and Like per winner (one row each, so Telegram's
keyboard and Discord's five rows of five both hold them), and the leaderboard.
"""

from __future__ import annotations

from typing import Any

from bot.commands.buttons import tokenize
from bot.commands.digest_render import CREDIT_PROMPT, _short
from core.button_tokens import ActionTokens
from core.challenges import Standing
from core.delivery.replies import Button, ButtonStyle, ImageRef, Reply
from core.delivery.reply_codec import encode_reply
from core.i18n import translate
from core.images import ImageFile, ImageStore
from core.persistence.models import Challenge, ChallengeEntry, Post

MEDALS = ("🥇", "🥈", "🥉")


def entry_buttons(language: str, entry: ChallengeEntry, post: Post) -> tuple[Button, ...]:
    return (
        Button(
            translate(language, "challenge.button.vote"),
            "challenge vote",
            {"entry": entry.id},
            style=ButtonStyle.PRIMARY,
        ),
        Button(translate(language, "challenge.button.open"), "show", {"post": post.id}),
    )


def entry_reply(
    language: str,
    challenge: Challenge,
    entry: ChallengeEntry,
    post: Post,
    image: ImageRef | None,
    votes: int | None = None,
) -> Reply:
    lines = [translate(language, "challenge.entry.theme", theme=challenge.theme)]
    if post.prompt:
        lines.append(translate(language, "post.prompt", prompt=_short(post.prompt, 300)))
    footer = [translate(language, "challenge.entry.footer", entry=entry.id)]
    if votes is not None:
        footer.append(translate(language, "challenge.votes", votes=votes))
    return Reply(
        title=translate(
            language,
            "challenge.entry.title",
            entry=entry.id,
            post=post.id,
            author=f"@{post.author.handle}",
        ),
        text="\n".join(lines),
        images=(image,) if image is not None else (),
        footer=" · ".join(footer),
        buttons=(entry_buttons(language, entry, post),),
        post_id=post.id,
    )


def winner_line(language: str, rank: int, standing: Standing) -> str:
    post = standing.post
    medal = MEDALS[rank - 1] if rank <= len(MEDALS) else f"{rank}."
    words = post.prompt or post.caption or f"#{post.id}"
    return translate(
        language,
        "challenge.results.line",
        medal=medal,
        text=_short(words, CREDIT_PROMPT),
        author=f"@{post.author.handle}",
        votes=standing.votes,
    )


def results_reply(
    language: str, challenge: Challenge, winners: list[Standing], collage: ImageFile
) -> Reply:
    rows: list[tuple[Button, ...]] = []
    for rank, standing in enumerate(winners, start=1):
        post = standing.post
        rows.append(
            (
                Button(
                    translate(language, "challenge.button.open_rank", rank=rank),
                    "show",
                    {"post": post.id},
                    style=ButtonStyle.PRIMARY,
                ),
                Button(
                    translate(language, "challenge.button.like_rank", rank=rank),
                    "like",
                    {"post": post.id},
                ),
            )
        )
    where = "global" if challenge.server_id is None else "here"  # the challenge's own board
    rows.append(
        (
            Button(
                translate(language, "challenge.button.leaderboard"),
                "challenge leaderboard",
                {"where": where},
            ),
        )
    )
    return Reply(
        title=translate(language, "challenge.results.title", theme=challenge.theme),
        text="\n".join(winner_line(language, n, s) for n, s in enumerate(winners, start=1)),
        images=(ImageRef(collage.path, alt=challenge.theme),),
        footer=translate(language, "challenge.results.footer"),
        buttons=tuple(rows),
        shows=tuple(s.post.id for s in winners),
    )


class ChallengeRendering:
    """`core.challenges.ChallengeEntryRenderer` and `ChallengeResultsRenderer` for every
    platform (the adapters do the rest)."""

    def __init__(self, images: ImageStore, tokens: ActionTokens) -> None:
        self._images = images
        self._tokens = tokens

    def image_of(self, post: Post) -> ImageRef | None:
        if post.image_id is None:
            return None
        return ImageRef(self._images.path(post.image_id), alt=(post.prompt or "")[:200])

    async def entry(
        self, language: str, challenge: Challenge, entry: ChallengeEntry, post: Post
    ) -> dict[str, Any]:
        reply = entry_reply(language, challenge, entry, post, self.image_of(post))
        return encode_reply(await tokenize(reply, self._tokens, post.author_id))

    async def results(
        self, language: str, challenge: Challenge, winners: list[Standing], collage: ImageFile
    ) -> dict[str, Any]:
        reply = results_reply(language, challenge, winners, collage)
        # no owner-only buttons: whoever presses them in the chat acts as themselves
        return encode_reply(await tokenize(reply, self._tokens, challenge.created_by_id or 0))
