"""tests/support/collector.py: a test process freezes what its collection left."""

from __future__ import annotations

import gc

import pytest

from tests.support import collector


def test_what_collection_left_is_frozen(request: pytest.FixtureRequest) -> None:
    if not request.config.pluginmanager.has_plugin(collector.NAME):
        pytest.skip(f"run with -p no:{collector.NAME}")
    # collecting even this one file imports Mosaic, pytest and their libraries: ~100,000
    # objects the collector tracks (10,000 would be a handful of modules)
    assert gc.get_freeze_count() > 10_000
