"""/rate: which of two posts a person found better (core/feed/rating.py, quality.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields

from core.persistence.models._base import Model

if TYPE_CHECKING:
    from core.persistence.models.accounts import Account
    from core.persistence.models.posts import Post


class RateVote(Model):
    """One answer to "which is better?": `voter` was shown `winner` and `loser` side by side
    and chose `winner`. Across everyone, the votes give each post its `Post.quality` (a
    Bradley–Terry fit, core/feed/quality.py)."""

    id = fields.BigIntField(primary_key=True)
    voter: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="rate_votes", on_delete=fields.CASCADE
    )
    voter_id: int
    winner: fields.ForeignKeyRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="rate_wins", on_delete=fields.CASCADE
    )
    winner_id: int
    loser: fields.ForeignKeyRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="rate_losses", on_delete=fields.CASCADE
    )
    loser_id: int
    created_at = fields.DatetimeField()

    class Meta:
        table = "rate_vote"
        indexes = (("voter_id", "created_at"),)
