"""Collage pictures of old digests are deleted once nothing can send them any more.

A run's collage (`DigestRun.collage`) is kept while any of its messages may still go out
(pending or being sent) and for `retention` after the run was claimed (so `/digest status`
and a late retry can still show it); then the file goes, unless another run still within
that time or a post uses the same picture (files are content-addressed).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from core.clock import Clock
from core.domain import OutboxState
from core.images import ImageStore
from core.persistence.columns import column
from core.persistence.models import DigestRun, OutboxMessage, Post, StoredImage

BATCH = 500
_UNSENT = (OutboxState.PENDING, OutboxState.SENDING)


class CollageRetention:
    def __init__(self, images: ImageStore, clock: Clock, retention: timedelta) -> None:
        self._images = images
        self._clock = clock
        self.retention = retention

    async def clean(self) -> int:
        """Delete the collage files of runs that are done and old; returns how many."""
        cutoff = self._clock.now() - self.retention
        runs = await DigestRun.filter(collage__isnull=False, claimed_at__lt=cutoff).limit(BATCH)
        if not runs:
            return 0
        unsent = set(
            await column(
                OutboxMessage.filter(run_id__in=[r.id for r in runs], state__in=_UNSENT), "run_id"
            )
        )
        done = [r for r in runs if r.id not in unsent]
        removed = 0
        for sha256 in sorted({r.collage for r in done if r.collage}):
            if await self._still_used(sha256, cutoff, unsent):
                continue
            await self._images.remove(sha256)
            removed += 1
        if done:
            await DigestRun.filter(id__in=[r.id for r in done]).update(collage=None)
        return removed

    async def _still_used(self, sha256: str, cutoff: datetime, unsent: set[int]) -> bool:
        if await StoredImage.exists(sha256=sha256) or await Post.exists(image_id=sha256):
            return True
        if await DigestRun.filter(collage=sha256, claimed_at__gte=cutoff).exists():
            return True
        return await DigestRun.filter(collage=sha256, id__in=list(unsent)).exists()
