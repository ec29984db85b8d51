"""Plain domain vocabulary shared by every layer (no ORM, no platform)."""

from __future__ import annotations

from enum import StrEnum


class Platform(StrEnum):
    CONSOLE = "console"
    TELEGRAM = "telegram"
    DISCORD = "discord"


class Audience(StrEnum):
    PRIVATE = "private"
    FOLLOWERS = "followers"
    PUBLIC = "public"


class ChatKind(StrEnum):
    PRIVATE = "private"
    GROUP = "group"
    CHANNEL = "channel"


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ModerationState(StrEnum):
    """Whether a post shows: visible, hidden pending review (reports), hidden or removed."""

    VISIBLE = "visible"
    PENDING_REVIEW = "pending_review"  # enough reports: hidden until a moderator decides
    HIDDEN = "hidden"  # hidden by a moderator; kept until deleted
    REMOVED = "removed"  # deleted by a moderator


class ReportTarget(StrEnum):
    POST = "post"
    COMMENT = "comment"
    USER = "user"


class ReportState(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class SanctionKind(StrEnum):
    MUTE = "mute"
    BAN = "ban"


class GenerationAccess(StrEnum):
    """Who may generate images in a server (a server policy)."""

    EVERYONE = "everyone"
    ROLE = "role"  # Discord: members with one role
    ADMINS = "admins"  # Telegram: the group's admins
    NOBODY = "nobody"


class DigestState(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"


class RunState(StrEnum):
    CLAIMED = "claimed"  # the scheduler took this period; composing
    QUEUED = "queued"  # its messages are in the outbox
    DELIVERED = "delivered"
    SKIPPED = "skipped"  # nothing new, the daily cap, quiet hours: `reason` says
    FAILED = "failed"  # the destination refused it: `reason` says


class ChallengeState(StrEnum):
    RUNNING = "running"  # open for entries and votes until `ends_at`
    ENDING = "ending"  # the scheduler leader took it; its results are being queued
    FINISHED = "finished"  # results queued in the outbox for every follower


class OutboxState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # given up: `last_error` says why
    WITHDRAWN = "withdrawn"  # not sent: it showed a post that was taken down meanwhile


class OutboxOperation(StrEnum):
    """What an outbox row asks of the platform."""

    SEND = "send"  # send `reply` to `target`
    RETRACT = "retract"  # delete the message `target` names (a takedown)
