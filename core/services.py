"""The bag of core services that command handlers use; built only by `bot.bootstrap`."""

from __future__ import annotations

from dataclasses import dataclass

from core.button_tokens import ActionTokens
from core.challenges import Challenges
from core.clock import Clock
from core.crossposts import CrossPosts, MosaicChannels
from core.delivery.sent_messages import SentMessages
from core.destinations import Destinations
from core.digests import DigestComposer, DigestSubscriptions
from core.feed import ChronologicalFeed, Discovery, PersonalizedFeed, Suggestions
from core.feed.rating import Rating
from core.generation.description import Describer
from core.generation.service import Generation
from core.images import ImageStore
from core.notifications import Notifications
from core.public_links import PublicLinks
from core.safety import Safety
from core.settings import Settings
from core.social import Accounts, Engagement, Posts, SocialGraph
from core.social.data_rights import AccountData
from core.social.linking import AccountLinking
from core.update_log import UpdateLog


@dataclass(slots=True)
class Services:
    settings: Settings
    clock: Clock
    images: ImageStore
    accounts: Accounts
    graph: SocialGraph
    posts: Posts
    engagement: Engagement
    feed: PersonalizedFeed
    chronological: ChronologicalFeed
    discovery: Discovery
    suggestions: Suggestions
    tokens: ActionTokens
    destinations: Destinations
    updates: UpdateLog
    sent_messages: SentMessages
    generation: Generation
    linking: AccountLinking
    account_data: AccountData
    safety: Safety
    digests: DigestSubscriptions
    digest_composer: DigestComposer
    notifications: Notifications
    mosaic_channels: MosaicChannels
    crossposts: CrossPosts
    links: PublicLinks  # addresses of posts and people on the web pages
    challenges: Challenges
    rating: Rating  # /rate
    describer: Describer  # /describe
