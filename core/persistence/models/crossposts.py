"""Mosaic channels: chats that receive cross-posted posts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields

from core.persistence.models._base import Model

if TYPE_CHECKING:
    from core.persistence.models.places import Destination


class MosaicChannel(Model):
    """A chat whose admins asked for Mosaic posts: new public posts by the place's members
    (`topics` empty) or matching `topics` are cross-posted there through the outbox."""

    id = fields.BigIntField(primary_key=True)
    destination: fields.OneToOneRelation[Destination] = fields.OneToOneField(
        "models.Destination", related_name="mosaic_channel", on_delete=fields.CASCADE
    )
    destination_id: int
    server_id = fields.CharField(max_length=64, null=True)  # its server (sanctions there)
    target: dict = fields.JSONField(default=dict)  # the Messenger's target for the chat
    topics = fields.CharField(max_length=200, default="")  # empty: posts by its members
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "mosaic_channel"
