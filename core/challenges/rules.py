"""The numbers of a challenge, in one place (README and docs/operations.md quote them).

- **Probation of new accounts** (`NEW_ACCOUNT_DELAY`, 24 hours): a person first seen (their
  earliest platform identity) after the challenge started votes at once, but the vote counts
  only from 24 hours after they were first seen. A crowd of fresh accounts made to push an
  entry counts for nothing in a challenge shorter than a day and is late in a longer one,
  while someone who already used Mosaic votes with full weight. Linking does not launder an
  account: a person's age is that of their oldest identity, whichever account was kept.
- **Rate limit** (`VOTES_PER_HOUR`, 30): votes per person in any hour, voided ones included.
- **One entry per person per challenge** (`ENTRIES_PER_PERSON`).
- **Durations** from 10 minutes to 30 days: `90m`, `12h`, `3d`, `1w`.
"""

from __future__ import annotations

import re
from datetime import timedelta

from core.errors import InvalidInput

NEW_ACCOUNT_DELAY = timedelta(hours=24)
VOTES_PER_HOUR = 30
ENTRIES_PER_PERSON = 1
WINNERS = 4  # entries in the results collage (2 × 2)
THEME_MAX = 100
SHORTEST = timedelta(minutes=10)
LONGEST = timedelta(days=30)

_DURATION = re.compile(r"^(\d{1,5})\s*(m|min|h|d|w)$", re.IGNORECASE)
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """`90m`, `12h`, `3d`, `1w` → a timedelta between `SHORTEST` and `LONGEST`."""
    match = _DURATION.match(text.strip())
    if match is None:
        raise InvalidInput("error.challenge_duration", value=text.strip()[:20])
    amount, unit = int(match.group(1)), match.group(2).lower()
    duration = timedelta(**{_UNITS[unit]: amount})
    if not SHORTEST <= duration <= LONGEST:
        raise InvalidInput("error.challenge_duration", value=text.strip()[:20])
    return duration
