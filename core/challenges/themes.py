"""The global weekly theme: the week's most used #tag, else one from a fixed list.

Deterministic: the same posts give the same theme (ties go to the alphabetically first tag),
and without tags the ISO week number picks from `FALLBACK_THEMES`. The scheduler leader
creates the week's challenge under the unique key `weekly:<year>-W<week>`, so it is chosen
once however many processes tick.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.functions import Sum

from core.feed.terms import post_terms, words
from core.persistence.models import TagDay

TRENDING_DAYS = 7
FALLBACK_THEMES = (
    "lighthouse",
    "underwater city",
    "autumn forest",
    "robots at work",
    "tiny worlds",
    "night market",
    "paper animals",
    "winter village",
)


def weekly_key(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"weekly:{year}-W{week:02d}"


def week_end(moment: datetime) -> datetime:
    """The next Monday 00:00 UTC after `moment`."""
    monday = (moment - timedelta(days=moment.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return monday + timedelta(days=7)


async def weekly_theme(moment: datetime) -> str:
    since = moment.date() - timedelta(days=TRENDING_DAYS)
    rows = (
        await TagDay.filter(day__gte=since, day__lte=moment.date())
        .annotate(total=Sum("posts"))
        .group_by("tag")
        .values_list("tag", "total")
    )
    ranked = sorted(((-int(total or 0), tag) for tag, total in rows if total))
    if ranked:
        return ranked[0][1]
    return FALLBACK_THEMES[moment.isocalendar()[1] % len(FALLBACK_THEMES)]


def made_for(theme: str, prompt: str | None, caption: str) -> bool:
    """Whether a post was made with the theme's prompt: every word of the theme is among
    its words or #tags, as search matches them ("Lighthouses at night" fits "a lighthouse
    at night, watercolor"; German stems and plurals too)."""
    wanted = set(words(theme.replace("-", " ")))
    return bool(wanted) and wanted <= set(post_terms(prompt, caption, limit=64))
