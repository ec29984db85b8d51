"""Incoming interactions: platform events already handled, and button tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields

from core.domain import Platform
from core.persistence.models._base import Model

if TYPE_CHECKING:
    from core.persistence.models.accounts import Account


class ProcessedUpdate(Model):
    """Platform events already handled (Telegram update_id, Discord interaction id)."""

    id = fields.BigIntField(primary_key=True)
    platform = fields.CharEnumField(Platform, max_length=16)
    key = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "processed_update"
        unique_together = (("platform", "key"),)


class ActionToken(Model):
    """A button: a short token standing for (command, arguments, who may press it).

    Platforms carry only the token (Telegram callback_data ≤ 64 bytes, Discord custom_id ≤ 100
    chars, console numbers); pressing looks the rest up here, so buttons survive restarts.
    """

    token = fields.CharField(max_length=24, primary_key=True)
    command = fields.CharField(max_length=64)
    args: dict = fields.JSONField(default=dict)
    owner: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="action_tokens", null=True, on_delete=fields.CASCADE
    )
    owner_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "action_token"
