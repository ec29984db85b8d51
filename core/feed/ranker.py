"""The ranker in force: the hand-set `Weights` (the prior), or the fitted model switched on.

Fitted models live in `ranker_model` (fitting.py writes them; at most one is `active`). Each
process serves the active one, read at most once per `REFRESH` (a page never waits for a fit,
and most pages read nothing). A model whose row is gone or whose parameters do not parse
keeps what serves, and with none at all the prior serves: a new community starts with the
hand-set values.
"""

from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from core.clock import Clock
from core.feed.features import SOURCES
from core.feed.scoring import Learned, Weights
from core.persistence.models import RankerModel

log = logging.getLogger(__name__)

PRIOR_VERSION = 0
# How stale a process's view of the active model may get: a refit happens every few hours,
# so a minute's delay is nothing, and it keeps the read off all but one page a minute.
REFRESH_SECONDS = 60.0


# Parts added after models were stored: a model without one gives it weight 0 (what it
# served with); any other missing weight makes the model corrupt.
ADDED_LATER = frozenset({"peers", "quality"})


class CorruptModel(ValueError):
    """Stored parameters that cannot serve (missing, mistyped or non-finite values)."""


@dataclass(frozen=True, slots=True)
class RankerParameters:
    version: int = PRIOR_VERSION
    weights: Weights = field(default_factory=Weights)
    learned: Learned = field(default_factory=Learned)

    @property
    def fitted(self) -> bool:
        return self.version != PRIOR_VERSION

    def to_json(self) -> dict[str, Any]:
        return {
            "weights": asdict(self.weights),
            "recency": [[tau, share] for tau, share in self.learned.recency],
            "sources": {name: share for name, share in self.learned.sources},
            "network_recency": [[tau, share] for tau, share in self.learned.network_recency],
        }

    @classmethod
    def from_json(cls, version: int, data: Any) -> RankerParameters:
        """Parameters stored by `to_json`; `CorruptModel` when they cannot serve."""
        try:
            stored = data["weights"]
            weights = Weights(
                **{
                    f.name: _finite(
                        stored[f.name] if f.name not in ADDED_LATER else stored.get(f.name, 0.0)
                    )
                    for f in fields(Weights)
                }
            )
            recency = tuple((_positive(t), _finite(s)) for t, s in data["recency"])
            sources = tuple(
                (name, _finite(share))
                for name, share in sorted(data["sources"].items())
                if name in SOURCES
            )
            # models stored before followees' posts had a decay of their own have none
            network = tuple((_positive(t), _finite(s)) for t, s in data.get("network_recency", []))
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise CorruptModel(f"ranker model {version}: {error!r}") from error
        return cls(version, weights, Learned(recency, sources, network))


def _finite(value: Any) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {value!r}")
    return number


def _positive(value: Any) -> float:
    number = _finite(value)
    if number <= 0:
        raise ValueError(f"not a positive time scale: {value!r}")
    return number


class ServingRanker:
    """The parameters this process ranks with (see the module's docstring)."""

    def __init__(self, clock: Clock, *, refresh_seconds: float = REFRESH_SECONDS) -> None:
        self.current = RankerParameters()
        self._clock = clock
        self._refresh = refresh_seconds
        self._checked: float | None = None

    async def parameters(self) -> RankerParameters:
        """The parameters in force, reading the active model when the last read is stale."""
        now = self._clock.now().timestamp()
        if self._checked is None or abs(now - self._checked) >= self._refresh:
            self._checked = now
            await self.reload()
        return self.current

    async def reload(self) -> RankerParameters:
        """Read the active model now. A missing or corrupt one keeps what serves."""
        row = await RankerModel.filter(active=True).order_by("-version").first()
        if row is None:
            return self.current
        if row.version == self.current.version:
            return self.current
        try:
            self.current = RankerParameters.from_json(row.version, row.parameters)
        except CorruptModel:
            log.exception(
                "the active ranker model cannot serve; keeping version %s", self.current.version
            )
        return self.current
