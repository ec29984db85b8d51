"""Caches that every pytest-xdist worker would otherwise fill for itself, filled once by the
controller before the workers start (`prepare`, from tests/conftest.py).

- Hypothesis's Unicode tables: `st.text()` draws from the characters UTF-8 can encode, and
  the first process that needs them walks all 1.1 million code points (~2 CPU-s; the category
  table ~0.15 more) and stores the result under `.hypothesis/unicode_data/`.
- Hypothesis's constants of our modules: a property test now and then draws a literal found
  in the project's own source, so the first one in a process parses every loaded module of
  the project (~0.9 CPU-s for the ~180 the conftest loads) and stores what it found per
  module under `.hypothesis/constants/`.
- The local embedding model's cache (core/feed/model_cache.py, `MOSAIC_CACHE_DIR`): each
  worker's first app loads the model, from its wheel (~1 CPU-s, more at load) until one of
  them has written the cache.

A fresh clone in a fresh virtualenv (CI) has none of them, so each worker paid for each, at
the same time. Once they are on disk (a later run, a developer's clone) this costs the
controller ~0.1 CPU-s: Hypothesis reads its files back, and the model is not loaded at all.
"""

from __future__ import annotations

import contextlib
import warnings

import pytest

from core.feed import model_cache
from core.feed.multilingual_embeddings import MultilingualSentenceEmbedder, multilingual_available


def prepare(config: pytest.Config) -> None:
    """Fill the caches when this process is the controller of xdist workers."""
    is_worker = hasattr(config, "workerinput")
    workers = config.getoption("numprocesses", default=None)
    if is_worker or not workers:
        return  # one process: it fills what it uses itself, once
    _hypothesis_tables()
    if multilingual_available() and not model_cache.stored():
        MultilingualSentenceEmbedder().embed_now(["warm"])  # loads the model and stores it


def _hypothesis_tables() -> None:
    from hypothesis import Phase, given, settings, strategies
    from hypothesis.errors import HypothesisSideeffectWarning

    @settings(max_examples=1, database=None, phases=[Phase.generate])
    @given(strategies.text(max_size=1))
    def draw(text: str) -> None:
        pass

    # Hypothesis warns of slow work while pytest configures: here it is the point, done once
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HypothesisSideeffectWarning)
        draw()  # builds and stores the Unicode tables `st.text()` uses
        # no public way to ask for the constants: a newer Hypothesis without it only costs time
        with contextlib.suppress(ImportError):
            from hypothesis.internal.conjecture.providers import _get_local_constants

            _get_local_constants()
