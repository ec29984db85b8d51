"""What the ranker knows about posts, as plain numbers (no ORM).

`PostFeatures` describes one post; `FeatureTable` the candidates of one request, column by
column, so that scoring is a few vector operations: a feed page scores ~250 posts, and doing
that post by post in Python took more time than the database took to find them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

# Candidate sources (candidates.py), a bit each in impressions and in the ranker's `source`
# part; the order is the bit number, so new ones go at the end.
SOURCES = (
    "network",
    "similar",
    "trending",
    "fresh",
    "tags",
    "tagged",
    "peers",
    "new",
    "explore",
    "authors",
)


def source_bits(names: Iterable[str]) -> int:
    bits = 0
    for name in names:
        if name in SOURCES:
            bits |= 1 << SOURCES.index(name)
    return bits


@dataclass(frozen=True, slots=True)
class PostFeatures:
    """What the ranker knows about one post."""

    post_id: int
    author_id: int
    created_at: datetime
    likes: float  # fans' likes count for less (fans.py)
    comments: int
    remixes: int
    embedding: np.ndarray | None
    newcomer: bool = False
    tags: tuple[str, ...] = ()
    shown: int = 0  # impressions so far
    quality: float = 0.0  # from /rate votes (quality.py): a Bradley–Terry strength


@dataclass(frozen=True, slots=True)
class FeatureTable:
    """The features of many posts, one array per column (row i is one post)."""

    post_ids: np.ndarray  # int64
    author_ids: np.ndarray  # int64
    created: np.ndarray  # float64: Unix seconds
    likes: np.ndarray  # float64 (fans' likes count for less); comments and remixes int64
    comments: np.ndarray
    remixes: np.ndarray
    newcomer: np.ndarray  # bool
    shown: np.ndarray  # int64: impressions so far
    embeddings: np.ndarray | None  # (rows, dimensions) float32; None when no post has one
    tags: list[tuple[str, ...]]
    membership: TagMembership  # the same #tags as arrays, for per-tag sums and means
    quality: np.ndarray  # float64: strength from /rate votes (0: average, or no votes)

    def __len__(self) -> int:
        return len(self.post_ids)

    @classmethod
    def build(
        cls,
        *,
        post_ids: Sequence[int],
        author_ids: Sequence[int],
        created: Sequence[float],
        likes: Sequence[float] | np.ndarray,
        comments: Sequence[int],
        remixes: Sequence[int],
        newcomer: Sequence[bool],
        embeddings: np.ndarray | None,
        tags: list[tuple[str, ...]],
        shown: Sequence[int] | None = None,
        quality: Sequence[float] | None = None,
    ) -> FeatureTable:
        """From one sequence per column (`embeddings` already a matrix, see `matrix_of`)."""
        return cls(
            post_ids=np.asarray(post_ids, dtype=np.int64),
            author_ids=np.asarray(author_ids, dtype=np.int64),
            created=np.asarray(created, dtype=np.float64),
            likes=np.asarray(likes, dtype=np.float64),
            comments=np.asarray(comments, dtype=np.int64),
            remixes=np.asarray(remixes, dtype=np.int64),
            newcomer=np.asarray(newcomer, dtype=bool),
            shown=np.zeros(len(post_ids), np.int64)
            if shown is None
            else np.asarray(shown, dtype=np.int64),
            embeddings=embeddings,
            tags=tags,
            membership=TagMembership.of(tags),
            quality=np.zeros(len(post_ids))
            if quality is None
            else np.asarray(quality, dtype=np.float64),
        )

    @classmethod
    def of(cls, posts: Sequence[PostFeatures]) -> FeatureTable:
        return cls.build(
            post_ids=[p.post_id for p in posts],
            author_ids=[p.author_id for p in posts],
            created=[p.created_at.timestamp() for p in posts],
            likes=[p.likes for p in posts],
            comments=[p.comments for p in posts],
            remixes=[p.remixes for p in posts],
            newcomer=[p.newcomer for p in posts],
            shown=[p.shown for p in posts],
            embeddings=matrix_of([p.embedding for p in posts]),
            tags=[p.tags for p in posts],
            quality=[p.quality for p in posts],
        )

    def post(self, row: int) -> PostFeatures:
        """Row `row` as one post's features (a post without a vector has a zero one here)."""
        return PostFeatures(
            post_id=int(self.post_ids[row]),
            author_id=int(self.author_ids[row]),
            created_at=datetime.fromtimestamp(float(self.created[row]), UTC),
            likes=float(self.likes[row]),
            comments=int(self.comments[row]),
            remixes=int(self.remixes[row]),
            embedding=None if self.embeddings is None else self.embeddings[row],
            newcomer=bool(self.newcomer[row]),
            shown=int(self.shown[row]),
            tags=self.tags[row],
            quality=float(self.quality[row]),
        )


@dataclass(frozen=True, slots=True)
class TagMembership:
    """Which posts carry which #tags, as arrays: pair i says that post `rows[i]` carries tag
    `names[columns[i]]`. Sums and means over tags become `np.bincount`s instead of Python
    loops over every candidate's tags."""

    names: list[str]
    rows: np.ndarray  # int64, one per (post, tag) pair
    columns: np.ndarray  # int64: the tag's index in `names`
    per_post: np.ndarray  # int64: how many tags each post has

    @classmethod
    def of(cls, tags: Sequence[tuple[str, ...]]) -> TagMembership:
        index: dict[str, int] = {}
        rows: list[int] = []
        columns: list[int] = []
        for row, own in enumerate(tags):
            for tag in own:
                rows.append(row)
                columns.append(index.setdefault(tag, len(index)))
        row_array = np.asarray(rows, dtype=np.int64)
        return cls(
            names=list(index),
            rows=row_array,
            columns=np.asarray(columns, dtype=np.int64),
            per_post=np.bincount(row_array, minlength=len(tags)),
        )

    def mean(self, values: np.ndarray, *, untagged: np.ndarray | float = 0.0) -> np.ndarray:
        """For each post, the mean of `values` (one per tag, in the order of `names`) over its
        tags; `untagged` for a post without tags."""
        sums = np.bincount(self.rows, weights=values[self.columns], minlength=len(self.per_post))
        return np.where(self.per_post > 0, sums / np.maximum(self.per_post, 1), untagged)

    def lookup(self, values: dict[str, float]) -> np.ndarray:
        """`values` per tag in the order of `names` (0 for a tag without one)."""
        get = values.get
        return np.array([get(name, 0.0) for name in self.names], dtype=float)

    def totals(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each tag, the sum of `values` (one per post) over the posts carrying it, and
        how many posts carry it."""
        count = len(self.names)
        sums = np.bincount(self.columns, weights=values[self.rows], minlength=count)
        return sums, np.bincount(self.columns, minlength=count)


def matrix_of(vectors: Sequence[np.ndarray | None]) -> np.ndarray | None:
    """Vectors as the rows of one float32 matrix: zeros for a missing one, or one of another
    size than the first; None when there is none."""
    size = next((v.shape[0] for v in vectors if v is not None), None)
    if size is None:
        return None
    matrix = np.zeros((len(vectors), size), dtype=np.float32)
    for row, vector in enumerate(vectors):
        if vector is not None and vector.shape[0] == size:
            matrix[row] = vector
    return matrix
