"""`NextRunCalculator` with APScheduler's `CronTrigger` (it handles zones and DST)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from core.errors import InvalidInput

_ONE_MICROSECOND = timedelta(microseconds=1)


@lru_cache(maxsize=4096)
def _trigger(cron: str, zone: str) -> CronTrigger:
    return CronTrigger.from_crontab(cron, timezone=ZoneInfo(zone))


class CronNextRun:
    def check(self, cron: str) -> None:
        try:
            _trigger(cron, "UTC")
        except (ValueError, TypeError):
            raise InvalidInput("error.digest_bad_cron", value=cron[:60]) from None

    def next_after(self, cron: str, zone: ZoneInfo, after: datetime) -> datetime | None:
        trigger = _trigger(cron, zone.key)
        fire = trigger.get_next_fire_time(None, (after + _ONE_MICROSECOND).astimezone(zone))
        return fire.astimezone(UTC) if fire is not None else None
