"""Which Discord shards this process runs: `DISCORD_SHARDS`, e.g. `0-3/8` (shards 0 to 3 of 8).

Discord puts a guild on shard `(guild_id >> 22) % shard_count` and direct messages on shard 0,
and delivers a guild's events (interactions, button presses, reactions) only on the gateway
session of that shard. So the process that runs a shard is the one that handles its guilds:
nothing has to be forwarded between processes. Every process must use the same count, and
together they must run every shard once.

The slash commands are published by the process that runs shard 0 (there is exactly one), so
they are synced once, not by every process.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.errors import ConfigurationError

_PLAN = re.compile(r"^\s*(?P<ids>[\d\s,\-]+?)\s*/\s*(?P<count>\d+)\s*$")
_RANGE = re.compile(r"^(?P<first>\d+)(?:-(?P<last>\d+))?$")
EXAMPLE = "write <shard ids>/<shard count>, for example 0-3/8 (shards 0 to 3 of 8) or 1/2"


@dataclass(frozen=True, slots=True)
class ShardPlan:
    ids: tuple[int, ...]
    count: int

    @classmethod
    def parse(cls, text: str | None) -> ShardPlan:
        """`None` or empty: one process runs the only shard (`0/1`)."""
        if text is None or not text.strip():
            return cls((0,), 1)
        match = _PLAN.match(text)
        if match is None:
            raise _bad(text, "is not a list of shard ids and a count")
        count = int(match["count"])
        if count < 1:
            raise _bad(text, "has a shard count below 1")
        ids: list[int] = []
        for part in match["ids"].split(","):
            span = _RANGE.match(part.strip())
            if span is None:
                raise _bad(text, f"has {part.strip()!r}, which is not a shard id or a range a-b")
            first = int(span["first"])
            last = int(span["last"]) if span["last"] is not None else first
            if last < first:
                raise _bad(text, f"has the range {first}-{last}, which runs backwards")
            ids += range(first, last + 1)
        beyond = sorted({i for i in ids if i >= count})
        if beyond:
            listed = ", ".join(str(i) for i in beyond[:5])
            raise _bad(text, f"names shard {listed}, not below the count {count}")
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise _bad(text, f"names shard {twice[0]} twice")
        return cls(tuple(sorted(ids)), count)

    def shard_of(self, guild_id: int | None) -> int:
        """The shard Discord delivers the guild's events on (DMs: shard 0)."""
        return 0 if guild_id is None else (guild_id >> 22) % self.count

    def runs(self, guild_id: int | None) -> bool:
        return self.shard_of(guild_id) in self.ids

    @property
    def syncs_commands(self) -> bool:
        """Only the process with shard 0 publishes the command tree."""
        return 0 in self.ids

    def __str__(self) -> str:
        return f"{','.join(str(i) for i in self.ids)}/{self.count}"


def _bad(text: str, what: str) -> ConfigurationError:
    return ConfigurationError(f"DISCORD_SHARDS={text.strip()!r} {what}; {EXAMPLE}")
