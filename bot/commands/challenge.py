"""`/challenge …`: a theme for a while, entries, votes, results for the chats that follow.

In a server or group the challenge is the place's own when its admins started one, else the
global one (the weekly theme chosen from what is trending, or one a global moderator
started). Abuse rules live in `core.challenges`; moderators void votes and disqualify
entries, and both land in the audit log (`/mod log`).
"""

from __future__ import annotations

from datetime import datetime

from bot.commands.challenge_render import entry_reply
from bot.commands.context import Context
from bot.commands.digest import _place
from bot.commands.render import handle, post_image
from bot.commands.safety import standing
from bot.commands.spec import CommandSpec, Param, ParamKind
from core.challenges import NEW_ACCOUNT_DELAY, parse_duration
from core.challenges.rules import THEME_MAX
from core.delivery.replies import Button, ButtonStyle, Reply
from core.domain import ChatKind, Platform
from core.errors import Forbidden, InvalidInput
from core.persistence.models import Account, Challenge, Post
from core.safety.reports import REASON_MAX

ENTRIES_SHOWN = 10
LEADERBOARD_SIZE = 10
BOARD_HERE, BOARD_GLOBAL = "here", "global"  # which leaderboard (`where`)


def _where(ctx: Context) -> tuple[Platform, str | None]:
    """The platform and the server or group this is in (None in a private chat)."""
    in_place = ctx.actor.chat_kind is not ChatKind.PRIVATE
    return ctx.actor.platform, ctx.actor.server_id if in_place else None


