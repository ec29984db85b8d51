"""The feed and discovery: /feed, /feed tune, /why, /suggest, /trending, /search, /tag."""

from __future__ import annotations

from datetime import timedelta

from bot.commands.context import Context, hides_sensitive
from bot.commands.render import handle, post_reply
from bot.commands.spec import CommandSpec, Param, ParamKind
from core.delivery.replies import Button, ButtonStyle, Reply, TextInput
from core.domain import ChatKind, Platform
from core.feed import Explanation, PersonSuggestion, PromptIdea, Tuning
from core.feed.scoring import PARTS, SteeringVector
from core.feed.steering import TEXT_LENGTH, SteeringTerm
from core.feed.terms import TERM_MAX, post_tags, tag_name
from core.persistence.models import Post

SEARCH_MAX = 200
SUGGESTIONS = 5
BAR_CELLS = 10  # /why's share bars
POSTS_TO_COMMENT = 3
RESET_WORDS = frozenset({"reset", "clear", "off", "zurücksetzen", "löschen", "aus"})
SUGGEST_KINDS = ("people", "prompts", "posts")
TRENDING_WINDOWS = ("day", "week")


async def _safe_place(ctx: Context) -> bool:
    """Whether sensitive posts stay hidden here: unless the viewer opted in and, in a server
    or group, its policy allows NSFW (the safe default)."""
    return await hides_sensitive(ctx)


async def _posts(ctx: Context, posts: list[Post], *, why: bool = False) -> list[Reply]:
    """Post replies with the viewer's like and follow state (a query each for all), and a
    "why" button.

    Sensitive posts are left out unless viewer and place allow them."""
    if any(post.sensitive for post in posts) and await _safe_place(ctx):
        posts = [post for post in posts if not post.sensitive]
    liked = await ctx.services.engagement.liked_among(ctx.account, [p.id for p in posts])
    followed = await ctx.services.graph.followed_among(ctx.account, {p.author_id for p in posts})
    replies = []
    for post in posts:
        reply = post_reply(
            ctx, post, liked=post.id in liked, follows_author=post.author_id in followed
        )
        if why:
            button = Button(ctx.t("button.why"), "why", {"post": post.id}, owner_only=True)
            rows = list(reply.buttons)
            if len(rows) > 1 and len(rows[-1]) < 5:  # beside Report / Full file
                rows[-1] = (*rows[-1], button)
            else:
                rows.append((button,))
            reply = reply.with_buttons(tuple(rows))
        replies.append(reply)
    return replies


# ---------------------------------------------------------------- /feed


async def feed(ctx: Context, page: int | None = None) -> list[Reply]:
    # Ranked without sensitive posts where they may not show, so that the page stays full.
    shown = await ctx.services.feed.page(ctx.account, page, safe=await _safe_place(ctx))
    if not shown.posts:
        key = "feed.empty" if shown.number == 1 else "feed.end"
        return [Reply(text=ctx.t(key))]
    replies = await _posts(ctx, shown.posts, why=True)
    nav = [Button(ctx.t("button.refresh"), "feed", owner_only=True)]
    if shown.has_more:
        nav.append(
            Button(
                ctx.t("button.next"),
                "feed",
                {"page": shown.number + 1},
                owner_only=True,
                style=ButtonStyle.PRIMARY,
            )
        )
    nav.append(
        Button(
            ctx.t("button.tune"),
            "feed tune",
            owner_only=True,
            text_input=TextInput("words", ctx.t("button.tune_prompt"), TEXT_LENGTH),
        )
    )
    tuning = await ctx.services.feed.tuning(ctx.account)
    text = ctx.t("feed.page", page=shown.number)
    if tuning.terms:
        text = ctx.t("feed.page_tuned", page=shown.number, tuning=describe_terms(ctx, tuning))
    replies.append(Reply(text=text, buttons=(tuple(nav), *_mini_app_row(ctx))))
    return replies


def _mini_app_row(ctx: Context) -> tuple[tuple[Button, ...], ...]:
    """The feed as a grid (the Telegram Mini App): in private chats, over HTTPS only."""
    url = ctx.services.settings.mini_app_url
    private = ctx.actor.chat_kind is ChatKind.PRIVATE
    if url is None or ctx.actor.platform is not Platform.TELEGRAM or not private:
        return ()
    return ((Button(ctx.t("button.open_app"), "", url=url, opens_app=True),),)


def describe_term(ctx: Context, term: SteeringTerm | SteeringVector) -> str:
    strength = "" if term.strength == 1.0 else ("_strong" if term.strength > 1 else "_weak")
    return ctx.t(f"tune.{term.direction.value}{strength}", term=term.text, weight=term.weight)


def describe_terms(ctx: Context, tuning: Tuning) -> str:
    return ", ".join(describe_term(ctx, term) for term in tuning.terms)


