"""Image generation: jobs sent to an image model, and the daily quotas."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields

from core.domain import JobState, Platform
from core.persistence.models._base import Model

if TYPE_CHECKING:
    from core.persistence.models.accounts import Account
    from core.persistence.models.posts import Post


class GenerationJob(Model):
    """One request to an image model, saved before the model is called."""

    id = fields.BigIntField(primary_key=True)
    requester: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="generation_jobs", on_delete=fields.CASCADE
    )
    requester_id: int
    kind = fields.CharField(max_length=16, default="generate")  # generate, vary, remix
    prompt = fields.TextField()
    options: dict = fields.JSONField(default=dict)  # size, count, style, seed
    parent_post: fields.ForeignKeyNullableRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="remix_jobs", null=True, on_delete=fields.SET_NULL
    )
    parent_post_id: int | None
    parent_image = fields.CharField(max_length=64, null=True)  # sha256 of the image to edit
    state = fields.CharEnumField(JobState, max_length=16, default=JobState.QUEUED)
    attempts = fields.IntField(default=0)
    error_key = fields.CharField(max_length=64, null=True)
    error_params: dict = fields.JSONField(default=dict)
    result_images: list = fields.JSONField(default=list)  # sha256 of each image
    provider = fields.CharField(max_length=32, null=True)
    model = fields.CharField(max_length=64, null=True)
    origin_platform = fields.CharEnumField(Platform, max_length=16)
    origin_chat_id = fields.CharField(max_length=64, null=True)
    server_id = fields.CharField(max_length=64, null=True)  # guild / group, for its quota
    reply_target: dict = fields.JSONField(default=dict)  # adapter data to reach the requester
    created_at = fields.DatetimeField(auto_now_add=True)
    started_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)
    # A running job belongs to the worker that renews this; an expired lease means it crashed.
    lease_until = fields.DatetimeField(null=True)
    posted: dict = fields.JSONField(default=dict, db_default={})  # result image index → post id
    # A Discord interaction's token (a secret: never logged), so that the process that
    # sends Discord can edit the ephemeral status message of a job finished elsewhere
    # (`bot.adapters.discord._messenger`); removed after the job's last status edit, and
    # by the housekeeping once `status_token_until` (15 minutes after the command) passed.
    status_token = fields.TextField(null=True)
    status_token_until = fields.DatetimeField(null=True)

    class Meta:
        table = "generation_job"
        indexes = (("state", "created_at"), ("requester_id", "state"))


class QuotaUsage(Model):
    """Images used per scope ("account:12", "server:discord:99") per UTC day."""

    id = fields.BigIntField(primary_key=True)
    scope = fields.CharField(max_length=96)
    day = fields.DateField()
    used = fields.IntField(default=0)

    class Meta:
        table = "quota_usage"
        unique_together = (("scope", "day"),)
