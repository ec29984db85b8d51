"""Text embeddings: one port, how vectors are stored, and the buckets that index them.

Two embedders implement `TextEmbedder`: `HashedNgramEmbedder` (local, always available, no
model file) and `OpenAIEmbedder` (when an API key is configured). Every stored vector names
the embedder that made it (`model_id`): vectors of different embedders are never compared.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol

import numpy as np

BUCKET_COUNT = 64  # taste buckets: 2 × the number of random directions below


class EmbeddingUnavailable(Exception):
    """The embedder could not answer (a remote API down or refusing)."""


class TextEmbedder(Protocol):
    """Turns texts into unit-length vectors; similar texts get a high dot product."""

    @property
    def model_id(self) -> str:
        """Names the embedder and its settings; stored next to every vector it makes."""
        ...

    @property
    def match_range(self) -> tuple[float, float]:
        """Cosine below the first number means "unrelated", above the second "a clear match"
        (between a short phrase, such as a `/feed tune` term, and a post's text)."""
        ...

    async def embed(self, texts: Sequence[str]) -> np.ndarray:
        """A float32 array of shape (len(texts), dimensions); rows have length 1, or 0 for a
        text with nothing to embed. Raises `EmbeddingUnavailable`."""
        ...


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1 (all-zero rows stay zero)."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


def pack(vector: np.ndarray) -> bytes:
    """A post's vector as stored: float16 (half the bytes; cosine error ~1e-3)."""
    return np.asarray(vector, dtype="<f2").tobytes()


def unpack(data: bytes | None) -> np.ndarray | None:
    return None if not data else np.frombuffer(data, dtype="<f2").astype(np.float32)


def unpack_matrix(blobs: Sequence[bytes | None]) -> np.ndarray | None:
    """Stored vectors as the rows of one float32 matrix, converted at once (a feed page reads
    hundreds): zero rows for missing ones and ones of another size than the first (another
    embedder's); None when there is none."""
    size = next((len(blob) for blob in blobs if blob), None)
    if size is None:
        return None
    same_size = [(row, blob) for row, blob in enumerate(blobs) if blob and len(blob) == size]
    joined = b"".join(blob for _, blob in same_size)
    # float16 → float32 by a table of all 65,536 values (`_HALF_TO_SINGLE`): the same floats
    # as `astype` (the cast is exact), in half its time, which was a tenth of a page's Python
    values = _HALF_TO_SINGLE.take(np.frombuffer(joined, dtype="<u2")).reshape(len(same_size), -1)
    if len(same_size) == len(blobs):
        return values
    matrix = np.zeros((len(blobs), size // 2), dtype=np.float32)
    matrix[[row for row, _ in same_size]] = values
    return matrix


# Every float16 (indexed by its 16 bits) as a float32, for `unpack_matrix`.
_HALF_TO_SINGLE = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(np.float16)
_HALF_TO_SINGLE = _HALF_TO_SINGLE.astype(np.float32)


def pack_exact(vector: np.ndarray) -> bytes:
    """A taste vector as stored: float32 (it is a running sum, so keep the precision)."""
    return np.asarray(vector, dtype="<f4").tobytes()


def unpack_exact(data: bytes | None) -> np.ndarray | None:
    return None if not data else np.frombuffer(data, dtype="<f4").astype(np.float32)


@lru_cache(maxsize=8)
def _directions(dimensions: int) -> np.ndarray:
    """Fixed random directions (the same in every process: a constant seed)."""
    rng = np.random.default_rng(20261125)
    return rng.standard_normal((dimensions, BUCKET_COUNT // 2)).astype(np.float32)


def bucket_scores(vectors: np.ndarray) -> np.ndarray:
    """How strongly each vector points into each bucket, shape (n, BUCKET_COUNT).

    Cross-polytope hashing: project on fixed random directions; the bucket is the direction
    (and sign) with the largest projection. Nearby vectors tend to share it, so a bucket
    holds posts of similar text and an index on it finds them without scanning.
    """
    vectors = np.atleast_2d(vectors).astype(np.float32)
    projected = vectors @ _directions(vectors.shape[1])
    return np.concatenate([projected, -projected], axis=1)


def buckets_of(vectors: np.ndarray) -> np.ndarray:
    """The bucket of each vector (int), -1 for an all-zero vector."""
    scores = bucket_scores(vectors)
    found = scores.argmax(axis=1)
    return np.where(np.abs(vectors).sum(axis=1) > 0, found, -1)


def nearest_buckets(vector: np.ndarray, count: int) -> list[int]:
    """The `count` buckets a vector points into most strongly (probe order)."""
    if not np.any(vector):
        return []
    scores = bucket_scores(vector)[0]
    return [int(b) for b in np.argsort(-scores)[:count]]
