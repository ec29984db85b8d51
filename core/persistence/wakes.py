"""Wake-ups across processes on PostgreSQL: work written by one process, noticed at once by
the others instead of at their next poll.

A writer calls `announce(channel, payload)` inside the transaction that writes the work
(outbox rows): PostgreSQL delivers the NOTIFY on commit, and only then, so a process that
hears it finds the rows; a queued job is announced once it has been answered and committed
(`Generation.wake`). Each process hears it on the one listening connection it
already keeps for change notices (`ChangeNotices.subscribe`); no connection is opened per
channel (the server's connections are shared by every process). When that connection is
down, nothing is heard and the pollers find the work at their next poll, as before.

SQLite has no NOTIFY: there, the pollers are the only cross-process path.
"""

from __future__ import annotations

from pypika_tortoise.context import SqlContext
from pypika_tortoise.terms import Term
from tortoise.connection import get_connection

from core.persistence.database import connection_name

# Payload: the platforms (space separated) whose outbox got new rows.
OUTBOX_CHANNEL = "mosaic_outbox"
# Payload: empty. A generation job was queued and answered (`Generation.wake`).
JOBS_CHANNEL = "mosaic_jobs"

_POSTGRES = connection_name("postgres://")


async def announce(channel: str, payload: str = "") -> None:
    """NOTIFY `channel` in the current transaction (PostgreSQL only: callers check)."""
    await get_connection(_POSTGRES).execute_query("SELECT pg_notify($1, $2)", [channel, payload])


class Announcing(Term):
    """`pg_notify('<channel>', <payload>)` as a term of a statement (`RETURNING` it: the
    notice goes with that statement's transaction); the payload is empty unless given (a
    term: a placeholder's value). pypika refuses functions in RETURNING."""

    def __init__(self, channel: str, payload: Term | None = None) -> None:
        super().__init__()
        self.channel = channel
        self.payload = payload

    def get_sql(self, ctx: SqlContext) -> str:
        payload = "''" if self.payload is None else self.payload.get_sql(ctx)
        return f"pg_notify('{self.channel}', {payload})"
