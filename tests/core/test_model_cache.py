"""The local embedding model's cache (core/feed/model_cache.py): a process that finds it gets
the very same vectors as one that loads the model from the package, and a cache that is
missing, foreign, damaged or unwritable only costs time."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from bench.bilingual import read_pairs
from core.feed import model_cache
from core.feed import multilingual_embeddings as multilingual

TEXTS = [p.german for p in read_pairs()[:60]] + [p.english for p in read_pairs()[:60]]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("MOSAIC_CACHE_DIR", str(folder))
    return folder


def loaded_from_package():  # type: ignore[no-untyped-def]
    """This process's model (the `local_embedder_loaded` fixture loaded it once)."""
    with multilingual._lock:
        return multilingual._loaded()


def test_the_cached_model_gives_the_packages_vectors_bit_for_bit(
    cache: Path, local_embedder_loaded: None
) -> None:
    model = loaded_from_package()
    assert model_cache.load_cached() is None  # nothing there yet
    model_cache.store(model)
    [entry] = cache.iterdir()
    assert entry.name.startswith("usem3-")
    assert {p.name for p in entry.iterdir()} == {"table.npy", "tokenizer.pickle", "probe.npy"}

    cached = model_cache.load_cached()
    assert cached is not None and cached is not model
    assert isinstance(cached._backend.table, np.memmap)  # shared through the page cache
    assert np.array_equal(cached.encode(TEXTS), model.encode(TEXTS))


def test_a_second_store_keeps_the_first_and_leaves_no_partial_folder(
    cache: Path, local_embedder_loaded: None
) -> None:
    model = loaded_from_package()
    model_cache.store(model)
    [entry] = cache.iterdir()
    written = (entry / "table.npy").stat().st_mtime_ns
    model_cache.store(model)
    assert [p.name for p in cache.iterdir()] == [entry.name]
    assert (entry / "table.npy").stat().st_mtime_ns == written


def test_a_cache_that_gives_other_vectors_is_not_used(
    cache: Path, local_embedder_loaded: None
) -> None:
    model_cache.store(loaded_from_package())
    [entry] = cache.iterdir()
    table = np.load(entry / "table.npy")
    table[:, 0] ^= 1  # a damaged table (the file is what later processes map)
    np.save(entry / "table.npy", table)
    assert model_cache.load_cached() is None


def test_a_cache_others_could_write_to_is_not_read(
    cache: Path, local_embedder_loaded: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    model_cache.store(loaded_from_package())
    [entry] = cache.iterdir()
    os.chmod(entry, 0o777)
    loads: list[object] = []
    monkeypatch.setattr(pickle, "load", lambda *a, **k: loads.append(a) or {})
    assert model_cache.load_cached() is None
    assert loads == []  # refused before its pickle was opened
    os.chmod(entry, 0o700)
    os.chmod(cache, 0o775)
    assert model_cache.load_cached() is None
    assert loads == []


def test_a_cache_folder_that_cannot_exist_only_costs_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, local_embedder_loaded: None
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setenv("MOSAIC_CACHE_DIR", str(tmp_path / "a-file" / "cache"))
    model_cache.store(loaded_from_package())  # no error
    assert model_cache.load_cached() is None


def test_the_folder_follows_mosaic_cache_dir_then_xdg_then_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MOSAIC_CACHE_DIR", str(tmp_path / "mine"))
    assert model_cache.cache_root() == tmp_path / "mine"
    monkeypatch.delenv("MOSAIC_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert model_cache.cache_root() == tmp_path / "xdg" / "mosaic"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert model_cache.cache_root() == tmp_path / "home" / ".cache" / "mosaic"
