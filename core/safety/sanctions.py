"""Mutes and bans: who is refused posting, commenting, liking, generating and reporting."""

from __future__ import annotations

from datetime import datetime

from tortoise.expressions import Q

from core.clock import Clock
from core.domain import Platform, SanctionKind
from core.errors import Forbidden
from core.persistence.models import Account, Sanction


def applies(sanction: Sanction, platform: Platform, server_id: str | None) -> bool:
    """Whether a sanction in force reaches this place (a global one reaches every place)."""
    if sanction.server_id is None:
        return True
    return Platform(sanction.platform) is platform and sanction.server_id == server_id


def when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


class Sanctions:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

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
        return await Sanction.create(
            account=account,
            kind=kind,
            platform=platform if server_id is not None else None,
            server_id=server_id,
            until=until,
            reason=reason,
            created_by=by,
            created_at=self._clock.now(),
        )

    async def active(
        self, account_id: int, platform: Platform, server_id: str | None
    ) -> Sanction | None:
        """The sanction that applies to the account here (a ban before a mute), if any."""
        now = self._clock.now()
        here = Q(server_id=None)
        if server_id is not None:
            here |= Q(platform=platform, server_id=server_id)
        rows = await Sanction.filter(
            Q(account_id=account_id), here, Q(until=None) | Q(until__gt=now)
        ).order_by("kind", "-created_at")  # "ban" sorts before "mute"
        return rows[0] if rows else None

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
