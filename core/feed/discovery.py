"""Finding posts without a feed: trending, search over prompts, captions and #tags, one tag.

All of it goes through `visible_to` (or, for the public web, with no viewer, through
`shown_on_the_web`) (and, in places with NSFW off, leaves sensitive posts out
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
from core.feed.impressions import ImpressionLog, Surface
from core.feed.terms import tag_name, tags, words
from core.persistence.columns import column
from core.persistence.models import Account, Post, PostTerm
from core.social.visibility import shown_on_the_web, visible_to

WINDOWS = {"day": timedelta(days=1), "week": timedelta(days=7)}
SEARCH_TERMS_MAX = 6
MATCHES_MAX = 200  # newest matching posts considered before visibility


class Discovery:
    """Each result list is recorded as impressions of its surface (`ImpressionLog`)."""

    def __init__(self, clock: Clock, impressions: ImpressionLog) -> None:
        self._clock = clock
        self._impressions = impressions

    async def trending(
        self, viewer: Account | None, *, window: str, limit: int, safe: bool = False
    ) -> list[Post]:
        """Public posts of the last day or week, most engagement (decayed by age) first."""
        since = self._clock.now() - WINDOWS[window]
        found = (
            await Post.filter(
                self._visible(viewer, safe),
                audience=Audience.PUBLIC,
                hot__isnull=False,
                created_at__gte=since,
            )
            .order_by("-hot", "-id")
            .limit(limit)
            .select_related("author", "remix_of__author")
        )
        return await self._record(viewer, Surface.TRENDING, found)

    async def search(
        self, viewer: Account | None, text: str, *, limit: int, safe: bool = False
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
        matches = column(
            PostTerm.filter(Q(term__in=wanted_words) | Q(term__in=wanted_tags, tag=True))
            .annotate(found=Count("id"))
            .group_by("post_id")
            .filter(found=terms)
            .order_by("-post_id")
            .limit(MATCHES_MAX),
            "post_id",
        )
        found = await self._newest(viewer, list(await matches), limit, safe)
        return await self._record(viewer, Surface.SEARCH, found)

    async def tag(
        self, viewer: Account | None, tag: str, *, limit: int, safe: bool = False
    ) -> list[Post]:
        name = tag_name(tag)
        ids = await column(
            PostTerm.filter(term=name, tag=True).order_by("-post_id").limit(MATCHES_MAX), "post_id"
        )
        return await self._record(viewer, Surface.TAG, await self._newest(viewer, ids, limit, safe))

    async def _record(
        self, viewer: Account | None, surface: Surface, posts: list[Post]
    ) -> list[Post]:
        """The list as impressions of the viewer (the public web has no viewer to record)."""
        if viewer is not None:
            await self._impressions.posts(surface, [p.id for p in posts], viewer_id=viewer.id)
        return posts

    async def _newest(
        self, viewer: Account | None, ids: list[int], limit: int, safe: bool
    ) -> list[Post]:
        if not ids:
            return []
        return (
            await Post.filter(self._visible(viewer, safe), id__in=ids)
            .order_by("-created_at", "-id")
            .limit(limit)
            .select_related("author", "remix_of__author")
        )

    def _visible(self, viewer: Account | None, safe: bool) -> Q:
        """What the viewer may see (None: anybody on the public web); `safe`: without
        sensitive posts (a place with NSFW off), so that a page of results stays full."""
        if viewer is None:
            return shown_on_the_web(self._clock.now())
        return Q(visible_to(viewer.id), sensitive=False) if safe else visible_to(viewer.id)
