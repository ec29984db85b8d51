"""The database schema: every tortoise model of Mosaic, in one place.

No platform imports here. Counters on `Post` (likes, comments, remixes) are maintained on
write so that feeds never COUNT(*) per request. Relations are typed; indexes live in `Meta`.
Changing a model means adding a migration: `tortoise makemigrations` (see docs/operations.md).
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from core.domain import (
    Audience,
    ChatKind,
    DigestState,
    GenerationAccess,
    JobState,
    ModerationState,
    OutboxOperation,
    OutboxState,
    Platform,
    ReportState,
    ReportTarget,
    RunState,
    SanctionKind,
)


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
    platform = fields.CharEnumField(Platform, max_length=16)
    platform_user_id = fields.CharField(max_length=64)
    display_name = fields.CharField(max_length=64)
    username = fields.CharField(max_length=64, null=True)  # the platform's @name, if any
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "identity"
        unique_together = (("platform", "platform_user_id"),)


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
    # Cleared when the post is deleted; the file goes once no post references it.
    image: fields.ForeignKeyNullableRelation[StoredImage] = fields.ForeignKeyField(
        "models.StoredImage", related_name="posts", null=True, on_delete=fields.SET_NULL
    )
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
    # Adult or graphic (its prompt matched `core.safety.policy.SENSITIVE_TERMS`): kept out of
    # the feeds, digests and cross-posts of servers whose policy has NSFW off.
    sensitive = fields.BooleanField(default=False, db_default=False)

    class Meta:
        table = "post"
        indexes = (
            ("author_id", "created_at"),
            ("origin_platform", "origin_server_id"),
            ("audience", "hot"),
            ("taste_bucket", "hot"),
            ("newcomer", "created_at"),
        )


class Follow(Model):
    id = fields.BigIntField(primary_key=True)
    follower: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="following", on_delete=fields.CASCADE
    )
    followee: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="followers", on_delete=fields.CASCADE
    )
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
    blocked: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="blocks_received", on_delete=fields.CASCADE
    )
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
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="reactions", on_delete=fields.CASCADE
    )
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
    author: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="comments", on_delete=fields.CASCADE
    )
    text = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)
    deleted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "comment"
        indexes = (("post_id", "created_at"),)


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
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "action_token"


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


class ProcessedUpdate(Model):
    """Platform events already handled (Telegram update_id, Discord interaction id)."""

    id = fields.BigIntField(primary_key=True)
    platform = fields.CharEnumField(Platform, max_length=16)
    key = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "processed_update"
        unique_together = (("platform", "key"),)


class SentMessage(Model):
    """A message the bot sent that shows a post: for reactions-as-likes and takedowns."""

    id = fields.BigIntField(primary_key=True)
    platform = fields.CharEnumField(Platform, max_length=16)
    chat_id = fields.CharField(max_length=64)
    message_id = fields.CharField(max_length=64)
    post: fields.ForeignKeyNullableRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="sent_messages", null=True, on_delete=fields.SET_NULL
    )
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
    post: fields.ForeignKeyRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="shown_in", on_delete=fields.CASCADE
    )

    class Meta:
        table = "shown_post"
        unique_together = (("message", "post"),)
        indexes = (("post_id",),)


class GenerationJob(Model):
    """One request to an image model, saved before the model is called."""

    id = fields.BigIntField(primary_key=True)
    requester: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="generation_jobs", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=16, default="generate")  # generate, vary, remix
    prompt = fields.TextField()
    options: dict = fields.JSONField(default=dict)  # size, count, style, seed
    parent_post: fields.ForeignKeyNullableRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="remix_jobs", null=True, on_delete=fields.SET_NULL
    )
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


class LinkCode(Model):
    """A one-time code that joins the identity redeeming it to the issuer's account."""

    id = fields.BigIntField(primary_key=True)
    code = fields.CharField(max_length=16, unique=True)
    issuer: fields.ForeignKeyRelation[Identity] = fields.ForeignKeyField(
        "models.Identity", related_name="link_codes", on_delete=fields.CASCADE
    )
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
    created_at = fields.DatetimeField()

    class Meta:
        table = "link_attempt"
        indexes = (("identity_id", "created_at"),)


