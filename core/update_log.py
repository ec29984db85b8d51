"""Platform events already handled (Telegram update_id, Discord interaction id), so that a
re-delivered event has one effect."""

from __future__ import annotations

from datetime import timedelta

from tortoise.exceptions import IntegrityError

from core.clock import Clock
from core.domain import Platform
from core.persistence.models import ProcessedUpdate

UPDATE_MEMORY = timedelta(days=2)  # Telegram keeps undelivered updates ≤ 24 h


class UpdateLog:
    """Makes repeated platform events (a re-delivered update) have one effect."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    async def first_time(self, platform: Platform, key: str) -> bool:
        try:
            await ProcessedUpdate.create(platform=platform, key=key)
        except IntegrityError:
            return False
        return True

    async def forget_old(self) -> int:
        cutoff = self._clock.now() - UPDATE_MEMORY
        return await ProcessedUpdate.filter(created_at__lt=cutoff).delete()
