"""Challenges: a theme for a while, entries, votes with abuse rules, results for followers.

- `rules`: the numbers (probation of new accounts, the vote rate limit, durations).
- `themes`: the global weekly theme, chosen from what is trending.
- `service`: start, enter, vote, standings, moderation, follow, the leaderboard.
- `results`: ending a challenge — winners, the collage, one outbox message per follower.
"""

from core.challenges.results import ChallengeResults, ChallengeResultsRenderer, results_key
from core.challenges.rules import (
    NEW_ACCOUNT_DELAY,
    VOTES_PER_HOUR,
    WINNERS,
    parse_duration,
)
from core.challenges.service import (
    BoardRow,
    ChallengeEntryRenderer,
    Challenges,
    Standing,
    entry_key,
)
from core.challenges.themes import weekly_key, weekly_theme

__all__ = [
    "NEW_ACCOUNT_DELAY",
    "VOTES_PER_HOUR",
    "WINNERS",
    "BoardRow",
    "ChallengeEntryRenderer",
    "ChallengeResults",
    "ChallengeResultsRenderer",
    "Challenges",
    "Standing",
    "entry_key",
    "parse_duration",
    "results_key",
    "weekly_key",
    "weekly_theme",
]
