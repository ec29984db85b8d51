"""Finding posts without a feed: trending, search over prompts, captions and #tags, one tag.

All of it goes through `visible_to` (and, in places with NSFW off, leaves sensitive posts out
in the query itself), and all of it uses an index: trending sorts by `hot`
(engagement decayed by age, see hot.py) within a time window; search and tags look words up
in `post_term`, written when the post was made.
"""

from __future__ import annotations

from datetime import timedelta

from tortoise.expressions import Q
from tortoise.functions import Count

from core.clock import Clock
from core.domain import Audience
from core.errors import InvalidInput
from core.feed.text import tag_name, tags, words
from core.persistence.models import Account, Post, PostTerm
from core.social.visibility import visible_to

WINDOWS = {"day": timedelta(days=1), "week": timedelta(days=7)}
SEARCH_TERMS_MAX = 6
MATCHES_MAX = 200  # newest matching posts considered before visibility


class Discovery:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    async def trending(
        self, viewer: Account, *, window: str, limit: int, safe: bool = False
    ) -> list[Post]:
        """Public posts of the last day or week, most engagement (decayed by age) first."""
        since = self._clock.now() - WINDOWS[window]
        return (
            await Post.filter(
                _shown(viewer, safe),
                audience=Audience.PUBLIC,
                hot__isnull=False,
                created_at__gte=since,
            )
            .order_by("-hot", "-id")
            .limit(limit)
            .select_related("author", "remix_of__author")
        )

    async def search(
        self, viewer: Account, text: str, *, limit: int, safe: bool = False
    ) -> list[Post]:
        """Posts whose prompt, caption or tags hold every word (`#word`: as a tag), newest
        first."""
        wanted_tags = tags(text)
        tag_free = " ".join(w for w in text.split() if not w.startswith("#"))
        wanted_words = [w for w in dict.fromkeys(words(tag_free)) if w not in wanted_tags]
        terms = len(wanted_tags) + len(wanted_words)
        if terms == 0:
            raise InvalidInput("error.search_empty")
        if terms > SEARCH_TERMS_MAX:
            raise InvalidInput("error.search_too_many", limit=SEARCH_TERMS_MAX)
        matches = (
            PostTerm.filter(Q(term__in=wanted_words) | Q(term__in=wanted_tags, tag=True))
            .annotate(found=Count("id"))
            .group_by("post_id")
            .filter(found=terms)
            .order_by("-post_id")
            .limit(MATCHES_MAX)
            .values_list("post_id", flat=True)
        )
        return await self._newest(viewer, list(await matches), limit, safe)

    async def tag(self, viewer: Account, tag: str, *, limit: int, safe: bool = False) -> list[Post]:
        name = tag_name(tag)
        ids = (
            await PostTerm.filter(term=name, tag=True)
            .order_by("-post_id")
            .limit(MATCHES_MAX)
            .values_list("post_id", flat=True)
        )
        return await self._newest(viewer, list(ids), limit, safe)

    @staticmethod
    async def _newest(viewer: Account, ids: list[int], limit: int, safe: bool) -> list[Post]:
        if not ids:
            return []
        return (
            await Post.filter(_shown(viewer, safe), id__in=ids)
            .order_by("-created_at", "-id")
            .limit(limit)
            .select_related("author", "remix_of__author")
        )


def _shown(viewer: Account, safe: bool) -> Q:
    """What the viewer may see; `safe`: without sensitive posts (a place with NSFW off), so
    that a page of results stays full there."""
    return Q(visible_to(viewer.id), sensitive=False) if safe else visible_to(viewer.id)
