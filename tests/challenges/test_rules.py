"""The pure parts of challenges: durations, and which posts were made with a theme."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.challenges import parse_duration
from core.challenges.themes import made_for, week_end, weekly_key
from core.errors import InvalidInput


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90m", timedelta(minutes=90)),
        ("12h", timedelta(hours=12)),
        ("3d", timedelta(days=3)),
        ("1w", timedelta(weeks=1)),
        ("10 min", timedelta(minutes=10)),
        ("30D", timedelta(days=30)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["9m", "31d", "5w", "3", "d", "tomorrow", "-3d", "1.5h", ""])
def test_durations_out_of_range_or_not_durations(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_duration(text)


@pytest.mark.parametrize(
    ("theme", "prompt", "caption", "fits"),
    [
        ("lighthouses at night", "a lighthouse at night, watercolor", "", True),
        ("Füchse im Schnee", "ein Fuchs im Schnee, Aquarell", "", True),
        ("misty-lake", None, "#misty-lake at dawn", True),
        ("underwater city", "a city street", "", False),
        ("lighthouse", "a harbour", "", False),
        ("the", "the cat", "", False),  # only stop words: nothing to match
    ],
)
def test_made_for_the_theme(theme: str, prompt: str | None, caption: str, fits: bool) -> None:
    assert made_for(theme, prompt, caption) is fits


def test_the_week_runs_monday_to_monday_utc() -> None:
    sunday_night = datetime(2026, 1, 11, 23, 59, tzinfo=UTC)
    assert week_end(sunday_night) == datetime(2026, 1, 12, tzinfo=UTC)
    assert week_end(datetime(2026, 1, 12, tzinfo=UTC)) == datetime(2026, 1, 19, tzinfo=UTC)
    assert weekly_key(sunday_night) == "weekly:2026-W02"
    assert weekly_key(datetime(2026, 1, 12, tzinfo=UTC)) == "weekly:2026-W03"