async def feed_tune(ctx: Context, words: str | None = None) -> Reply:
    if not words:
        tuning = await ctx.services.feed.tuning(ctx.account)
        if not tuning.terms:
            return Reply(text=ctx.t("tune.none"), private=True)
        return Reply(text=ctx.t("tune.current", tuning=describe_terms(ctx, tuning)), private=True)
    if words.strip().lower() in RESET_WORDS:
        await ctx.services.feed.reset_tuning(ctx.account)
        return Reply(text=ctx.t("tune.cleared"), private=True)
    tuning = await ctx.services.feed.tune(ctx.account, words)
    show = Button(ctx.t("button.show_feed"), "feed", owner_only=True, style=ButtonStyle.PRIMARY)
    return Reply(
        text=ctx.t("tune.done", tuning=describe_terms(ctx, tuning)),
        buttons=((show,),),
        private=True,
    )


# ---------------------------------------------------------------- /why


async def why(ctx: Context, post: int) -> Reply:
    found = await ctx.services.posts.get_visible(ctx.account, post)
    explanation = await ctx.services.feed.explain(ctx.account, found)
    lines = [ctx.t("why.total", total=_number(explanation.breakdown.total))]
    lines += _reasons(ctx, explanation) or [ctx.t("why.nothing")]
    if explanation.breakdown.hidden:
        lines.append(ctx.t("why.hidden"))
    if explanation.position is not None:
        page, place = explanation.position
        lines.append(ctx.t("why.position", page=page, place=place))
    else:
        lines.append(ctx.t("why.not_shown"))
    if explanation.model:
        lines.append(ctx.t("why.model.fitted", version=explanation.model))
    else:
        lines.append(ctx.t("why.model.prior"))
    return Reply(title=ctx.t("why.title", post=post), text="\n".join(lines), private=True)


def _number(value: float) -> str:
    return f"{value:+.2f}".replace("-", "−")


def _reasons(ctx: Context, explanation: Explanation) -> list[str]:
    """One line per part that moved the score, biggest first: its sign, a bar of its share of
    all the parts (so a part weighted ×400 shows in proportion), what it is, and
    value × signed weight = part (the sign sits on the weight, where it comes from)."""
    breakdown = explanation.breakdown
    parts: list[tuple[float, str, float, str]] = []  # (amount, what, value, value as shown)
    for part in PARTS:
        contribution = breakdown.parts[part]
        if part == "steering":
            for term, match in breakdown.matches:
                if match > 0:
                    what = ctx.t(
                        "why.steering", term=describe_term(ctx, term), match=round(match * 100)
                    )
                    amount = term.weight * match * explanation.weights.steering
                    parts.append((amount, what, match, _value(match)))
            continue
        if abs(contribution) < 0.005:
            continue
        value = breakdown.values[part]
        shown_value = f"{value:.0f}" if part == "seen" else _value(value)
        parts.append((contribution, _label(ctx, explanation, part), value, shown_value))
    parts.sort(key=lambda item: -abs(item[0]))
    whole = sum(abs(part[0]) for part in parts) or 1.0
    lines = []
    for amount, what, value, shown_value in parts:
        share = abs(amount) / whole
        factor = f"{amount / value:.3g}".replace("-", "−") if value else "0"
        formula = f"{shown_value} × {factor} = {_number(amount)}"
        sign = "+" if amount >= 0 else "−"
        lines.append(f"{sign} {share_bar(share)} {round(share * 100):>3} % {what}: {formula}")
    return lines


def share_bar(share: float, cells: int = BAR_CELLS) -> str:
    """A text bar of `cells` characters for a share of 0…1 (text, so every platform shows it)."""
    filled = round(share * cells)
    if share > 0 and filled == 0:
        filled = 1  # a part that counts is never shown as nothing
    return "█" * filled + "░" * (cells - filled)


def _value(value: float) -> str:
    """A part's value: two decimals, or three for a small one (`standout` values are a few
    hundredths, with a large weight)."""
    return f"{value:.2f}" if abs(value) >= 0.1 or value == 0 else f"{value:.3f}"


def _label(ctx: Context, explanation: Explanation, part: str) -> str:
    post = explanation.post
    author = handle(post.author)
    if part == "affinity":
        if explanation.own:
            return ctx.t("why.affinity.own")
        key = "why.affinity.followed" if explanation.followed else "why.affinity.liked"
        return ctx.t(key, author=author)
    if part == "engagement":
        return ctx.t(
            "why.engagement",
            likes=post.like_count,
            comments=post.comment_count,
            remixes=post.remix_count,
        )
    if part == "freshness":
        return _age(ctx, ctx.services.clock.now() - post.created_at)
    if part == "following":
        return ctx.t("why.following", author=author)
    if part in ("tags", "standout"):
        tags = " ".join(f"#{t}" for t in post_tags(post.prompt, post.caption))
        return ctx.t(f"why.{part}", tags=tags)
    if part == "newcomer":
        return ctx.t("why.newcomer", author=author)
    if part == "seen":
        return ctx.t("why.seen", count=round(explanation.breakdown.values["seen"]))
    return ctx.t(f"why.{part}")


