"""Daily image quotas per account and per server, reserved atomically.

A reservation is one conditional UPDATE (`used = used + n WHERE used + n <= limit`), which
is atomic on PostgreSQL and SQLite alike: 20 concurrent requests against a quota of 5 accept
exactly 5. Failed or cancelled jobs give their images back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache, partial
from typing import Any

from pypika_tortoise import Query, Table
from tortoise.expressions import F

from core.clock import Clock
from core.generation.provider import QuotaExceeded
from core.persistence.models import QuotaUsage
from core.persistence.statements import Slot, Written, db_value, literal, value, write
from core.persistence.unit_of_work import TortoiseUnitOfWork, UnitOfWorkFactory, open_unit


def account_scope(account_id: int) -> str:
    return f"account:{account_id}"


def server_scope(platform: str, server_id: str) -> str:
    return f"server:{platform}:{server_id}"


def member_scope(platform: str, server_id: str, account_id: int) -> str:
    """One member's images in one server (a server policy's per-member daily cap)."""
    return f"member:{platform}:{server_id}:{account_id}"


@dataclass(frozen=True, slots=True)
class QuotaStatus:
    used: int
    limit: int

    @property
    def left(self) -> int:
        return max(0, self.limit - self.used)


class Quotas:
    def __init__(
        self,
        clock: Clock,
        *,
        per_account: int,
        per_server: int,
        units: UnitOfWorkFactory = TortoiseUnitOfWork,
    ) -> None:
        self._clock = clock
        self._units = units
        self.per_account = per_account
        self.per_server = per_server
        self._rows_made: set[tuple[str, date]] = set()  # spares a query per reservation

    def _today(self) -> date:
        return self._clock.now().date()

    async def _row(self, scope: str, day: date) -> None:
        """The scope's row of `day`, made if missing (one INSERT … ON CONFLICT DO NOTHING:
        made concurrently elsewhere is fine; it was an existence query, a savepoint and an
        INSERT, in a savepoint of their own)."""
        if (scope, day) in self._rows_made:
            return
        db = QuotaUsage._meta.db
        making = _making_row(db.query_class)  # type: ignore[arg-type]
        day_value = db_value(QuotaUsage, "day", day)
        await db.execute_query(making.sql, making.bind({_SCOPE: scope, _DAY: day_value}))
        unit = open_unit()
        if unit is None:
            await self._remember_row(scope, day)
        else:  # remembered once committed: a row rolled back with its unit is made again
            unit.after_commit(partial(self._remember_row, scope, day))

    async def _remember_row(self, scope: str, day: date) -> None:
        if len(self._rows_made) > 100_000:
            self._rows_made.clear()
        self._rows_made.add((scope, day))

    async def reserve(
        self,
        account_id: int,
        server: str | None,
        count: int,
        *,
        member: tuple[str, int] | None = None,
    ) -> date:
        """Take `count` images from the account's (and the server's, and the member's cap in
        that server: `member` = (scope, cap)) quota, all or none, or raise.

        Returns the day charged, which a refund must name.
        """
        day = self._today()
        scopes = [(account_scope(account_id), self.per_account, "error.quota_exceeded")]
        if server is not None:
            scopes.append((server, self.per_server, "error.server_quota_exceeded"))
        if member is not None:
            scopes.append((member[0], member[1], "error.member_cap_exceeded"))
        for name, _, _ in scopes:
            await self._row(name, day)
        if len(scopes) == 1:  # one statement: all or none on its own
            await _take(scopes[0], day, count)
            return day
        async with self._units():
            for each in scopes:
                # Raising inside the transaction rolls back the account's reservation too.
                await _take(each, day, count)
        return day

    async def today_for(self, account_id: int) -> tuple[str, date, int]:
        """The account's quota of today: (scope, day, limit), for a statement that takes
        from it, and makes its row if missing, itself (`taking_or_making`)."""
        return account_scope(account_id), self._today(), self.per_account

    async def refund(
        self,
        account_id: int,
        server: str | None,
        count: int,
        day: date,
        *,
        member: str | None = None,
    ) -> None:
        scopes = [account_scope(account_id)] + ([server] if server else [])
        scopes += [member] if member else []
        async with self._units():
            for scope in scopes:
                await QuotaUsage.filter(scope=scope, day=day, used__gte=count).update(
                    used=F("used") - count
                )

    async def status(self, scope: str, limit: int) -> QuotaStatus:
        row = await QuotaUsage.get_or_none(scope=scope, day=self._today())
        return QuotaStatus(used=row.used if row else 0, limit=limit)


_QUOTA_USAGE = Table("quota_usage")
_SCOPE, _DAY, _COUNT, _MOST = (Slot(name) for name in ("scope", "day", "count", "most"))


@lru_cache(maxsize=4)
def _making_row(query_class: type[Query]) -> Written:
    """INSERT INTO quota_usage (scope, day, used) VALUES (<scope>, <day>, 0) ON CONFLICT
    (scope, day) DO NOTHING"""
    statement = (
        query_class.into(_QUOTA_USAGE)
        .columns("scope", "day", "used")
        .insert(value(_SCOPE), value(_DAY), literal(0))
        .on_conflict("scope", "day")
        .do_nothing()
    )
    return write(query_class, statement)


def taking(query_class: type[Query]) -> Any:
    """UPDATE quota_usage SET used = used + <count> WHERE scope = <scope> AND day = <day>
    AND used <= <most>: taken only if it fits (one conditional UPDATE; `taking_bound` gives
    its slots' values). A query object, to be written on its own (`_taking`) or inside a
    larger statement (`GenerationJobs`: `WITH taken AS (… RETURNING 1) INSERT …`)."""
    usage = _QUOTA_USAGE
    return (
        query_class.update(usage)
        .set(usage.used, usage.used + value(_COUNT))
        .where(usage.scope == value(_SCOPE))
        .where(usage.day == value(_DAY))
        .where(usage.used <= value(_MOST))
    )


def taking_or_making(query_class: type[Query]) -> Any:
    """INSERT INTO quota_usage (scope, day, used) SELECT <scope>, <day>, <count> WHERE
    <most> >= 0 ON CONFLICT (scope, day) DO UPDATE SET used = used + <count> WHERE used <=
    <most>: `taking` that makes the day's row when it is missing, in the same statement
    (PostgreSQL: a missing row was an INSERT of its own first). A new row takes `count` only
    if it fits the limit (`most` = limit − count ≥ 0); a row made meanwhile by another
    request is the conflict, and is taken from as `taking` does. Same slots (`taking_bound`)."""
    usage = _QUOTA_USAGE
    return (
        query_class.into(usage)
        .columns("scope", "day", "used")
        .select(value(_SCOPE), value(_DAY), value(_COUNT))
        .where(value(_MOST) >= literal(0))
        .on_conflict("scope", "day")
        .do_update(usage.used, usage.used + value(_COUNT))
        .where(usage.used <= value(_MOST))  # after `on_conflict`: the update's condition
    )


def taking_bound(scope: str, day: date, count: int, most: int) -> dict[Slot, object]:
    """The values of `taking`'s slots: `most` is the limit minus `count`."""
    return {_SCOPE: scope, _DAY: db_value(QuotaUsage, "day", day), _COUNT: count, _MOST: most}


@lru_cache(maxsize=4)
def _taking(query_class: type[Query]) -> Written:
    return write(query_class, taking(query_class))


async def _take(scope: tuple[str, int, str], day: date, count: int) -> None:
    """`count` images from the scope's row of `day` (made beforehand), or QuotaExceeded."""
    name, limit, key = scope
    db = QuotaUsage._meta.db
    taking = _taking(db.query_class)  # type: ignore[arg-type]
    taken, _ = await db.execute_query(
        taking.sql, taking.bind(taking_bound(name, day, count, limit - count))
    )
    if not taken:
        raise QuotaExceeded(key, limit=limit, count=count)
