"""Scheduled digests: schedules, subscriptions, claiming runs, ranking, the collage.

The scheduler (`scheduler/`) drives these; commands (`bot/commands/digest.py`) manage them.
"""

from core.digests.cleanup import CollageRetention
from core.digests.compose import ComposedDigest, DigestComposer
from core.digests.ranking import DigestRanker, PersonalFeed
from core.digests.runs import DigestRuns
from core.digests.schedule import NextRunCalculator, QuietHours, Schedule, parse_request
from core.digests.subscriptions import DigestSubscriptions

__all__ = [
    "CollageRetention",
    "ComposedDigest",
    "DigestComposer",
    "DigestRanker",
    "DigestRuns",
    "DigestSubscriptions",
    "NextRunCalculator",
    "PersonalFeed",
    "QuietHours",
    "Schedule",
    "parse_request",
]