class Report(Model):
    """Someone reported a post, a comment or a user: one row per (reporter, target)."""

    id = fields.BigIntField(primary_key=True)
    reporter: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="reports_made", on_delete=fields.CASCADE
    )
    target_kind = fields.CharEnumField(ReportTarget, max_length=16)
    target_key = fields.CharField(max_length=48)  # "post:12", "comment:3", "user:7"
    post: fields.ForeignKeyNullableRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="reports", null=True, on_delete=fields.CASCADE
    )
    comment: fields.ForeignKeyNullableRelation[Comment] = fields.ForeignKeyField(
        "models.Comment", related_name="reports", null=True, on_delete=fields.CASCADE
    )
    # Whose content (or who) was reported.
    subject: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="reports_received", on_delete=fields.CASCADE
    )
    reason = fields.CharField(max_length=500)
    # Whose moderators see it: the server the content came from (or the report was made in).
    platform = fields.CharEnumField(Platform, max_length=16)
    server_id = fields.CharField(max_length=64, null=True)
    state = fields.CharEnumField(ReportState, max_length=16, default=ReportState.OPEN)
    created_at = fields.DatetimeField(auto_now_add=True)
    resolved_at = fields.DatetimeField(null=True)

    class Meta:
        table = "report"
        unique_together = (("reporter", "target_key"),)
        indexes = (("state", "platform", "server_id"), ("target_key", "state"))


class ModerationAction(Model):
    """The audit log: who did what to whom, when and why. Survives deleted accounts."""

    id = fields.BigIntField(primary_key=True)
    moderator: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="moderation_done", null=True, on_delete=fields.SET_NULL
    )
    moderator_handle = fields.CharField(max_length=32)  # as it was when they acted
    action = fields.CharField(max_length=24)
    target_key = fields.CharField(max_length=48)
    subject: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="moderation_received", null=True, on_delete=fields.SET_NULL
    )
    subject_handle = fields.CharField(max_length=32, default="")
    reason = fields.CharField(max_length=500, default="")
    platform = fields.CharEnumField(Platform, max_length=16)
    server_id = fields.CharField(max_length=64, null=True)  # None: a global action
    created_at = fields.DatetimeField()

    class Meta:
        table = "moderation_action"
        indexes = (("platform", "server_id", "created_at"), ("created_at",))


class Sanction(Model):
    """A mute or ban: in one server (platform + server_id) or everywhere (server_id None)."""

    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="sanctions", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(SanctionKind, max_length=8)
    platform = fields.CharEnumField(Platform, max_length=16, null=True)
    server_id = fields.CharField(max_length=64, null=True)
    until = fields.DatetimeField(null=True)  # None: until lifted
    reason = fields.CharField(max_length=500, default="")
    created_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="sanctions_given", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField()

    class Meta:
        table = "sanction"
        indexes = (("account_id", "until"),)


class PostTerm(Model):
    """A word of a post's prompt or caption, or one of its #tags: for /search and /tag."""

    id = fields.BigIntField(primary_key=True)
    post: fields.ForeignKeyRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="terms", on_delete=fields.CASCADE
    )
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


class TasteProfile(Model):
    """What one account (or one channel) likes, and how its owner tuned their feed.

    Kept up to date on every like, comment, remix, follow and post (core/feed/taste.py).
    `vector` is a decayed sum of the embeddings of posts engaged with (float32), `total_weight`
    the decayed sum of their weights; `authors`, `buckets`, `terms` and `tags` are small
    decayed weight maps; `engaged` the most recent posts liked, commented or remixed (they sink
    in the feed); `steering` the weighted terms `/feed tune` resolved to.
    """

    id = fields.BigIntField(primary_key=True)
    account: fields.OneToOneNullableRelation[Account] = fields.OneToOneField(
        "models.Account", related_name="taste", null=True, on_delete=fields.CASCADE
    )
    destination: fields.OneToOneNullableRelation[Destination] = fields.OneToOneField(
        "models.Destination", related_name="taste", null=True, on_delete=fields.CASCADE
    )
    embedding_model = fields.CharField(max_length=64, null=True)
    vector = fields.BinaryField(null=True)
    total_weight = fields.FloatField(default=0.0)  # the decayed sum of weights in `vector`
    authors: dict = fields.JSONField(default=dict)  # author id → weight
    buckets: dict = fields.JSONField(default=dict)  # taste bucket → weight
    terms: dict = fields.JSONField(default=dict)  # prompt word → weight (for /suggest prompts)
    tags: dict = fields.JSONField(default=dict, db_default={})  # #tag → weight (candidates)
    engaged: list = fields.JSONField(default=list)  # post ids, newest last
    steering_text = fields.TextField(default="")  # `/feed tune` as typed
    steering: list = fields.JSONField(default=list)  # the weighted terms it resolved to
    updated_at = fields.DatetimeField(null=True)  # the moment the weights were decayed to

    class Meta:
        table = "taste_profile"


