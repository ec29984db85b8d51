"""Feeds: which posts a viewer sees, in what order."""

from core.feed.chronological import ChronologicalFeed

__all__ = ["ChronologicalFeed"]
