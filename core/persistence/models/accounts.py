"""Accounts and how they appear on each platform, and the codes that link them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields

from core.domain import Platform
from core.persistence.models._base import Model

if TYPE_CHECKING:
    from core.persistence.models.posts import Post


class Account(Model):
    """A person. Owns one Identity per platform."""

    id = fields.BigIntField(primary_key=True)
    handle = fields.CharField(max_length=32, unique=True)
    display_name = fields.CharField(max_length=64)
    language = fields.CharField(max_length=8, null=True)
    show_linked_handles = fields.BooleanField(default=False, db_default=False)
    # When the person confirmed their age and opted in to sensitive posts (adult, violent);
    # None: not opted in, the default (`/settings sensitive`).
    sensitive_confirmed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    # Counters kept on write (in the unit of work that changes what they count), so a
    # profile costs no COUNT: posts not deleted, follows of and by this account.
    post_count = fields.IntField(default=0, db_default=0)
    follower_count = fields.IntField(default=0, db_default=0)
    following_count = fields.IntField(default=0, db_default=0)

    identities: fields.ReverseRelation[Identity]
    posts: fields.ReverseRelation[Post]

    class Meta:
        table = "account"

    def __str__(self) -> str:
        return f"@{self.handle}"


class Identity(Model):
    """How an Account appears on one platform: (platform, platform user id)."""

    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="identities", on_delete=fields.CASCADE
    )
    account_id: int
    platform = fields.CharEnumField(Platform, max_length=16)
    platform_user_id = fields.CharField(max_length=64)
    display_name = fields.CharField(max_length=64)
    username = fields.CharField(max_length=64, null=True)  # the platform's @name, if any
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "identity"
        unique_together = (("platform", "platform_user_id"),)


class LinkCode(Model):
    """A one-time code that joins the identity redeeming it to the issuer's account."""

    id = fields.BigIntField(primary_key=True)
    code = fields.CharField(max_length=16, unique=True)
    issuer: fields.ForeignKeyRelation[Identity] = fields.ForeignKeyField(
        "models.Identity", related_name="link_codes", on_delete=fields.CASCADE
    )
    issuer_id: int
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "link_code"


class LinkAttempt(Model):
    """A try at redeeming a code, for the rate limit (5 an hour per identity)."""

    id = fields.BigIntField(primary_key=True)
    identity: fields.ForeignKeyRelation[Identity] = fields.ForeignKeyField(
        "models.Identity", related_name="link_attempts", on_delete=fields.CASCADE
    )
    identity_id: int
    created_at = fields.DatetimeField()

    class Meta:
        table = "link_attempt"
        indexes = (("identity_id", "created_at"),)


class PersonTie(Model):
    """Two accounts that are not linked, but that the person's own actions showed to be one
    person: one was split off the other (`/unlink`: `unlinked`), or one tried to redeem the
    other's live link code on a platform both already have (`link_refused`). `account_a_id`
    is the smaller id. Challenge votes count tied accounts as one voter."""

    id = fields.BigIntField(primary_key=True)
    account_a: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="ties_a", on_delete=fields.CASCADE
    )
    account_a_id: int
    account_b: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="ties_b", on_delete=fields.CASCADE
    )
    account_b_id: int
    reason = fields.CharField(max_length=16)
    created_at = fields.DatetimeField()

    class Meta:
        table = "person_tie"
        unique_together = (("account_a", "account_b"),)
