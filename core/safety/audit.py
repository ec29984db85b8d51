"""The audit log: every moderation action, who did it, when and why.

Entries keep handle snapshots, so they survive when the moderator's or the author's account
is deleted (the foreign keys become NULL).
"""

from __future__ import annotations

from core.clock import Clock
from core.persistence.models import Account, ModerationAction
from core.safety.authority import Jurisdiction


class AuditLog:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    async def record(
        self,
        moderator: Account,
        action: str,
        target_key: str,
        *,
        place: Jurisdiction,
        subject: Account | None = None,
        reason: str = "",
    ) -> ModerationAction:
        return await ModerationAction.create(
            moderator=moderator,
            moderator_handle=moderator.handle,
            action=action,
            target_key=target_key,
            subject=subject,
            subject_handle=subject.handle if subject is not None else "",
            reason=reason[:500],
            platform=place.platform,
            server_id=place.server_id,
            created_at=self._clock.now(),
        )

    async def entries(self, place: Jurisdiction | None, *, limit: int) -> list[ModerationAction]:
        """Newest first: one server's entries, or (place None) everyone's."""
        query = ModerationAction.all()
        if place is not None:
            query = query.filter(platform=place.platform, server_id=place.server_id)
        return await query.order_by("-created_at", "-id").limit(limit)
