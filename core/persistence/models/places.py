"""Places on a platform (chats, groups, channels, servers) with their settings."""

from __future__ import annotations

from tortoise import fields

from core.domain import ChatKind, GenerationAccess, Platform
from core.persistence.models._base import Model


class Destination(Model):
    """A chat, group, channel or server on a platform, with its settings and delivery state.

    `chat_id` is the platform's id of the place (Telegram chat id, Discord guild id for
    server-wide settings or channel id for one channel).
    """

    id = fields.BigIntField(primary_key=True)
    platform = fields.CharEnumField(Platform, max_length=16)
    chat_id = fields.CharField(max_length=64)
    kind = fields.CharEnumField(ChatKind, max_length=16, default=ChatKind.GROUP)
    title = fields.CharField(max_length=128, default="")
    language = fields.CharField(max_length=8, null=True)
    generation_allowed = fields.BooleanField(default=True)
    nsfw_allowed = fields.BooleanField(default=False)
    # Server policy (trust and safety); the defaults are the safe ones.
    blocked_words: list = fields.JSONField(default=list, db_default=[])  # refused in prompts
    generation_access = fields.CharEnumField(
        GenerationAccess,
        max_length=16,
        default=GenerationAccess.EVERYONE,
        db_default=GenerationAccess.EVERYONE,
    )
    generation_role = fields.CharField(max_length=64, null=True)  # for GenerationAccess.ROLE
    member_daily_cap = fields.IntField(null=True)  # images per member per day in this server
    paused_reason = fields.CharField(max_length=200, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "destination"
        unique_together = (("platform", "chat_id"),)
