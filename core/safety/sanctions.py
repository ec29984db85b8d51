"""Mutes and bans: who is refused posting, commenting, liking, generating and reporting."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from pypika_tortoise import Order, Query, Table
from pypika_tortoise.terms import Criterion, Star
from tortoise.expressions import Q

from core.clock import Clock
from core.domain import Platform, SanctionKind
from core.errors import Forbidden
from core.persistence.local_copies import ChangeNotices, LocalCopies
from core.persistence.models import Account, Sanction
from core.persistence.statements import Slot, Written, db_value, literal, value, write
from core.social.accounts import account_changed


def applies(sanction: Sanction, platform: Platform, server_id: str | None) -> bool:
    """Whether a sanction in force reaches this place (a global one reaches every place)."""
    if sanction.server_id is None:
        return True
    return Platform(sanction.platform) is platform and sanction.server_id == server_id


def when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


# Where a sanction is asked about: the account, and the platform and server (None, None
# outside a server).
_Place = tuple[int, Platform | None, str | None]


class Sanctions:
    def __init__(self, clock: Clock, notices: ChangeNotices | None = None) -> None:
        self._clock = clock
        self._notices = notices
        # The sanction in force for each place asked about (a 1-tuple: `(None,)` is "none"),
        # kept per process (core.persistence.local_copies): every restricted command asks,
        # and sanctions are rare. A new one drops the account's copies here and in the other
        # processes (`impose`), so does a link moving them to another account; one that runs
        # out needs nothing dropped (`active` sees its end).
        self._kept: LocalCopies[_Place, tuple[Sanction | None]] | None = (
            notices.copies() if notices is not None else None
        )

    async def impose(
        self,
        account: Account,
        kind: SanctionKind,
        *,
        platform: Platform | None,
        server_id: str | None,
        until: datetime | None,
        reason: str,
        by: Account,
    ) -> Sanction:
        sanction = await Sanction.create(
            account=account,
            kind=kind,
            platform=platform if server_id is not None else None,
            server_id=server_id,
            until=until,
            reason=reason,
            created_by=by,
            created_at=self._clock.now(),
        )
        if self._notices is not None:  # every process's copies of the account's go
            await self._notices.changed(account_changed(account.id))
        return sanction

    async def active(
        self, account_id: int, platform: Platform, server_id: str | None
    ) -> Sanction | None:
        """The sanction that applies to the account here (a ban before a mute), if any.
        Every restricted command asks: a copy kept per process when there is one that has
        not run out, else one statement written once (`_applying`), not built by the ORM
        per command (it was most of a command's query-building CPU)."""
        place: _Place = (account_id, platform if server_id is not None else None, server_id)
        kept = self._kept
        if kept is not None and (held := kept.get(place)) is not None:
            (sanction,) = held
            if sanction is None or sanction.until is None or sanction.until > self._clock.now():
                return sanction  # else it ran out: what applies now (a mute after a ban?)
        drops = kept.drops if kept is not None else 0
        sanction = await self._applying_now(account_id, platform, server_id)
        if kept is not None:
            kept.put(place, (sanction,), account_changed(account_id), loaded_after=drops)
        return sanction

    async def _applying_now(
        self, account_id: int, platform: Platform, server_id: str | None
    ) -> Sanction | None:
        db = Sanction._meta.db
        applying = _applying(db.query_class, server_id is not None)  # type: ignore[arg-type]
        bound: dict[Slot, object] = {
            _ACCOUNT: account_id,
            _NOW: db_value(Sanction, "until", self._clock.now()),
        }
        if server_id is not None:
            bound |= {_PLATFORM: platform.value, _SERVER: server_id}
        rows = await db.execute_query_dict(applying.sql, applying.bind(bound))
        return Sanction._init_from_db(**rows[0]) if rows else None

    async def in_force(self, account_id: int) -> list[Sanction]:
        """Every sanction of the account that has not run out (anywhere)."""
        now = self._clock.now()
        return await Sanction.filter(Q(account_id=account_id), Q(until=None) | Q(until__gt=now))

    async def check(self, account_id: int, platform: Platform, server_id: str | None) -> None:
        """Refuse a sanctioned account, saying why and until when."""
        sanction = await self.active(account_id, platform, server_id)
        if sanction is None:
            return
        everywhere = sanction.server_id is None
        if sanction.kind is SanctionKind.BAN:
            if sanction.until is None:
                raise Forbidden("error.banned_everywhere" if everywhere else "error.banned_here")
            raise Forbidden("error.banned_until", until=when(sanction.until))
        until = when(sanction.until) if sanction.until else "—"
        raise Forbidden("error.muted_until", until=until)


_SANCTIONS = Table("sanction")
_ACCOUNT, _NOW, _PLATFORM, _SERVER = (Slot(n) for n in ("account", "now", "platform", "server"))


@lru_cache(maxsize=4)
def _applying(query_class: type[Query], in_a_server: bool) -> Written:
    """SELECT * FROM sanction WHERE account_id = <account> AND (server_id IS NULL [OR
    (platform = <platform> AND server_id = <server>)]) AND (until IS NULL OR until > <now>)
    ORDER BY kind, created_at DESC LIMIT 1 ("ban" sorts before "mute")."""
    table = _SANCTIONS
    here: Criterion = table.server_id.isnull()
    if in_a_server:
        here = here | ((table.platform == value(_PLATFORM)) & (table.server_id == value(_SERVER)))
    statement = (
        query_class.from_(table)
        .select(Star())
        .where(table.account_id == value(_ACCOUNT))
        .where(here)
        .where(table.until.isnull() | (table.until > value(_NOW)))
        .orderby(table.kind, order=Order.asc)
        .orderby(table.created_at, order=Order.desc)
        .limit(literal(1))
    )
    return write(query_class, statement)
