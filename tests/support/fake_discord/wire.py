"""JSON on the fake's wire, REST bodies and gateway frames, through orjson.

orjson is what discord.py itself uses when installed (its `speed` extra; a dependency of
Mosaic's). For the fake it costs a fraction of the standard library's CPU both ways, which
matters in the throughput bench, where the fake shares the cores with the bots it measures.
It is no more lenient: it refuses what Discord refuses and the standard library lets through
(NaN and Infinity, lone surrogates, bytes that are not UTF-8).
"""

from __future__ import annotations

from typing import Any

import orjson


def dumps(data: Any) -> bytes:
    """`data` as compact UTF-8 JSON, as Discord sends it."""
    return orjson.dumps(data)


def dumps_text(data: Any) -> str:
    """`dumps` for a gateway text frame."""
    return orjson.dumps(data).decode()


def loads(raw: bytes | str) -> Any:
    """A JSON body; `ValueError` (orjson's `JSONDecodeError`) when it is not JSON."""
    return orjson.loads(raw)
