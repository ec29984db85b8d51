"""The local embedder: hashed word and character n-grams, TF-IDF style, with numpy.

No model file and no download: a text becomes the words of `core.feed.terms.words` (stop words
dropped, German art words mapped to English, plural `s` dropped), their pairs, and the
character 3- and 4-grams of each word ("landscape" and "landscapes" share most of theirs).
Each feature is hashed (BLAKE2b, the same in every process) to one of `dimensions` slots
with a sign, so collisions cancel out rather than add up.

Weights: a word or pair counts 1 + ln(count) (sublinear TF). The IDF part is a fixed prior rather
than statistics of the corpus, so a stored vector never goes stale: stop words weigh
nothing, whole words weigh most, word pairs less, character n-grams least. It knows spelling,
not meaning ("cat" and "kitten" are unrelated to it); OpenAI embeddings know meaning.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from core.feed.terms import words

WORD_WEIGHT = 1.0
PAIR_WEIGHT = 0.6
NGRAM_WEIGHT = 0.35  # shared by all the n-grams of one word
NGRAM_SIZES = (3, 4)


def _slot(feature: str, dimensions: int) -> tuple[int, float]:
    digest = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "little")
    return digest % dimensions, (1.0 if digest >> 63 else -1.0)


@lru_cache(maxsize=100_000)
def _word_vector(word: str, dimensions: int) -> tuple[np.ndarray, np.ndarray]:
    """The slots and signed weights of one word: the word itself and its character n-grams."""
    marked = f"<{word}>"
    grams = [marked[i : i + n] for n in NGRAM_SIZES for i in range(len(marked) - n + 1)]
    share = NGRAM_WEIGHT / max(len(grams), 1)
    features = [(f"w:{word}", WORD_WEIGHT), *((f"c:{g}", share) for g in grams)]
    slots, values = [], []
    for feature, weight in features:
        slot, sign = _slot(feature, dimensions)
        slots.append(slot)
        values.append(sign * weight)
    return np.array(slots, dtype=np.intp), np.array(values, dtype=np.float64)


class HashedNgramEmbedder:
    """Always available; instant; matches spelling (and German art words), not meaning."""

    def __init__(self, dimensions: int = 512) -> None:
        self.dimensions = dimensions

    @property
    def model_id(self) -> str:
        return f"local-ngram-v1:{self.dimensions}"

    @property
    def match_range(self) -> tuple[float, float]:
        return (0.08, 0.35)

    async def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed_now(texts)

    def embed_now(self, texts: Sequence[str]) -> np.ndarray:
        """The same, without the event loop (bulk loading in benchmarks)."""
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            self._fill(out[row], text)
        return out

    def _fill(self, row: np.ndarray, text: str) -> None:
        tokens = words(text)
        if not tokens:
            return
        slots: list[np.ndarray] = []
        values: list[np.ndarray] = []
        for word, count in Counter(tokens).items():
            word_slots, word_values = _word_vector(word, self.dimensions)
            slots.append(word_slots)
            values.append(word_values * (1.0 + math.log(count)))
        for (first, second), count in Counter(itertools.pairwise(tokens)).items():
            slot, sign = _slot(f"p:{first} {second}", self.dimensions)
            slots.append(np.array([slot], dtype=np.intp))
            values.append(np.array([sign * PAIR_WEIGHT * (1.0 + math.log(count))]))
        summed = np.bincount(np.concatenate(slots), np.concatenate(values), self.dimensions)
        norm = float(np.linalg.norm(summed))
        if norm > 0:
            row[:] = summed / norm