def _age(ctx: Context, age: timedelta) -> str:
    hours = max(int(age.total_seconds() // 3600), 0)
    if hours < 48:
        return ctx.t("why.freshness.hours", hours=hours)
    return ctx.t("why.freshness.days", days=hours // 24)


# ---------------------------------------------------------------- /suggest


async def suggest(ctx: Context, kind: str | None = None) -> list[Reply]:
    if kind is None:
        buttons = tuple(
            Button(ctx.t(f"button.suggest.{k}"), "suggest", {"kind": k}, owner_only=True)
            for k in SUGGEST_KINDS
        )
        return [Reply(text=ctx.t("suggest.choose"), buttons=(buttons,), private=True)]
    if kind == "people":
        return [_people(ctx, await ctx.services.suggestions.people(ctx.account, limit=SUGGESTIONS))]
    if kind == "prompts":
        ideas = await ctx.services.suggestions.prompts(ctx.account, limit=SUGGESTIONS)
        return [_prompts(ctx, ideas)]
    posts = await ctx.services.suggestions.posts(
        ctx.account, limit=POSTS_TO_COMMENT, safe=await _safe_place(ctx)
    )
    if not posts:
        return [Reply(text=ctx.t("suggest.posts.empty"), private=True)]
    return [Reply(text=ctx.t("suggest.posts.title")), *await _posts(ctx, posts)]


def _people(ctx: Context, people: list[PersonSuggestion]) -> Reply:
    if not people:
        return Reply(text=ctx.t("suggest.people.empty"), private=True)
    lines = [
        f"• {p.account.display_name} ({handle(p.account)}) — "
        + ctx.t(f"suggest.reason.{p.reason.value}", count=p.count)
        for p in people
    ]
    buttons = tuple(
        Button(
            ctx.t("button.follow_author", author=handle(p.account)),
            "follow",
            {"user": p.account.handle},
        )
        for p in people
    )
    return Reply(
        title=ctx.t("suggest.people.title"), text="\n".join(lines), buttons=(buttons,), private=True
    )


def _prompts(ctx: Context, ideas: list[PromptIdea]) -> Reply:
    if not ideas:
        return Reply(text=ctx.t("suggest.prompts.empty"), private=True)
    lines = []
    for number, idea in enumerate(ideas, start=1):
        line = f"{number}. {idea.prompt}"
        if idea.source_post is not None:
            line += " " + ctx.t("suggest.prompts.trending", post=idea.source_post)
        lines.append(line)
    buttons = tuple(
        Button(
            ctx.t("button.try_prompt", number=number),
            "imagine",
            {"prompt": idea.prompt},
            owner_only=True,
        )
        for number, idea in enumerate(ideas, start=1)
    )
    return Reply(
        title=ctx.t("suggest.prompts.title"),
        text="\n".join(lines),
        buttons=(buttons,),
        private=True,
    )


# ---------------------------------------------------------------- /trending, /search, /tag


async def trending(ctx: Context, window: str = "day") -> list[Reply]:
    posts = await ctx.services.discovery.trending(
        ctx.account,
        window=window,
        limit=ctx.services.settings.feed_page_size,
        safe=await _safe_place(ctx),
    )
    if not posts:
        return [Reply(text=ctx.t(f"trending.empty.{window}"))]
    return [Reply(title=ctx.t(f"trending.title.{window}")), *await _posts(ctx, posts)]


async def search(ctx: Context, text: str) -> list[Reply]:
    posts = await ctx.services.discovery.search(
        ctx.account, text, limit=ctx.services.settings.feed_page_size, safe=await _safe_place(ctx)
    )
    if not posts:
        return [Reply(text=ctx.t("search.empty", text=text))]
    return [Reply(title=ctx.t("search.title", text=text)), *await _posts(ctx, posts)]


async def tag(ctx: Context, tag: str) -> list[Reply]:
    name = tag_name(tag)
    posts = await ctx.services.discovery.tag(
        ctx.account, name, limit=ctx.services.settings.feed_page_size, safe=await _safe_place(ctx)
    )
    if not posts:
        return [Reply(text=ctx.t("tag.empty", tag=name))]
    return [Reply(title=ctx.t("tag.title", tag=name)), *await _posts(ctx, posts)]


SPECS = (
    CommandSpec(
        "feed", feed, (Param("page", ParamKind.INT, required=False, min_value=1, max_value=1000),)
    ),
    CommandSpec(
        "feed tune",
        feed_tune,
        (Param("words", ParamKind.TEXT, required=False, max_length=TEXT_LENGTH),),
        private_reply=True,
        examples=("/feed tune more watercolor landscapes, less anime",),
    ),
    CommandSpec("why", why, (Param("post", ParamKind.POST),), private_reply=True),
    CommandSpec(
        "suggest",
        suggest,
        (Param("kind", ParamKind.CHOICE, required=False, choices=SUGGEST_KINDS),),
    ),
    CommandSpec(
        "trending",
        trending,
        (Param("window", ParamKind.CHOICE, required=False, choices=TRENDING_WINDOWS),),
    ),
    CommandSpec("search", search, (Param("text", ParamKind.TEXT, max_length=SEARCH_MAX),)),
    CommandSpec("tag", tag, (Param("tag", ParamKind.WORD, max_length=TERM_MAX + 1),)),
)
