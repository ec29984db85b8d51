"""Per-process copies of rows that rarely change (the account behind a platform user, its
language, a chat's settings), and the change notices that drop them.

Every update needs the account behind its sender and, in a group, the chat's settings; both
change rarely (a `/settings language`, a link, a `/deleteme`), but loading them through the
ORM is a good part of the CPU an update costs. So each process keeps copies, and every
change drops them:

- **in this process**, at once and again after the change commits (so a copy loaded by a
  concurrent update between the two is not kept);
- **in every other process on PostgreSQL**, by `NOTIFY mosaic_changes` sent inside the
  change's own transaction: PostgreSQL delivers it on commit, and only then, to each
  process's listening connection (`ChangeNotices.listen`), which drops the copies. A
  process costs nothing per update for this (no version query), and a change reaches the
  others within a round trip of its commit. When the listening connection is lost, the
  process drops every copy and listens again; copies are not trusted while it is down;
- **as a bound**: no copy is older than `max_age` seconds. On PostgreSQL this is only a
  safety net. On SQLite (one machine, usually one process) it is how another process on
  the same file (a console chat beside `mosaic run`) sees a change: within `max_age`.

Copies are dropped by tag (`account:12`, `destination:telegram:-100…`): a change names what
it changed, and every copy that holds it goes, whatever it is keyed by.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from tortoise.connection import get_connection

from core.persistence.database import asyncpg_url, connection_name, is_postgres
from core.persistence.unit_of_work import open_unit

if TYPE_CHECKING:
    import asyncpg  # imported where PostgreSQL is used: a SQLite process never loads it

log = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

CHANNEL = "mosaic_changes"
POSTGRES_MAX_AGE = 300.0  # seconds; a safety net: NOTIFY drops copies at once
SQLITE_MAX_AGE = 2.0  # seconds: how late another process on the same file sees a change
RECONNECT_SECONDS = 1.0


class LocalCopies(Generic[K, V]):
    """A bounded map of copies, each tagged with what it holds, none older than `max_age`."""

    def __init__(
        self, *, max_age: float, size: int = 20_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_age = max_age
        self._size = size
        self._clock = clock
        self._copies: OrderedDict[K, tuple[V, float, tuple[str, ...]]] = OrderedDict()
        self._tagged: dict[str, set[K]] = {}
        self.enabled = True  # off while changes from other processes cannot be heard
        self.drops = 0  # how many drops so far: a copy loaded across one is not kept

    def get(self, key: K) -> V | None:
        held = self._copies.get(key)
        if held is None:
            return None
        value, stored_at, _ = held
        if self._clock() - stored_at > self.max_age:
            self._forget(key)
            return None
        return value

    def put(self, key: K, value: V, *tags: str, loaded_after: int) -> None:
        """Keep `value` unless something was dropped since `loaded_after` (`drops` read
        before loading it): it may have been loaded just before a change committed."""
        if not self.enabled or self.drops != loaded_after:
            return
        self._forget(key)
        self._copies[key] = (value, self._clock(), tags)
        for tag in tags:
            self._tagged.setdefault(tag, set()).add(key)
        while len(self._copies) > self._size:
            self._forget(next(iter(self._copies)))

    def drop(self, tag: str) -> None:
        self.drops += 1
        for key in list(self._tagged.get(tag, ())):
            self._forget(key)

    def clear(self) -> None:
        self.drops += 1
        self._copies.clear()
        self._tagged.clear()

    def __len__(self) -> int:
        return len(self._copies)

    def _forget(self, key: K) -> None:
        held = self._copies.pop(key, None)
        if held is None:
            return
        for tag in held[2]:
            keys = self._tagged.get(tag)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._tagged[tag]


class ChangeNotices:
    """Says that rows changed: drops the copies that hold them here and, on PostgreSQL, in
    every other process (see the module docstring)."""

    def __init__(
        self, database_url: str = "", *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """No URL: changes drop this process's copies only (nothing else shares them)."""
        self._url = database_url
        self._clock = clock
        self.postgres = is_postgres(database_url)
        self.max_age = POSTGRES_MAX_AGE if self.postgres else SQLITE_MAX_AGE
        self._copies: list[LocalCopies[Any, Any]] = []
        self._listening: asyncio.Task[None] | None = None
        self._connection: asyncpg.Connection | None = None
        self.heard = 0  # notices received from the database (tests wait on it)
        # Other channels heard on the same connection (`subscribe`): channel → callback.
        self._channels: dict[str, Callable[[str], None]] = {}
        self.connection = connection_name(database_url) if database_url else ""  # the ORM's

    def subscribe(self, channel: str, heard: Callable[[str], None]) -> None:
        """Also hear `channel` (`core.persistence.wakes`) on this process's one listening
        connection; `heard` gets each payload. Call before `listen`."""
        self._channels[channel] = heard

    @property
    def listening(self) -> bool:
        """Whether notices from other processes can be heard now (PostgreSQL)."""
        return self._connection is not None and not self._connection.is_closed()

    def copies(self) -> LocalCopies[Any, Any]:
        """A new map of copies that these notices keep true."""
        made: LocalCopies[Any, Any] = LocalCopies(max_age=self.max_age, clock=self._clock)
        made.enabled = not self.postgres or self._connection is not None
        self._copies.append(made)
        return made

    async def changed(self, *tags: str) -> None:
        """Call right after writing a change (inside its unit of work, if there is one)."""
        self._drop(tags)
        unit = open_unit()
        if unit is not None:
            unit.after_commit(self._dropper(tags))
        if self.postgres:  # delivered to the listeners when the change commits
            await get_connection(self.connection).execute_query(
                "SELECT pg_notify($1, $2)", [CHANNEL, " ".join(tags)]
            )

    def _dropper(self, tags: tuple[str, ...]) -> Callable[[], Any]:
        async def drop() -> None:
            self._drop(tags)

        return drop

    def _drop(self, tags: tuple[str, ...] | list[str]) -> None:
        for copies in self._copies:
            for tag in tags:
                copies.drop(tag)

    def _trust(self, trusted: bool) -> None:
        for copies in self._copies:
            copies.clear()
            copies.enabled = trusted

    # ------------------------------------------------------------ other processes

    async def listen(self) -> None:
        """PostgreSQL: hear other processes' changes (a connection of its own, outside the
        ORM's pool); until it listens, nothing is copied. SQLite: nothing to do."""
        if not self.postgres or self._listening is not None:
            return
        import asyncpg

        with contextlib.suppress(OSError, asyncpg.PostgresError):
            await self._connect()
        self._listening = asyncio.create_task(self._keep_listening(), name="change notices")

    async def stop(self) -> None:
        if self._listening is not None:
            self._listening.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listening
            self._listening = None
        await self._disconnect()

    async def _connect(self) -> None:
        import asyncpg

        connection = await asyncpg.connect(asyncpg_url(self._url))
        await connection.add_listener(CHANNEL, self._heard)
        for channel, heard in self._channels.items():
            await connection.add_listener(channel, _payload_to(heard))
        connection.add_termination_listener(self._lost)
        self._connection = connection
        self._trust(True)

    async def _keep_listening(self) -> None:
        import asyncpg

        while True:
            if self._connection is None or self._connection.is_closed():
                self._trust(False)
                try:
                    await self._connect()
                except (OSError, asyncpg.PostgresError) as error:
                    log.warning("change notices: cannot listen (%s); copies are off", error)
            await asyncio.sleep(RECONNECT_SECONDS)

    def _heard(self, _connection: object, _pid: int, _channel: str, payload: object) -> None:
        self.heard += 1
        self._drop(str(payload).split())

    def _lost(self, _connection: object) -> None:
        self._trust(False)

    async def _disconnect(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None and not connection.is_closed():
            with contextlib.suppress(Exception):
                await connection.close()


def _payload_to(heard: Callable[[str], None]) -> Callable[[object, int, str, object], None]:
    def listener(_connection: object, _pid: int, _channel: str, payload: object) -> None:
        try:
            heard(str(payload))
        except Exception:  # a wake-up that failed must not stop the listening connection
            log.exception("handling a notice on %s failed", _channel)

    return listener
