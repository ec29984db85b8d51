"""Delivery: the outbox, messages the bot sent, and where people can be reached."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields

from core.domain import OutboxOperation, OutboxState, Platform
from core.persistence.models._base import Model

if TYPE_CHECKING:
    from core.persistence.models.accounts import Account
    from core.persistence.models.crossposts import MosaicChannel
    from core.persistence.models.digests import DigestRun
    from core.persistence.models.posts import Post


class OutboxMessage(Model):
    """A message to send outside any conversation, written before it is sent.

    `dedupe_key` is unique, so composing the same digest twice cannot queue it twice. The
    paced sender claims `pending` rows whose `next_attempt_at` has come (a lease in
    `lease_until` while sending), and records `sent`, a retry, or why it gave up.
    """

    id = fields.BigIntField(primary_key=True)
    platform = fields.CharEnumField(Platform, max_length=16)
    chat_key = fields.CharField(max_length=64)  # what the pacer limits per chat
    group_chat = fields.BooleanField(default=False)
    target: dict = fields.JSONField(default=dict)
    reply: dict = fields.JSONField(default=dict)
    dedupe_key = fields.CharField(max_length=96, unique=True)
    # send: `reply` to `target`; retract: delete the message `target` names (a takedown).
    operation = fields.CharEnumField(
        OutboxOperation,
        max_length=16,
        default=OutboxOperation.SEND,
        db_default=OutboxOperation.SEND,
    )
    state = fields.CharEnumField(OutboxState, max_length=16, default=OutboxState.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    lease_until = fields.DatetimeField(null=True)
    last_error = fields.CharField(max_length=200, null=True)
    run: fields.ForeignKeyNullableRelation[DigestRun] = fields.ForeignKeyField(
        "models.DigestRun", related_name="messages", null=True, on_delete=fields.SET_NULL
    )
    run_id: int | None
    # A cross-post: the Mosaic channel it goes to and the post it shows (checked again
    # just before sending; switching the channel off or deleting the post drops it).
    channel: fields.ForeignKeyNullableRelation[MosaicChannel] = fields.ForeignKeyField(
        "models.MosaicChannel", related_name="messages", null=True, on_delete=fields.CASCADE
    )
    channel_id: int | None
    post: fields.ForeignKeyNullableRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="outbox_messages", null=True, on_delete=fields.CASCADE
    )
    post_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_message"
        indexes = (("platform", "state", "next_attempt_at"), ("state", "lease_until"))


class SentMessage(Model):
    """A message the bot sent that shows a post: for reactions-as-likes and takedowns."""

    id = fields.BigIntField(primary_key=True)
    platform = fields.CharEnumField(Platform, max_length=16)
    chat_id = fields.CharField(max_length=64)
    message_id = fields.CharField(max_length=64)
    post: fields.ForeignKeyNullableRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="sent_messages", null=True, on_delete=fields.SET_NULL
    )
    post_id: int | None
    # The server it was delivered in (Discord guild, Telegram group): its admins moderate it.
    server_id = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "sent_message"
        unique_together = (("platform", "chat_id", "message_id"),)
        indexes = (("post_id",),)


class ShownPost(Model):
    """A post that a sent message shows besides its own (a digest collage shows several)."""

    id = fields.BigIntField(primary_key=True)
    message: fields.ForeignKeyRelation[SentMessage] = fields.ForeignKeyField(
        "models.SentMessage", related_name="shown", on_delete=fields.CASCADE
    )
    message_id: int
    post: fields.ForeignKeyRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="shown_in", on_delete=fields.CASCADE
    )
    post_id: int

    class Meta:
        table = "shown_post"
        unique_together = (("message", "post"),)
        indexes = (("post_id",),)


class DirectChat(Model):
    """Where a person can be reached privately on a platform (learned when they write us)."""

    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="direct_chats", on_delete=fields.CASCADE
    )
    account_id: int
    platform = fields.CharEnumField(Platform, max_length=16)
    target: dict = fields.JSONField(default=dict)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "direct_chat"
        unique_together = (("account", "platform"),)
