"""The social graph and engagement: follows, blocks, likes, comments."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields

from core.persistence.models._base import Model

if TYPE_CHECKING:
    from core.persistence.models.accounts import Account
    from core.persistence.models.posts import Post


class Follow(Model):
    id = fields.BigIntField(primary_key=True)
    follower: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="following", on_delete=fields.CASCADE
    )
    follower_id: int
    followee: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="followers", on_delete=fields.CASCADE
    )
    followee_id: int
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "follow"
        unique_together = (("follower", "followee"),)
        indexes = (("followee_id", "created_at"),)


class Block(Model):
    id = fields.BigIntField(primary_key=True)
    blocker: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="blocks_made", on_delete=fields.CASCADE
    )
    blocker_id: int
    blocked: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="blocks_received", on_delete=fields.CASCADE
    )
    blocked_id: int
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "block"
        unique_together = (("blocker", "blocked"),)
        indexes = (("blocked_id",),)


class Reaction(Model):
    """A like (native platform reactions map to it)."""

    id = fields.BigIntField(primary_key=True)
    post: fields.ForeignKeyRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="reactions", on_delete=fields.CASCADE
    )
    post_id: int
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="reactions", on_delete=fields.CASCADE
    )
    account_id: int
    kind = fields.CharField(max_length=16, default="like")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "reaction"
        unique_together = (("post", "account", "kind"),)
        # With `post_id` and `account_id` in them, the feed's `peers` source (who liked these
        # posts lately, and what they liked lately) reads the indexes only, not the table.
        indexes = (("account_id", "created_at", "post_id"), ("post_id", "created_at", "account_id"))


class Comment(Model):
    id = fields.BigIntField(primary_key=True)
    post: fields.ForeignKeyRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="comments", on_delete=fields.CASCADE
    )
    post_id: int
    author: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="comments", on_delete=fields.CASCADE
    )
    author_id: int
    text = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)
    deleted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "comment"
        indexes = (("post_id", "created_at"),)
