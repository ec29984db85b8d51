"""Posts, their stored images, and the terms and #tags they are found by."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields

from core.domain import Audience, ModerationState, Platform
from core.persistence.models._base import Model

if TYPE_CHECKING:
    from core.persistence.models.accounts import Account


class StoredImage(Model):
    """An image file, addressed by the SHA-256 of its (metadata-free) bytes."""

    sha256 = fields.CharField(max_length=64, primary_key=True)
    format = fields.CharField(max_length=8)
    width = fields.IntField()
    height = fields.IntField()
    size_bytes = fields.IntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "stored_image"


class Post(Model):
    id = fields.BigIntField(primary_key=True)
    author: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="posts", on_delete=fields.CASCADE
    )
    author_id: int
    # Cleared when the post is deleted; the file goes once no post references it.
    image: fields.ForeignKeyNullableRelation[StoredImage] = fields.ForeignKeyField(
        "models.StoredImage", related_name="posts", null=True, on_delete=fields.SET_NULL
    )
    image_id: str | None
    prompt = fields.TextField(null=True)
    caption = fields.TextField(default="")
    audience = fields.CharEnumField(Audience, max_length=16, default=Audience.PUBLIC)
    origin_platform = fields.CharEnumField(Platform, max_length=16)
    origin_chat_id = fields.CharField(max_length=64, null=True)
    # The server (Discord guild, Telegram group) it was made in: whose admins moderate it.
    origin_server_id = fields.CharField(max_length=64, null=True)
    moderation = fields.CharEnumField(
        ModerationState,
        max_length=16,
        default=ModerationState.VISIBLE,
        db_default=ModerationState.VISIBLE,
    )
    remix_of: fields.ForeignKeyNullableRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="remixes", null=True, on_delete=fields.SET_NULL
    )
    remix_of_id: int | None
    allow_remix = fields.BooleanField(default=True)
    # The parent was removed with its author's account: credit "a deleted user".
    remix_parent_gone = fields.BooleanField(default=False, db_default=False)
    provider = fields.CharField(max_length=32, null=True)
    model = fields.CharField(max_length=64, null=True)
    like_count = fields.IntField(default=0)
    comment_count = fields.IntField(default=0)
    remix_count = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    deleted_at = fields.DatetimeField(null=True)
    # Written by the feed (core/feed/indexing.py) when the post is made, and `hot` again on
    # every like, comment or remix. NULL for posts made before the feed existed.
    hot = fields.FloatField(null=True)  # ln(1 + engagement) + age in days: trending order
    embedding = fields.BinaryField(null=True)  # text embedding of prompt + caption (float16)
    embedding_model = fields.CharField(max_length=64, null=True)  # which embedder made it
    taste_bucket = fields.SmallIntField(null=True)  # locality-sensitive hash of `embedding`
    newcomer = fields.BooleanField(null=True)  # one of its author's first posts
    shown = fields.IntField(default=0, db_default=0)  # impressions so far (exploration's count)
    fan_likes = fields.IntField(default=0, db_default=0)  # likes by its author's fans (fans.py)
    # Adult or graphic (its prompt matched `core.safety.policy.SENSITIVE_TERMS`): kept out of
    # the feeds, digests and cross-posts of servers whose policy has NSFW off.
    sensitive = fields.BooleanField(default=False, db_default=False)
    # From /rate votes across everyone (core/feed/quality.py): a Bradley–Terry strength (log
    # odds; 0 for the average post and for one without votes), and how many votes it had.
    quality = fields.FloatField(default=0.0, db_default=0.0)
    quality_votes = fields.IntField(default=0, db_default=0)

    class Meta:
        table = "post"
        indexes = (
            ("author_id", "created_at"),
            ("origin_platform", "origin_server_id"),
            ("audience", "hot"),
            ("taste_bucket", "hot"),
            ("newcomer", "created_at"),
            ("remix_of_id", "like_count"),  # a post's remixes (web pages, remix tree)
            ("image_id",),  # is an image shown by a public post (web), still used (release)
            ("taste_bucket", "created_at"),
        )


class PostTerm(Model):
    """A word of a post's prompt or caption, or one of its #tags: for /search and /tag."""

    id = fields.BigIntField(primary_key=True)
    post: fields.ForeignKeyRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="terms", on_delete=fields.CASCADE
    )
    post_id: int
    term = fields.CharField(max_length=64)
    tag = fields.BooleanField(default=False)  # written as #term

    class Meta:
        table = "post_term"
        unique_together = (("post", "term"),)
        indexes = (("term", "post_id"),)


class TagDay(Model):
    """How many posts carried a #tag on a day (UTC): how crowded the tag is, for the feed's
    `standout` part (core/feed/crowding.py). Counted when a post is made; housekeeping deletes
    days older than two weeks."""

    id = fields.BigIntField(primary_key=True)
    tag = fields.CharField(max_length=64)
    day = fields.DateField()
    posts = fields.IntField(default=0)

    class Meta:
        table = "tag_day"
        unique_together = (("tag", "day"),)