def _ends(ctx: Context, challenge: Challenge) -> str:
    left = challenge.ends_at - ctx.services.clock.now()
    hours = max(int(left.total_seconds() // 3600), 0)
    when = _utc(challenge.ends_at)
    if hours >= 48:
        return ctx.t("challenge.ends_days", when=when, days=hours // 24)
    if hours >= 1:
        return ctx.t("challenge.ends_hours", when=when, hours=hours)
    minutes = max(int(left.total_seconds() // 60), 1)
    return ctx.t("challenge.ends_minutes", when=when, minutes=minutes)


def _utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


async def challenge_show(ctx: Context) -> list[Reply]:
    challenges = ctx.services.challenges
    challenge = await challenges.require_current(*_where(ctx))
    standings = await challenges.standings(challenge)
    scope = ctx.t(
        "challenge.scope.global" if challenge.server_id is None else "challenge.scope.here"
    )
    header = Reply(
        title=ctx.t("challenge.title", theme=challenge.theme),
        text="\n".join(
            [
                scope,
                _ends(ctx, challenge),
                ctx.t("challenge.entries", count=len(standings)),
                ctx.t("challenge.how_to_enter"),
            ]
        ),
        buttons=(
            (
                Button(
                    ctx.t("challenge.button.imagine"),
                    "imagine",
                    {"prompt": challenge.theme},
                    style=ButtonStyle.PRIMARY,
                ),
                Button(
                    ctx.t("challenge.button.leaderboard"),
                    "challenge leaderboard",
                    {"where": BOARD_GLOBAL if challenge.server_id is None else BOARD_HERE},
                ),
            ),
        ),
    )
    entries = [
        entry_reply(
            ctx.language,
            challenge,
            s.entry,
            s.post,
            next(iter(post_image(ctx, s.post)), None),
            votes=s.votes,
        )
        for s in standings[:ENTRIES_SHOWN]
    ]
    return [header, *entries]


def _theme_and_duration(text: str) -> tuple[str, str]:
    theme, _, duration = text.strip().rpartition(" ")
    if not theme.strip():
        raise InvalidInput("error.challenge_start_usage")
    return theme, duration


async def challenge_start(ctx: Context, theme: str) -> Reply:
    words, duration_text = _theme_and_duration(theme)
    challenge = await ctx.services.challenges.start(
        standing(ctx), words, parse_duration(duration_text)
    )
    key = "challenge.started.global" if challenge.server_id is None else "challenge.started.here"
    return Reply(text=ctx.t(key, theme=challenge.theme, ends=_ends(ctx, challenge)))


async def challenge_enter(ctx: Context, post: int) -> Reply:
    platform, server_id = _where(ctx)
    challenge, entry = await ctx.services.challenges.enter(
        ctx.account, post, platform=platform, server_id=server_id, chat_id=ctx.actor.chat_id
    )
    return Reply(
        text=ctx.t("challenge.entered", post=post, entry=entry.id, theme=challenge.theme),
        buttons=((Button(ctx.t("challenge.button.show"), "challenge"),),),
    )


async def challenge_invitation(ctx: Context, post: Post) -> Reply | None:
    """After a post made with the theme's prompt is published: enter it with one tap."""
    platform, server_id = _where(ctx)
    challenge = await ctx.services.challenges.inviting(
        ctx.account, post, platform=platform, server_id=server_id
    )
    if challenge is None:
        return None
    return Reply(
        text=ctx.t("challenge.invitation", theme=challenge.theme),
        buttons=(
            (
                Button(
                    ctx.t("challenge.button.enter"),
                    "challenge enter",
                    {"post": post.id},
                    owner_only=True,
                    style=ButtonStyle.PRIMARY,
                ),
            ),
        ),
        private=True,
    )


async def challenge_vote(ctx: Context, entry: int) -> Reply:
    _, counts_now = await ctx.services.challenges.vote(ctx.account, entry)
    if counts_now:
        return Reply(text=ctx.t("challenge.voted", entry=entry), private=True)
    hours = int(NEW_ACCOUNT_DELAY.total_seconds() // 3600)
    return Reply(text=ctx.t("challenge.voted_later", entry=entry, hours=hours), private=True)


async def challenge_follow(ctx: Context) -> Reply:
    if ctx.actor.chat_kind is not ChatKind.PRIVATE and not ctx.actor.is_admin:
        raise Forbidden("error.challenge_follow_admins")
    place = await _place(ctx, manage=False, create=True)
    await ctx.services.challenges.follow(
        place, ctx.conversation.reply_target(), server_id=_where(ctx)[1]
    )
    return Reply(text=ctx.t("challenge.followed"))


async def challenge_unfollow(ctx: Context) -> Reply:
    if ctx.actor.chat_kind is not ChatKind.PRIVATE and not ctx.actor.is_admin:
        raise Forbidden("error.challenge_follow_admins")
    place = await _place(ctx, manage=False)
    gone = place.id is not None and await ctx.services.challenges.unfollow(place)
    return Reply(text=ctx.t("challenge.unfollowed" if gone else "challenge.not_following"))


async def challenge_leaderboard(ctx: Context, where: str | None = None) -> Reply:
    """In a server or group, its own board (its own challenges) unless `global` is asked
    for; a button leads to the other one. In a private chat, the board of everywhere."""
    platform, server_id = _where(ctx)
    here = server_id is not None and where != BOARD_GLOBAL
    place = (platform, server_id) if here and server_id is not None else None
    rows = await ctx.services.challenges.leaderboard(LEADERBOARD_SIZE, place=place)
    name = ctx.actor.chat_title or ctx.t("challenge.leaderboard.this_place")
    other: tuple[tuple[Button, ...], ...] = ()
    if server_id is not None:
        to = BOARD_GLOBAL if here else BOARD_HERE
        label = ctx.t(f"challenge.button.board_{to}")
        other = ((Button(label, "challenge leaderboard", {"where": to}),),)
    if not rows:
        empty = "challenge.leaderboard.empty_here" if here else "challenge.leaderboard.empty"
        return Reply(text=ctx.t(empty, place=name), buttons=other)
    lines = [
        ctx.t(
            "challenge.leaderboard.line",
            rank=n,
            who=handle(row.account),
            wins=row.wins,
            podiums=row.podiums,
            votes=row.votes,
        )
        for n, row in enumerate(rows, start=1)
    ]
    title = (
        ctx.t("challenge.leaderboard.title_here", place=name)
        if here
        else ctx.t("challenge.leaderboard.title")
    )
    return Reply(title=title, text="\n".join(lines), buttons=other)


async def challenge_votes(ctx: Context, entry: int) -> Reply:
    votes = await ctx.services.challenges.votes_for(standing(ctx), entry)
    if not votes:
        return Reply(text=ctx.t("challenge.votes.none", entry=entry), private=True)
    now = ctx.services.clock.now()
    lines = []
    for vote in votes:
        if vote.voided_at is not None:
            state = ctx.t("challenge.vote.voided")
        elif vote.counts_from > now:
            state = ctx.t("challenge.vote.later", when=_utc(vote.counts_from))
        else:
            state = ctx.t("challenge.vote.counts")
        lines.append(f"{handle(vote.voter)} · {_utc(vote.created_at)} · {state}")
    return Reply(
        title=ctx.t("challenge.votes.title", entry=entry), text="\n".join(lines), private=True
    )


async def challenge_void(ctx: Context, entry: int, user: Account, reason: str = "") -> Reply:
    await ctx.services.challenges.void(standing(ctx), entry, user, reason)
    return Reply(text=ctx.t("challenge.void.done", entry=entry, user=handle(user)), private=True)


async def challenge_disqualify(ctx: Context, entry: int, reason: str = "") -> Reply:
    await ctx.services.challenges.disqualify(standing(ctx), entry, reason)
    return Reply(text=ctx.t("challenge.disqualify.done", entry=entry), private=True)


ENTRY = Param("entry", ParamKind.INT, min_value=1, max_value=2**53)
REASON = Param("reason", ParamKind.TEXT, required=False, max_length=REASON_MAX)

SPECS = (
    CommandSpec("challenge", challenge_show),
    CommandSpec(
        "challenge start",
        challenge_start,
        (Param("theme", ParamKind.TEXT, max_length=THEME_MAX + 8),),
        examples=("/challenge start autumn forest 3d",),
        asks_admin=True,
    ),
    CommandSpec(
        "challenge enter", challenge_enter, (Param("post", ParamKind.POST),), restricted=True
    ),
    CommandSpec("challenge vote", challenge_vote, (ENTRY,), restricted=True, private_reply=True),
    CommandSpec("challenge follow", challenge_follow, asks_admin=True),
    CommandSpec("challenge unfollow", challenge_unfollow, asks_admin=True),
    CommandSpec(
        "challenge leaderboard",
        challenge_leaderboard,
        (Param("where", ParamKind.CHOICE, required=False, choices=(BOARD_HERE, BOARD_GLOBAL)),),
        examples=("/challenge leaderboard", "/challenge leaderboard global"),
    ),
    CommandSpec("challenge votes", challenge_votes, (ENTRY,), asks_admin=True, private_reply=True),
    CommandSpec(
        "challenge void",
        challenge_void,
        (ENTRY, Param("user", ParamKind.USER, max_length=33), REASON),
        asks_admin=True,
        private_reply=True,
    ),
    CommandSpec(
        "challenge disqualify",
        challenge_disqualify,
        (ENTRY, REASON),
        asks_admin=True,
        private_reply=True,
    ),
)
