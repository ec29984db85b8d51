"""Trust and safety: reports, the moderation audit log, sanctions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields

from core.domain import Platform, ReportState, ReportTarget, SanctionKind
from core.persistence.models._base import Model

if TYPE_CHECKING:
    from core.persistence.models.accounts import Account
    from core.persistence.models.posts import Post
    from core.persistence.models.social import Comment


class Report(Model):
    """Someone reported a post, a comment or a user: one row per (reporter, target)."""

    id = fields.BigIntField(primary_key=True)
    reporter: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="reports_made", on_delete=fields.CASCADE
    )
    reporter_id: int
    target_kind = fields.CharEnumField(ReportTarget, max_length=16)
    target_key = fields.CharField(max_length=48)  # "post:12", "comment:3", "user:7"
    post: fields.ForeignKeyNullableRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="reports", null=True, on_delete=fields.CASCADE
    )
    post_id: int | None
    comment: fields.ForeignKeyNullableRelation[Comment] = fields.ForeignKeyField(
        "models.Comment", related_name="reports", null=True, on_delete=fields.CASCADE
    )
    comment_id: int | None
    # Whose content (or who) was reported.
    subject: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="reports_received", on_delete=fields.CASCADE
    )
    subject_id: int
    reason = fields.CharField(max_length=500)
    # Whose moderators see it: the server the content came from (or the report was made in).
    platform = fields.CharEnumField(Platform, max_length=16)
    server_id = fields.CharField(max_length=64, null=True)
    state = fields.CharEnumField(ReportState, max_length=16, default=ReportState.OPEN)
    created_at = fields.DatetimeField(auto_now_add=True)
    resolved_at = fields.DatetimeField(null=True)

    class Meta:
        table = "report"
        unique_together = (("reporter", "target_key"),)
        indexes = (("state", "platform", "server_id"), ("target_key", "state"))


class ModerationAction(Model):
    """The audit log: who did what to whom, when and why. Survives deleted accounts."""

    id = fields.BigIntField(primary_key=True)
    moderator: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="moderation_done", null=True, on_delete=fields.SET_NULL
    )
    moderator_id: int | None
    moderator_handle = fields.CharField(max_length=32)  # as it was when they acted
    action = fields.CharField(max_length=24)
    target_key = fields.CharField(max_length=48)
    subject: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="moderation_received", null=True, on_delete=fields.SET_NULL
    )
    subject_id: int | None
    subject_handle = fields.CharField(max_length=32, default="")
    reason = fields.CharField(max_length=500, default="")
    platform = fields.CharEnumField(Platform, max_length=16)
    server_id = fields.CharField(max_length=64, null=True)  # None: a global action
    created_at = fields.DatetimeField()

    class Meta:
        table = "moderation_action"
        indexes = (("platform", "server_id", "created_at"), ("created_at",))


class Sanction(Model):
    """A mute or ban: in one server (platform + server_id) or everywhere (server_id None)."""

    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="sanctions", on_delete=fields.CASCADE
    )
    account_id: int
    kind = fields.CharEnumField(SanctionKind, max_length=8)
    platform = fields.CharEnumField(Platform, max_length=16, null=True)
    server_id = fields.CharField(max_length=64, null=True)
    until = fields.DatetimeField(null=True)  # None: until lifted
    reason = fields.CharField(max_length=500, default="")
    created_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="sanctions_given", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField()

    class Meta:
        table = "sanction"
        indexes = (("account_id", "until"),)
