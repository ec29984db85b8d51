"""Notifications: preferences, pending notifications and their batches."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields

from core.persistence.models._base import Model

if TYPE_CHECKING:
    from core.persistence.models.accounts import Account


class NotificationPreference(Model):
    """A kind of notification someone switched off (no row: on)."""

    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="notification_preferences", on_delete=fields.CASCADE
    )
    account_id: int
    kind = fields.CharField(max_length=16)
    enabled = fields.BooleanField(default=True)

    class Meta:
        table = "notification_preference"
        unique_together = (("account", "kind"),)


class NotificationBatch(Model):
    """The notifications of one person sent together in one message."""

    id = fields.BigIntField(primary_key=True)
    recipient: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="notification_batches", on_delete=fields.CASCADE
    )
    recipient_id: int
    created_at = fields.DatetimeField()

    class Meta:
        table = "notification_batch"
        indexes = (("recipient_id", "created_at"),)


class Notification(Model):
    """Something happened to someone's post or profile, waiting for the next batch."""

    id = fields.BigIntField(primary_key=True)
    recipient: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="notifications", on_delete=fields.CASCADE
    )
    recipient_id: int
    kind = fields.CharField(max_length=16)  # follow, like, comment, remix
    actor: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="notifications_caused", on_delete=fields.CASCADE
    )
    actor_id: int
    post_id = fields.BigIntField(null=True)
    batch: fields.ForeignKeyNullableRelation[NotificationBatch] = fields.ForeignKeyField(
        "models.NotificationBatch",
        related_name="notifications",
        null=True,
        on_delete=fields.SET_NULL,
    )
    batch_id: int | None
    created_at = fields.DatetimeField()

    class Meta:
        table = "notification"
        indexes = (("batch_id", "recipient_id"),)