class FeedSession(Model):
    """The pages of one viewer's current `/feed` session, and what they were shown lately.

    Kept in the database so that any process can serve the next page; `version` makes two
    processes serving the same viewer at once notice each other (optimistic locking).
    """

    id = fields.BigIntField(primary_key=True)
    account: fields.OneToOneRelation[Account] = fields.OneToOneField(
        "models.Account", related_name="feed_session", on_delete=fields.CASCADE
    )
    number = fields.IntField(default=0)  # sessions started so far
    pages: list = fields.JSONField(default=list)  # post ids per page of this session
    seen: list = fields.JSONField(default=list)  # [post id, times shown], most recent last
    version = fields.IntField(default=0)
    updated_at = fields.DatetimeField(null=True)

    class Meta:
        table = "feed_session"


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
    owner: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="digest_subscriptions", on_delete=fields.CASCADE
    )
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
    post: fields.ForeignKeyRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="deliveries", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "delivered_item"
        unique_together = (("destination", "post"),)


class MosaicChannel(Model):
    """A chat whose admins asked for Mosaic posts: new public posts by the place's members
    (`topics` empty) or matching `topics` are cross-posted there through the outbox."""

    id = fields.BigIntField(primary_key=True)
    destination: fields.OneToOneRelation[Destination] = fields.OneToOneField(
        "models.Destination", related_name="mosaic_channel", on_delete=fields.CASCADE
    )
    server_id = fields.CharField(max_length=64, null=True)  # its server (sanctions there)
    target: dict = fields.JSONField(default=dict)  # the Messenger's target for the chat
    topics = fields.CharField(max_length=200, default="")  # empty: posts by its members
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "mosaic_channel"


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
    # A cross-post: the Mosaic channel it goes to and the post it shows (checked again
    # just before sending; switching the channel off or deleting the post drops it).
    channel: fields.ForeignKeyNullableRelation[MosaicChannel] = fields.ForeignKeyField(
        "models.MosaicChannel", related_name="messages", null=True, on_delete=fields.CASCADE
    )
    post: fields.ForeignKeyNullableRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="outbox_messages", null=True, on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_message"
        indexes = (("platform", "state", "next_attempt_at"), ("state", "lease_until"))


class DirectChat(Model):
    """Where a person can be reached privately on a platform (learned when they write us)."""

    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="direct_chats", on_delete=fields.CASCADE
    )
    platform = fields.CharEnumField(Platform, max_length=16)
    target: dict = fields.JSONField(default=dict)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "direct_chat"
        unique_together = (("account", "platform"),)


class NotificationPreference(Model):
    """A kind of notification someone switched off (no row: on)."""

    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="notification_preferences", on_delete=fields.CASCADE
    )
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
    kind = fields.CharField(max_length=16)  # follow, like, comment, remix
    actor: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="notifications_caused", on_delete=fields.CASCADE
    )
    post_id = fields.BigIntField(null=True)
    batch: fields.ForeignKeyNullableRelation[NotificationBatch] = fields.ForeignKeyField(
        "models.NotificationBatch",
        related_name="notifications",
        null=True,
        on_delete=fields.SET_NULL,
    )
    created_at = fields.DatetimeField()

    class Meta:
        table = "notification"
        indexes = (("batch_id", "recipient_id"),)


__all__ = [
    "Account",
    "ActionToken",
    "Audience",
    "Block",
    "ChatKind",
    "Comment",
    "DeliveredItem",
    "Destination",
    "DigestRun",
    "DigestState",
    "DigestSubscription",
    "DirectChat",
    "FeedSession",
    "Follow",
    "GenerationJob",
    "Identity",
    "JobState",
    "LinkAttempt",
    "LinkCode",
    "ModerationAction",
    "ModerationState",
    "MosaicChannel",
    "Notification",
    "NotificationBatch",
    "NotificationPreference",
    "OutboxMessage",
    "OutboxState",
    "Platform",
    "Post",
    "PostTerm",
    "ProcessedUpdate",
    "QuotaUsage",
    "Reaction",
    "Report",
    "RunState",
    "Sanction",
    "SentMessage",
    "ShownPost",
    "StoredImage",
    "TagDay",
    "TasteProfile",
]
