"""The social core: accounts, the follow/block graph, posts, likes and comments."""

from core.social.accounts import Accounts, Profile
from core.social.engagement import Engagement
from core.social.graph import SocialGraph
from core.social.posts import Origin, Posts, Provenance
from core.social.taste_updates import NoTasteUpdates, Signal, TasteUpdater
from core.social.visibility import blocked_between, can_view, shown_to_everyone, visible_to

__all__ = [
    "Accounts",
    "Engagement",
    "NoTasteUpdates",
    "Origin",
    "Posts",
    "Profile",
    "Provenance",
    "Signal",
    "SocialGraph",
    "TasteUpdater",
    "blocked_between",
    "can_view",
    "shown_to_everyone",
    "visible_to",
]
