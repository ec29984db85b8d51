"""Feed sessions: the pages of one viewer's current `/feed` session, kept in the database.

`/feed` starts a session; "next" continues it. Every page of a session is stored, so a later
page never repeats an earlier one, and any process can serve it. Two processes serving the
same viewer at once notice each other by the row's `version` (optimistic locking): the one
that saves second gets False from `save`, reads the session again and ranks again.
Posts of earlier sessions are remembered with how often they were shown (`seen`), so they
sink a little each time.
"""

from __future__ import annotations

import itertools
from typing import Any

from tortoise.exceptions import IntegrityError

from core.clock import Clock
from core.persistence.lazy_commits import LAZY_FROM, commits_lazily, lazy_transaction
from core.persistence.models import FeedSession, TasteProfile
from core.persistence.statements import db_value, two_by

SEEN_MEMORY = 500  # posts remembered as shown, per viewer: weeks of daily pages
SAVE_ATTEMPTS = 3  # two processes racing for one viewer settle in one retry; three is ample


class FeedSessions:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def find_with_profile(
        self, viewer_id: int
    ) -> tuple[FeedSession | None, TasteProfile | None]:
        """The viewer's session and taste profile, each or None, in one round trip (a page
        reads both first; two statements side by side cost a page twice the driver's and the
        pool's work, docs/benchmarks.md "page, stop 23")."""
        return await two_by(FeedSession, TasteProfile, "account_id", viewer_id)

    async def save(self, session: FeedSession, version: int, new_pages: list[list[int]]) -> bool:
        """Store the new pages, if nobody else stored a page for the viewer since `version`
        was read (else False: read the session again and rank again)."""
        seen = seen_counts(session)
        for post_id in itertools.chain.from_iterable(new_pages):
            seen[post_id] = seen.pop(post_id, 0) + 1  # re-inserted: most recent last
        values: dict[str, Any] = {
            "number": session.number,
            "pages": [*session.pages, *new_pages],
            "seen": [[post_id, times] for post_id, times in seen.items()][-SEEN_MEMORY:],
            "version": version + 1,
            "updated_at": self.clock.now(),
        }
        # A lazy commit (`lazy_commits`): a database crash in the next fraction of a second
        # could at worst show these pages again; the person waits for no disk.
        name = FeedSession._meta.db.connection_name
        if session.id is None:  # the viewer's first session, created with its first pages
            try:
                async with lazy_transaction(name) as connection:
                    await FeedSession.create(
                        account_id=session.account_id, using_db=connection, **values
                    )
            except IntegrityError:  # another process created it meanwhile
                return False
            return True
        if commits_lazily(name):  # one statement, lazy by itself: one round trip, not four
            cells = [db_value(FeedSession, column, values[column]) for column in _SAVED]
            changed, _ = await FeedSession._meta.db.execute_query(
                _SAVING_POSTGRES, [*cells, session.id, version]
            )
            return changed == 1
        async with lazy_transaction(name) as connection:
            saving = FeedSession.filter(id=session.id, version=version).using_db(connection)
            return await saving.update(**values) == 1


_SAVED = ("number", "pages", "seen", "version", "updated_at")
# PostgreSQL, no transaction open: the session's UPDATE with its commit made lazy (LAZY_FROM)
_SAVING_POSTGRES = (
    'UPDATE "feed_session" SET '
    + ", ".join(f'"{column}" = ${n}' for n, column in enumerate(_SAVED, 1))
    + f' FROM {LAZY_FROM} WHERE "id" = ${len(_SAVED) + 1} AND "version" = ${len(_SAVED) + 2}'
)


def seen_counts(session: FeedSession) -> dict[int, int]:
    """Post id → times shown, in the order last shown (a JSON list keeps its order; JSON
    objects lose theirs on PostgreSQL, which stores them as jsonb)."""
    return {int(post_id): int(times) for post_id, times in session.seen}


def position(session: FeedSession | None, post_id: int) -> tuple[int, int] | None:
    """(page, place) of the post in the session, if one of its pages shows it."""
    if session is None:
        return None
    for page_number, ids in enumerate(session.pages, start=1):
        if post_id in ids:
            return page_number, ids.index(post_id) + 1
    return None
