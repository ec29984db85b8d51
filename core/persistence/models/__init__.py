"""The database schema: every tortoise model of Mosaic, one module per subsystem.

Tortoise's app config names this package (`core.persistence.database.MODELS_MODULE`) and finds
every model among the names it exports, so a new model module must be imported here too (the
migration test, which asks `makemigrations` for pending changes, fails otherwise).

No platform imports here. Counters on `Post` (likes, comments, remixes) are maintained on
write so that feeds never COUNT(*) per request. Relations are typed; indexes live in `Meta`.
Changing a model means adding a migration: `tortoise makemigrations` (see docs/operations.md).

| module          | models                                                     |
|-----------------|------------------------------------------------------------|
| accounts        | Account, Identity, LinkCode, LinkAttempt, PersonTie        |
| places          | Destination                                                |
| posts           | StoredImage, Post, PostTerm, TagDay                        |
| social          | Follow, Block, Reaction, Comment                           |
| interactions    | ProcessedUpdate, ActionToken                               |
| generation      | GenerationJob, QuotaUsage                                  |
| safety          | Report, ModerationAction, Sanction                         |
| feed            | Impression, RankerModel, TasteProfile, FeedSession         |
| digests         | DigestSubscription, DigestRun, DeliveredItem               |
| crossposts      | MosaicChannel                                              |
| delivery        | OutboxMessage, SentMessage, ShownPost, DirectChat          |
| notifications   | NotificationPreference, NotificationBatch, Notification    |
| challenges      | Challenge, ChallengeEntry, ChallengeVote, ChallengeFollow  |
| rating          | RateVote                                                   |
"""

from __future__ import annotations

from core.domain import (
    Audience,
    ChatKind,
    DigestState,
    JobState,
    ModerationState,
    OutboxState,
    Platform,
    RunState,
)
from core.persistence.models.accounts import (
    Account,
    Identity,
    LinkAttempt,
    LinkCode,
    PersonTie,
)
from core.persistence.models.challenges import (
    Challenge,
    ChallengeEntry,
    ChallengeFollow,
    ChallengeVote,
)
from core.persistence.models.crossposts import MosaicChannel
from core.persistence.models.delivery import DirectChat, OutboxMessage, SentMessage, ShownPost
from core.persistence.models.digests import DeliveredItem, DigestRun, DigestSubscription
from core.persistence.models.feed import FeedSession, Impression, RankerModel, TasteProfile
from core.persistence.models.generation import GenerationJob, QuotaUsage
from core.persistence.models.interactions import ActionToken, ProcessedUpdate
from core.persistence.models.notifications import (
    Notification,
    NotificationBatch,
    NotificationPreference,
)
from core.persistence.models.places import Destination
from core.persistence.models.posts import Post, PostTerm, StoredImage, TagDay
from core.persistence.models.rating import RateVote
from core.persistence.models.safety import ModerationAction, Report, Sanction
from core.persistence.models.social import Block, Comment, Follow, Reaction

__all__ = [
    "Account",
    "ActionToken",
    "Audience",
    "Block",
    "Challenge",
    "ChallengeEntry",
    "ChallengeFollow",
    "ChallengeVote",
    "ChatKind",
    "Comment",
    "DeliveredItem",
    "Destination",
    "DigestRun",
    "DigestState",
    "DigestSubscription",
    "DirectChat",
    "FeedSession",
    "Follow",
    "GenerationJob",
    "Identity",
    "Impression",
    "JobState",
    "LinkAttempt",
    "LinkCode",
    "ModerationAction",
    "ModerationState",
    "MosaicChannel",
    "Notification",
    "NotificationBatch",
    "NotificationPreference",
    "OutboxMessage",
    "OutboxState",
    "PersonTie",
    "Platform",
    "Post",
    "PostTerm",
    "ProcessedUpdate",
    "QuotaUsage",
    "RankerModel",
    "RateVote",
    "Reaction",
    "Report",
    "RunState",
    "Sanction",
    "SentMessage",
    "ShownPost",
    "StoredImage",
    "TagDay",
    "TasteProfile",
]
