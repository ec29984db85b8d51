"""Caches that every pytest-xdist worker would otherwise fill for itself, filled once by the
controller before the workers start (`prepare`, from tests/conftest.py).

- Hypothesis's Unicode tables: `st.text()` draws from the characters UTF-8 can encode, and
  the first process that needs them walks all 1.1 million code points (~2 CPU-s; the category
  table ~0.15 more) and stores the result under `.hypothesis/unicode_data/`. A fresh clone
  (CI) has no such folder, so each worker that ran a property test paid it, at the same time.
- The local embedding model's cache (core/feed/model_cache.py, `MOSAIC_CACHE_DIR`): a fresh
  virtualenv (CI) has none, so each worker's first app loaded the model from its wheel (~1
  CPU-s, more at load) until one of them had written it.

Once they are on disk (a later run, a developer's clone) this costs the controller ~0.01 CPU-s:
Hypothesis reads its tables back, and the model is not loaded at all.
"""

from __future__ import annotations

import pytest

from core.feed import local_text_embedder, model_cache
from core.feed.multilingual_embeddings import multilingual_available


def prepare(config: pytest.Config) -> None:
    """Fill the caches when this process is the controller of xdist workers."""
    is_worker = hasattr(config, "workerinput")
    workers = config.getoption("numprocesses", default=None)
    if is_worker or not workers:
        return  # one process: it fills what it uses itself, once
    _draw_text()
    if multilingual_available() and not model_cache.stored():
        local_text_embedder().embed_now(["warm"])  # loads the model and stores it


def _draw_text() -> None:
    """One property-test example of text, so Hypothesis builds the tables `st.text()` uses."""
    from hypothesis import Phase, given, settings, strategies

    @settings(max_examples=1, database=None, phases=[Phase.generate])
    @given(strategies.text(max_size=1))
    def draw(text: str) -> None:
        pass

    draw()
