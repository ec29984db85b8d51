"""Challenges: a theme for a while, the posts entered, the votes for them, and the chats that
follow challenges (they get entries and results through the outbox)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields

from core.domain import ChallengeState, Platform
from core.persistence.models._base import Model

if TYPE_CHECKING:
    from core.persistence.models.accounts import Account
    from core.persistence.models.places import Destination
    from core.persistence.models.posts import Post


class Challenge(Model):
    """One themed challenge: the own one of a server or group (`server_id` set), or global.

    `key` is unique: the global weekly challenge has `weekly:<ISO week>`, so the scheduler
    leader creates it once however often it ticks. The leader claims a challenge whose
    `ends_at` has passed (running → ending), queues its results and marks it finished, in
    one transaction; a leader that died in between leaves it `ending` for the next one.
    """

    id = fields.BigIntField(primary_key=True)
    key = fields.CharField(max_length=96, unique=True)
    theme = fields.CharField(max_length=100)
    platform = fields.CharEnumField(Platform, max_length=16, null=True)  # None: global
    server_id = fields.CharField(max_length=64, null=True)
    created_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="challenges", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    state = fields.CharEnumField(ChallengeState, max_length=16, default=ChallengeState.RUNNING)
    collage = fields.CharField(max_length=64, null=True)  # the results picture's sha256
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "challenge"
        indexes = (("state", "ends_at"), ("platform", "server_id", "state"))


class ChallengeEntry(Model):
    """A post entered in a challenge, by the author of the post (account merges follow)."""

    id = fields.BigIntField(primary_key=True)
    challenge: fields.ForeignKeyRelation[Challenge] = fields.ForeignKeyField(
        "models.Challenge", related_name="entries", on_delete=fields.CASCADE
    )
    challenge_id: int
    post: fields.ForeignKeyRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="challenge_entries", on_delete=fields.CASCADE
    )
    post_id: int
    platform = fields.CharEnumField(Platform, max_length=16)  # where it was entered
    chat_id = fields.CharField(max_length=64, null=True)
    disqualified_reason = fields.CharField(max_length=200, null=True)  # set: out of it
    votes = fields.IntField(null=True)  # counted votes, fixed when the challenge finishes
    rank = fields.IntField(null=True)  # 1, 2, 3 … for the winners, fixed at the end
    created_at = fields.DatetimeField()

    class Meta:
        table = "challenge_entry"
        unique_together = (("challenge", "post"),)
        indexes = (("challenge_id", "disqualified_reason"), ("rank",))


class ChallengeVote(Model):
    """The vote of one person for one entry (linked accounts are one Account: one vote).

    `counts_from`: votes count once this time has come; for an account made after the
    challenge started, that is its first appearance plus the probation delay. A voided vote
    (`voided_at`) never counts, and still counts against the voter's rate limit."""

    id = fields.BigIntField(primary_key=True)
    entry: fields.ForeignKeyRelation[ChallengeEntry] = fields.ForeignKeyField(
        "models.ChallengeEntry", related_name="vote_rows", on_delete=fields.CASCADE
    )
    entry_id: int
    voter: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="challenge_votes", on_delete=fields.CASCADE
    )
    voter_id: int
    created_at = fields.DatetimeField()
    counts_from = fields.DatetimeField()
    voided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "challenge_vote"
        unique_together = (("entry", "voter"),)
        indexes = (("voter_id", "created_at"),)


class ChallengeFollow(Model):
    """A chat that follows challenges: it gets entries and results through the outbox."""

    id = fields.BigIntField(primary_key=True)
    destination: fields.OneToOneRelation[Destination] = fields.OneToOneField(
        "models.Destination", related_name="challenge_follow", on_delete=fields.CASCADE
    )
    destination_id: int
    server_id = fields.CharField(max_length=64, null=True)
    target: dict = fields.JSONField(default=dict)  # the Messenger's target for the chat
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "challenge_follow"
