"""Digests: subscriptions, their runs, and the posts already delivered."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields

from core.domain import DigestState, RunState
from core.persistence.models._base import Model

if TYPE_CHECKING:
    from core.persistence.models.accounts import Account
    from core.persistence.models.places import Destination
    from core.persistence.models.posts import Post


class DigestSubscription(Model):
    """A digest that goes to one destination on a schedule (see core/digests).

    `schedule` is a 5-field cron expression in `timezone` (daily and weekly schedules are
    stored as cron too, `schedule_text` keeps what the subscriber typed). `next_run_at` is
    always in UTC and already respects quiet hours. The scheduler claims rows whose
    `next_run_at` has passed.
    """

    id = fields.BigIntField(primary_key=True)
    destination: fields.ForeignKeyRelation[Destination] = fields.ForeignKeyField(
        "models.Destination", related_name="digest_subscriptions", on_delete=fields.CASCADE
    )
    destination_id: int
    owner: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="digest_subscriptions", on_delete=fields.CASCADE
    )
    owner_id: int
    personal = fields.BooleanField(default=True)  # ranked for the owner (a DM), else the place
    target: dict = fields.JSONField(default=dict)  # the Messenger's target for the destination
    schedule = fields.CharField(max_length=120)
    schedule_text = fields.CharField(max_length=160)
    timezone = fields.CharField(max_length=64)
    quiet_start = fields.IntField(null=True)  # minutes after local midnight
    quiet_end = fields.IntField(null=True)
    size = fields.IntField(default=6)
    topics = fields.CharField(max_length=200, default="")
    state = fields.CharEnumField(DigestState, max_length=16, default=DigestState.ACTIVE)
    paused_reason = fields.CharField(max_length=200, null=True)
    last_run_at = fields.DatetimeField(null=True)
    next_run_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "digest_subscription"
        indexes = (("state", "next_run_at"), ("owner_id", "state"), ("destination_id",))


class DigestRun(Model):
    """One digest of one subscription for one period: the unique key makes it happen once."""

    id = fields.BigIntField(primary_key=True)
    subscription: fields.ForeignKeyRelation[DigestSubscription] = fields.ForeignKeyField(
        "models.DigestSubscription", related_name="runs", on_delete=fields.CASCADE
    )
    subscription_id: int
    period = fields.CharField(max_length=32)  # the scheduled time it stands for, UTC ISO
    scheduled_for = fields.DatetimeField()
    state = fields.CharEnumField(RunState, max_length=16, default=RunState.CLAIMED)
    reason = fields.CharField(max_length=200, null=True)  # why it was skipped or failed
    items: list = fields.JSONField(default=list)  # post ids, in the collage's order
    collage = fields.CharField(max_length=64, null=True)  # its picture's sha256, until cleaned
    claimed_at = fields.DatetimeField()  # by the scheduler's clock
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "digest_run"
        unique_together = (("subscription", "period"),)
        indexes = (("state", "claimed_at"), ("subscription_id", "scheduled_for"))


class DeliveredItem(Model):
    """A post already sent to a destination in a digest: it is never sent there again."""

    id = fields.BigIntField(primary_key=True)
    destination: fields.ForeignKeyRelation[Destination] = fields.ForeignKeyField(
        "models.Destination", related_name="delivered_items", on_delete=fields.CASCADE
    )
    destination_id: int
    post: fields.ForeignKeyRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="deliveries", on_delete=fields.CASCADE
    )
    post_id: int
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "delivered_item"
        unique_together = (("destination", "post"),)
