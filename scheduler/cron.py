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


# The five crontab fields, APScheduler's name for each and what it takes.
FIELDS = (
    ("minute", "minute", "0-59"),
    ("hour", "hour", "0-23"),
    ("day", "day", "1-31"),
    ("month", "month", "1-12, jan-dec"),
    ("weekday", "day_of_week", "0-6, mon-sun"),
)


class CronNextRun:
    def check(self, cron: str) -> None:
        """A valid five-field crontab, or an error naming the field that is wrong."""
        parts = cron.split()
        if len(parts) != len(FIELDS):
            raise InvalidInput("error.digest_bad_cron", value=cron[:60])
        for position, (part, field) in enumerate(zip(parts, FIELDS, strict=True), start=1):
            label, name, allowed = field
            try:
                CronTrigger(**{name: part}, timezone=ZoneInfo("UTC"))
            except (ValueError, TypeError):
                raise InvalidInput(
                    "error.digest_bad_cron_field",
                    value=cron[:60],
                    field=label,
                    position=position,
                    part=part[:20],
                    allowed=allowed,
                ) from None
        try:
            _trigger(cron, "UTC")
        except (ValueError, TypeError):
            raise InvalidInput("error.digest_bad_cron", value=cron[:60]) from None

    def next_after(self, cron: str, zone: ZoneInfo, after: datetime) -> datetime | None:
        trigger = _trigger(cron, zone.key)
        fire = trigger.get_next_fire_time(None, (after + _ONE_MICROSECOND).astimezone(zone))
        return fire.astimezone(UTC) if fire is not None else None
