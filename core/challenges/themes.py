"""The global weekly theme: the week's most used #tag on posts everyone may see, else one
from a fixed list.

Deterministic: the same posts give the same theme (ties go to the alphabetically first tag),
and without tags the ISO week number picks from `FALLBACK_THEMES`. The scheduler leader
creates the week's challenge under the unique key `weekly:<year>-W<week>`, so it is chosen
once however many processes tick.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.functions import Count

from core.feed.terms import post_terms, words
from core.persistence.models import PostTerm
from core.social.visibility import shown_to_everyone_through

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
    """The #tag on most posts of the last 7 days that everyone may see and that are not
    sensitive (a tag of hidden, deleted or adult posts never becomes everyone's theme)."""
    rows = (
        await PostTerm.filter(
            shown_to_everyone_through("post"),
            tag=True,
            post__sensitive=False,
            post__created_at__gte=moment - timedelta(days=TRENDING_DAYS),
            post__created_at__lte=moment,
        )
        .annotate(total=Count("id"))
        .group_by("term")
        .values_list("term", "total")
    )
    ranked = sorted((-int(total), term) for term, total in rows)
    if ranked:
        return ranked[0][1]
    return FALLBACK_THEMES[moment.isocalendar()[1] % len(FALLBACK_THEMES)]


def made_for(theme: str, prompt: str | None, caption: str) -> bool:
    """Whether a post was made with the theme's prompt: every word of the theme is among
    its words or #tags, as search matches them ("Lighthouses at night" fits "a lighthouse
    at night, watercolor"; German stems and plurals too)."""
    wanted = set(words(theme.replace("-", " ")))
    return bool(wanted) and wanted <= set(post_terms(prompt, caption, limit=64))
