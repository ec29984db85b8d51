"""The personalized feed: impressions, fitted rankers, taste profiles, feed sessions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields

from core.persistence.models._base import Model

if TYPE_CHECKING:
    from core.persistence.models.accounts import Account
    from core.persistence.models.places import Destination
    from core.persistence.models.posts import Post


class Impression(Model):
    """One post one surface showed to one viewer (or, for a cross-post, to one channel), and
    what came of it: the feed's training data (core/feed/impressions.py).

    One small row per shown post: `surface`, `position`, `sources` (a bit per candidate source)
    and `outcome` (a bit per outcome: like, comment, remix, open, follow, unlike) are small
    ints, `parts` the score's feature values packed as float16 (`core.feed.impressions.pack`),
    `model` the ranker version that served it (0: the hand-set prior). Housekeeping keeps
    `IMPRESSION_RETENTION`; the fit reads them by `shown_at`."""

    id = fields.BigIntField(primary_key=True)
    viewer: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="impressions", null=True, on_delete=fields.CASCADE
    )
    viewer_id: int | None
    place: fields.ForeignKeyNullableRelation[Destination] = fields.ForeignKeyField(
        "models.Destination", related_name="impressions", null=True, on_delete=fields.CASCADE
    )
    place_id: int | None
    post: fields.ForeignKeyRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="impressions", on_delete=fields.CASCADE
    )
    post_id: int
    surface = fields.SmallIntField()
    position = fields.SmallIntField()  # 1 = first shown
    sources = fields.SmallIntField(default=0)
    parts = fields.BinaryField(null=True)
    model = fields.IntField(default=0)
    shown_at = fields.DatetimeField()
    outcome = fields.SmallIntField(default=0)
    outcome_at = fields.DatetimeField(null=True)

    class Meta:
        table = "impression"
        indexes = (("viewer_id", "post_id"), ("shown_at",))


class RankerModel(Model):
    """A version of the feed's ranker fitted from impressions (core/feed/fitting.py): its
    parameters as JSON, how well it ranked held-out impressions, and whether it serves."""

    id = fields.BigIntField(primary_key=True)
    version = fields.IntField(unique=True)
    created_at = fields.DatetimeField()
    parameters: dict = fields.JSONField()
    metric = fields.FloatField(null=True)  # held-out AUC of the fitted scores
    baseline = fields.FloatField(null=True)  # the same for the model serving when it was fitted
    impressions = fields.IntField(default=0)  # rows it was fitted on
    active = fields.BooleanField(default=False)
    note = fields.CharField(max_length=200, default="")  # why it was (not) switched on

    class Meta:
        table = "ranker_model"


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
    account_id: int | None
    destination: fields.OneToOneNullableRelation[Destination] = fields.OneToOneField(
        "models.Destination", related_name="taste", null=True, on_delete=fields.CASCADE
    )
    destination_id: int | None
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
    account_id: int
    number = fields.IntField(default=0)  # sessions started so far
    pages: list = fields.JSONField(default=list)  # post ids per page of this session
    seen: list = fields.JSONField(default=list)  # [post id, times shown], most recent last
    version = fields.IntField(default=0)
    updated_at = fields.DatetimeField(null=True)

    class Meta:
        table = "feed_session"
