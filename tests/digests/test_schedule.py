"""Schedules as people type them; next runs across DST; quiet hours; catch-up."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.digests.schedule import (
    QuietHours,
    latest_due,
    next_run,
    parse_quiet_hours,
    parse_request,
)
from core.errors import InvalidInput
from core.i18n import translate
from scheduler.cron import CronNextRun

CRON = CronNextRun()


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_daily_weekly_and_cron_become_cron_in_a_zone() -> None:
    daily = parse_request("daily 8:30 Europe/Berlin 5 cats and dogs", CRON)
    assert (daily.schedule.cron, daily.schedule.timezone) == ("30 8 * * *", "Europe/Berlin")
    assert daily.schedule.text == "daily 08:30 Europe/Berlin"
    assert (daily.size, daily.topics) == (5, "cats and dogs")
    weekly = parse_request("weekly Monday 09:00 America/New_York", CRON)
    assert weekly.schedule.cron == "0 9 * * mon" and weekly.size == 6
    cron = parse_request("30 7 * * 1-5 UTC 10", CRON)
    assert (cron.schedule.cron, cron.schedule.timezone, cron.size) == ("30 7 * * 1-5", "UTC", 10)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("daily 25:00 Europe/Berlin", "error.digest_bad_time"),
        ("daily 8h30 Europe/Berlin", "error.digest_bad_time"),
        ("daily 08:30 Mars/Olympus", "error.digest_bad_timezone"),
        ("weekly someday 09:00 Europe/Berlin", "error.digest_bad_weekday"),
        ("61 8 * * * Europe/Berlin", "error.digest_bad_cron_field"),
        ("61 8 * * Europe/Berlin", "error.digest_usage"),
        ("1 2 3 4 5 6 Europe/Berlin", "error.digest_bad_timezone"),
        ("30 8 * * * Berlin", "error.digest_bad_timezone"),
        ("daily 08:30 Europe/Berlin 11", "error.digest_bad_size"),
        ("daily 08:30 Europe/Berlin 3", "error.digest_bad_size"),
        ("daily 08:30", "error.digest_usage"),
        ("sometimes", "error.digest_usage"),
    ],
)
def test_bad_schedules_say_what_is_wrong_in_both_languages(text: str, key: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_request(text, CRON)
    assert error.value.key == key
    english = translate("en", key, **error.value.params)
    german = translate("de", key, **error.value.params)
    assert english != german and "{" not in english + german


@given(st.text(max_size=80))
def test_any_text_is_a_request_or_a_clear_error(text: str) -> None:
    try:
        request = parse_request(text, CRON)
    except InvalidInput as error:
        assert error.key.startswith(("error.digest_", "error.too_long"))
    else:
        assert 4 <= request.size <= 10


@pytest.mark.parametrize(
    ("after", "expected_utc"),
    [
        # spring forward (29 March 2026): 08:30 CET is 07:30 UTC, then 08:30 CEST is 06:30 UTC
        (utc(2026, 3, 28, 12), utc(2026, 3, 29, 6, 30)),
        (utc(2026, 3, 27, 12), utc(2026, 3, 28, 7, 30)),
        # fall back (25 October 2026): 08:30 CEST is 06:30 UTC, then 08:30 CET is 07:30 UTC
        (utc(2026, 10, 24, 12), utc(2026, 10, 25, 7, 30)),
        (utc(2026, 10, 23, 12), utc(2026, 10, 24, 6, 30)),
    ],
)
def test_a_berlin_morning_digest_stays_at_0830_local_across_dst(
    after: datetime, expected_utc: datetime
) -> None:
    schedule = parse_request("daily 08:30 Europe/Berlin", CRON).schedule
    fire = next_run(schedule, after, CRON)
    assert fire == expected_utc
    local = fire.astimezone(schedule.zone)
    assert (local.hour, local.minute) == (8, 30)


def test_a_time_that_does_not_exist_on_the_spring_day_still_runs_once() -> None:
    schedule = parse_request("daily 02:30 Europe/Berlin", CRON).schedule  # 02:30 is skipped
    fires, moment = [], utc(2026, 3, 27, 12)
    for _ in range(3):
        moment = next_run(schedule, moment, CRON)
        fires.append(moment)
    days = [f.astimezone(schedule.zone).date().day for f in fires]
    assert len(set(days)) == 3  # one digest a day, none lost or doubled
    assert all(b - a >= timedelta(hours=23) for a, b in itertools.pairwise(fires))


def test_quiet_hours_across_midnight_move_a_run_to_their_end() -> None:
    schedule = parse_request("daily 23:00 Europe/Berlin", CRON).schedule
    quiet = parse_quiet_hours("22:00-07:00")
    assert quiet == QuietHours(22 * 60, 7 * 60)
    fire = next_run(schedule, utc(2026, 1, 5, 12), CRON, quiet)
    local = fire.astimezone(schedule.zone)
    assert (local.day, local.hour, local.minute) == (6, 7, 0)
    outside = next_run(schedule, utc(2026, 1, 5, 12), CRON, parse_quiet_hours("01:00-06:00"))
    assert outside.astimezone(schedule.zone).hour == 23


@pytest.mark.parametrize("text", ["22:00", "7-9", "10:00-10:00", "25:00-07:00"])
def test_bad_quiet_hours_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_quiet_hours(text)
    assert error.value.key in ("error.digest_bad_quiet", "error.digest_bad_time")
    assert parse_quiet_hours("off") is None


def test_catch_up_finds_the_latest_missed_period() -> None:
    schedule = parse_request("daily 08:30 Europe/Berlin", CRON).schedule
    first = utc(2026, 1, 5, 7, 30)
    assert latest_due(schedule, first, utc(2026, 1, 9, 12), CRON) == utc(2026, 1, 9, 7, 30)
    assert latest_due(schedule, first, utc(2026, 1, 5, 8), CRON) == first
