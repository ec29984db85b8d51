"""Digest schedules as people type them, and when they run next.

`/digest subscribe daily 08:30 Europe/Berlin 6 cats` → a `DigestRequest`: a `Schedule`
(stored as a 5-field cron expression plus a time zone: `30 8 * * *` in Europe/Berlin),
a size and topic words. `weekly mon 09:00 Europe/Vienna` becomes `0 9 * * mon`; anything
else is taken as a cron expression followed by a time zone.

The arithmetic of "next run after t" is a port, `NextRunCalculator`: `scheduler.cron`
implements it with APScheduler's `CronTrigger`, which already knows cron syntax and walks
wall-clock time in a zone correctly across DST changes (an 08:30 Berlin digest is at 06:30
UTC in summer and 07:30 UTC in winter). Core keeps only what is ours: parsing, quiet hours
and catch-up after downtime.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.errors import InvalidInput
from core.user_text import parse_number

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MIN_SIZE, MAX_SIZE, DEFAULT_SIZE = 4, 10, 6
TOPICS_MAX = 200
CATCH_UP_STEPS = 100_000  # how far back catch-up looks for the latest missed period
# A digest is a summary: at most one an hour. Checked over the runs of a leap-year week
# and a month-end, which every cron pattern repeats within (see `check_interval`).
MIN_INTERVAL = timedelta(hours=1)
_INTERVAL_WINDOW = timedelta(days=8)
_INTERVAL_STARTS = (datetime(2028, 2, 27, tzinfo=UTC), datetime(2027, 12, 27, tzinfo=UTC))
SIZE_WORDS = frozenset({"size", "größe", "groesse"})

_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_QUIET = re.compile(r"^(\d{1,2}:\d{2})-(\d{1,2}:\d{2})$")
_WORD = re.compile(r"[\w-]+", re.UNICODE)
EXAMPLE = "daily 08:30 Europe/Berlin"


class NextRunCalculator(Protocol):
    def check(self, cron: str) -> None:
        """Raise `InvalidInput("error.digest_bad_cron", …)` unless `cron` is valid."""

    def next_after(self, cron: str, zone: ZoneInfo, after: datetime) -> datetime | None:
        """The first time strictly after `after` that `cron` names in `zone` (UTC-aware)."""


@dataclass(frozen=True, slots=True)
class Schedule:
    cron: str
    timezone: str
    text: str  # as the subscriber wrote it (normalized), for /digest list

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, slots=True)
class QuietHours:
    start: int  # minutes after local midnight
    end: int

    def contains(self, local: datetime) -> bool:
        minute = local.hour * 60 + local.minute
        if self.start <= self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end  # across midnight: 22:00-07:00

    def end_after(self, local: datetime) -> datetime:
        """The end of the quiet hours that `local` falls in (a local, zone-aware time)."""
        end = time(self.end // 60, self.end % 60)
        candidate = datetime.combine(local.date(), end, tzinfo=local.tzinfo)
        if candidate <= local:
            candidate = datetime.combine(local.date() + timedelta(days=1), end, tzinfo=local.tzinfo)
        return candidate

    def text(self) -> str:
        return f"{_hhmm(self.start)}-{_hhmm(self.end)}"


@dataclass(frozen=True, slots=True)
class DigestRequest:
    schedule: Schedule
    size: int
    topics: str


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_time(text: str) -> tuple[int, int]:
    match = _TIME.match(text)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour <= 23 and minute <= 59:
            return hour, minute
    raise InvalidInput("error.digest_bad_time", value=text[:20])


def parse_zone(text: str) -> str:
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, IsADirectoryError):
        raise InvalidInput("error.digest_bad_timezone", value=text[:64]) from None
    return text


def parse_quiet_hours(text: str) -> QuietHours | None:
    """`22:00-07:00` → QuietHours; `off` → None."""
    if text.strip().lower() == "off":
        return None
    match = _QUIET.match(text.strip())
    if not match:
        raise InvalidInput("error.digest_bad_quiet", value=text[:20])
    start, end = (parse_time(part) for part in match.groups())
    quiet = QuietHours(start[0] * 60 + start[1], end[0] * 60 + end[1])
    if quiet.start == quiet.end:
        raise InvalidInput("error.digest_bad_quiet", value=text[:20])
    return quiet


def parse_request(text: str, calculator: NextRunCalculator) -> DigestRequest:
    """The words after `/digest subscribe`: a schedule, then [size] [topic words…]."""
    words = text.split()
    if not words:
        raise InvalidInput("error.digest_usage", example=EXAMPLE)
    kind = words[0].lower()
    if kind == "daily":
        schedule, rest = _daily(words[1:])
    elif kind == "weekly":
        schedule, rest = _weekly(words[1:])
    elif len(words) >= 6:
        schedule, rest = _cron(words, calculator)
    else:
        raise InvalidInput("error.digest_usage", example=EXAMPLE)
    check_interval(schedule, calculator)
    size, rest = _size(rest)
    topics = " ".join(rest)
    if len(topics) > TOPICS_MAX:
        raise InvalidInput("error.too_long", field="topics", limit=TOPICS_MAX, length=len(topics))
    return DigestRequest(schedule, size, topics)


def _size(words: list[str]) -> tuple[int, list[str]]:
    """`size 4 cats`, `4 cats` or `cats` → (size, topic words)."""
    if words and words[0].lower() in SIZE_WORDS:
        if len(words) < 2 or parse_number(words[1], max_digits=6) is None:
            raise InvalidInput(
                "error.digest_bad_size", low=MIN_SIZE, high=MAX_SIZE, value=" ".join(words[1:2])
            )
        words = words[1:]
    size = parse_number(words[0], max_digits=6) if words else None
    if size is None:
        return DEFAULT_SIZE, words
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise InvalidInput("error.digest_bad_size", low=MIN_SIZE, high=MAX_SIZE, value=size)
    return size, words[1:]


def check_interval(schedule: Schedule, calculator: NextRunCalculator) -> None:
    """Refuse a schedule that runs more often than MIN_INTERVAL (`* * * * *`, `*/5 * * * *`).

    Gaps are measured in UTC between the runs of eight days from two starts (one across
    Feb 29, one across a year's end), so day-of-month and weekday patterns show their
    shortest gap too."""
    utc = ZoneInfo("UTC")
    for start in _INTERVAL_STARTS:
        previous = calculator.next_after(schedule.cron, utc, start)
        while previous is not None and previous < start + _INTERVAL_WINDOW:
            following = calculator.next_after(schedule.cron, utc, previous)
            if following is not None and following - previous < MIN_INTERVAL:
                minutes = int(MIN_INTERVAL.total_seconds() // 60)
                raise InvalidInput(
                    "error.digest_too_often", schedule=schedule.cron, minutes=minutes
                )
            previous = following


def _needs(words: list[str], count: int) -> None:
    if len(words) < count:
        raise InvalidInput("error.digest_usage", example=EXAMPLE)


def _daily(words: list[str]) -> tuple[Schedule, list[str]]:
    _needs(words, 2)
    hour, minute = parse_time(words[0])
    zone = parse_zone(words[1])
    text = f"daily {hour:02d}:{minute:02d} {zone}"
    return Schedule(f"{minute} {hour} * * *", zone, text), words[2:]


def _weekly(words: list[str]) -> tuple[Schedule, list[str]]:
    _needs(words, 3)
    day = words[0].lower()[:3]
    if day not in WEEKDAYS or not WEEKDAYS[WEEKDAYS.index(day)].startswith(words[0].lower()[:3]):
        raise InvalidInput("error.digest_bad_weekday", value=words[0][:12])
    hour, minute = parse_time(words[1])
    zone = parse_zone(words[2])
    text = f"weekly {day} {hour:02d}:{minute:02d} {zone}"
    return Schedule(f"{minute} {hour} * * {day}", zone, text), words[3:]


def _cron(words: list[str], calculator: NextRunCalculator) -> tuple[Schedule, list[str]]:
    cron = " ".join(words[:5])
    zone = parse_zone(words[5]) if "/" in words[5] or words[5].upper() == "UTC" else None
    if zone is None:
        raise InvalidInput("error.digest_bad_timezone", value=words[5][:64])
    calculator.check(cron)
    return Schedule(cron, zone, f"{cron} {zone}"), words[6:]


def topic_words(topics: str) -> set[str]:
    return {word.lower() for word in _WORD.findall(topics) if len(word) > 1}


def next_run(
    schedule: Schedule,
    after: datetime,
    calculator: NextRunCalculator,
    quiet: QuietHours | None = None,
) -> datetime:
    """The next time to run after `after` (UTC): the schedule's next time, moved to the end
    of the quiet hours when it falls inside them."""
    zone = schedule.zone
    fire = calculator.next_after(schedule.cron, zone, after)
    if fire is None:  # a cron that never fires again (e.g. 30 Feb): park it far away
        return after + timedelta(days=3650)
    if quiet is not None:
        local = fire.astimezone(zone)
        if quiet.contains(local):
            fire = quiet.end_after(local).astimezone(UTC)
    return fire.astimezone(UTC)


def latest_due(
    schedule: Schedule, first_due: datetime, now: datetime, calculator: NextRunCalculator
) -> datetime:
    """The last scheduled time at or before `now`, starting from `first_due` (catch-up: after
    a long downtime this is the one period that gets a digest)."""
    zone, latest = schedule.zone, first_due
    for _ in range(CATCH_UP_STEPS):
        following = calculator.next_after(schedule.cron, zone, latest)
        if following is None or following > now:
            break
        latest = following
    return latest.astimezone(UTC)
