"""Chores the scheduler leader does now and then, not on every tick: forgetting platform
update ids older than their memory (`UpdateLog.forget_old`), deleting the collage files
of old digests (`CollageRetention`) and the feed's old posts-per-#tag counts
(`TagDayRetention`), impressions past their retention (`ImpressionLog.clean`), and
starting the feed ranker's refit in the background when it is due (`RankerRefit`), and
refitting posts' quality from /rate votes (`QualityRefit`).
On every tick it also re-embeds a few posts whose vector an earlier embedder made
(`VectorRefresh`), until none is left."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from core.clock import Clock
from core.digests import CollageRetention
from core.feed import TagDayRetention, VectorRefresh
from core.feed.fitting import RankerRefit
from core.feed.impressions import ImpressionLog
from core.feed.quality import QualityRefit
from core.generation import status_tokens
from core.update_log import UpdateLog

log = logging.getLogger(__name__)

EVERY = timedelta(hours=1)


class Housekeeping:
    def __init__(
        self,
        clock: Clock,
        updates: UpdateLog,
        collages: CollageRetention,
        tag_days: TagDayRetention,
        impressions: ImpressionLog,
        refit: RankerRefit | None = None,
        *,
        every: timedelta = EVERY,
        vectors: VectorRefresh | None = None,
        quality: QualityRefit | None = None,
    ) -> None:
        self._clock = clock
        self._updates = updates
        self._collages = collages
        self._tag_days = tag_days
        self._impressions = impressions
        self._refit = refit
        self._every = every
        self._last: datetime | None = None
        self._vectors = vectors
        self._quality = quality

    async def tick(self) -> bool:
        """Do the chores once `every` has passed since the last time (or since the first
        tick: starting up, and a short-lived `mosaic chat`, stay light); True when they ran."""
        if self._vectors is not None and (count := await self._vectors.step()):
            log.info("re-embedded %d posts made with an earlier embedder", count)
        now = self._clock.now()
        await status_tokens.forget_expired(now)  # secrets: gone within a tick of expiring
        if self._last is None:
            self._last = now
            return False
        if now - self._last < self._every:
            return False
        self._last = now
        forgotten = await self._updates.forget_old()
        removed = await self._collages.clean()
        counts = await self._tag_days.clean()
        if self._refit is not None:
            await self._refit.tick()
        if self._quality is not None:
            await self._quality.tick()
        impressions = await self._impressions.clean()
        if forgotten or removed or counts or impressions:
            log.info(
                "forgot %d old update ids, deleted %d old collages, %d old tag counts and "
                "%d old impressions",
                forgotten,
                removed,
                counts,
                impressions,
            )
        return True
