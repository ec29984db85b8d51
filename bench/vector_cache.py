"""The feed benchmarks' embedder: the product's own (`local_text_embedder`), with its vectors
kept per text in a file, so that a dataset is embedded once, not once per run.

The multilingual model takes ~10 ms per prompt on this 2-core machine (batched, one thread):
a 2k-user dataset's 20,000 posts cost 3–4 minutes, as long as the rest of a replay. The
vectors depend on the text and the model only, so they are stored by text in
`<dataset>/vectors-<model>.npz` and read back by every later run on that dataset (and by the
walk of the replay, which embeds the window's posts through `PostIndexer` as production
does).

    python -m bench.vector_cache /tmp/h17/default-11 /tmp/h17/fast-11   # fill ahead of runs
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bench.dataset import read
from core.feed.embeddings import TextEmbedder
from core.feed.local_embeddings import HashedNgramEmbedder
from core.feed.multilingual_embeddings import local_text_embedder
from core.feed.terms import embedding_text

BATCH = 64  # texts per call of the model: larger batches gain nothing measurable


class CachedEmbedder:
    """`inner` with its vectors remembered per text (in memory, and in `path` on `save`)."""

    def __init__(self, inner: TextEmbedder, path: Path | None) -> None:
        self.inner = inner
        self.path = path
        self.vectors: dict[str, np.ndarray] = {}
        self.added = 0
        if path is not None and path.is_file():
            with np.load(path) as stored:
                texts, vectors = stored["texts"].tolist(), stored["vectors"]
            self.vectors = dict(zip(texts, vectors, strict=True))

    def __repr__(self) -> str:
        return f"CachedEmbedder({self.inner!r}, {len(self.vectors)} texts)"

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def match_range(self) -> tuple[float, float]:
        return self.inner.match_range

    @property
    def dimensions(self) -> int:
        return int(self.inner.dimensions)  # type: ignore[attr-defined]

    async def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed_now(texts)

    def embed_now(self, texts: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self.vectors))
        for start in range(0, len(missing), BATCH):
            chunk = missing[start : start + BATCH]
            made = self.inner.embed_now(chunk)  # type: ignore[attr-defined]
            self.vectors.update(zip(chunk, made.astype(np.float32), strict=True))
            self.added += len(chunk)
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row] = self.vectors[text]
        return out

    def save(self) -> None:
        """Write the vectors to `path` when any were added."""
        if self.path is None or not self.added:
            return
        texts = list(self.vectors)
        vectors = np.stack([self.vectors[t] for t in texts]).astype(np.float32)
        partial = self.path.with_suffix(".partial.npz")
        np.savez(partial, texts=np.array(texts), vectors=vectors)
        partial.replace(self.path)
        self.added = 0


def bench_embedder(dataset: Path, name: str = "local") -> CachedEmbedder:
    """`local`: what the product uses without an API key (the multilingual model when
    installed); `ngram`: the hashed n-grams of the rounds before 2026-12-07."""
    inner: TextEmbedder = HashedNgramEmbedder() if name == "ngram" else local_text_embedder()
    if name == "ngram":  # a hash is faster to make than to read back
        return CachedEmbedder(inner, None)
    slug = re.sub(r"[^A-Za-z0-9.-]+", "-", inner.model_id)
    return CachedEmbedder(inner, dataset / f"vectors-{slug}.npz")


def main() -> None:
    parser = argparse.ArgumentParser(description="Embed the posts of datasets ahead of runs.")
    parser.add_argument("datasets", type=Path, nargs="+")
    for folder in parser.parse_args().datasets:
        began = time.perf_counter()
        data = read(folder, impressions=False)
        embedder = bench_embedder(folder)
        texts = [embedding_text(p, c) for p, c in zip(data.prompts, data.captions, strict=True)]
        embedder.embed_now(texts)
        added = embedder.added
        embedder.save()
        print(f"{folder}: {added} texts embedded in {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
