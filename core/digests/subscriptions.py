"""Digest subscriptions: subscribe, list, pause, resume, unsubscribe, quiet hours, status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.clock import Clock
from core.destinations import destination_changed
from core.digests.schedule import (
    DigestRequest,
    NextRunCalculator,
    QuietHours,
    Schedule,
    next_run,
)
from core.domain import DigestState
from core.errors import Conflict, LimitExceeded, NotFound
from core.persistence.local_copies import ChangeNotices
from core.persistence.models import Account, Destination, DigestRun, DigestSubscription
from core.persistence.unit_of_work import TortoiseUnitOfWork, UnitOfWorkFactory

MAX_PER_DESTINATION = 5


def schedule_of(subscription: DigestSubscription) -> Schedule:
    return Schedule(subscription.schedule, subscription.timezone, subscription.schedule_text)


def quiet_of(subscription: DigestSubscription) -> QuietHours | None:
    if subscription.quiet_start is None or subscription.quiet_end is None:
        return None
    return QuietHours(subscription.quiet_start, subscription.quiet_end)


@dataclass(frozen=True, slots=True)
class Status:
    subscription: DigestSubscription
    runs: list[DigestRun]


class DigestSubscriptions:
    def __init__(
        self,
        clock: Clock,
        calculator: NextRunCalculator,
        units: UnitOfWorkFactory = TortoiseUnitOfWork,
        notices: ChangeNotices | None = None,
    ) -> None:
        self._clock = clock
        self._units = units
        self._notices = notices or ChangeNotices()
        self._calculator = calculator

    @property
    def calculator(self) -> NextRunCalculator:
        return self._calculator

    def next_run_for(self, subscription: DigestSubscription) -> datetime:
        return next_run(
            schedule_of(subscription), self._clock.now(), self._calculator, quiet_of(subscription)
        )

    async def subscribe(
        self,
        owner: Account,
        destination: Destination,
        target: dict[str, str],
        request: DigestRequest,
        *,
        personal: bool,
    ) -> DigestSubscription:
        count = await DigestSubscription.filter(destination_id=destination.id).count()
        if count >= MAX_PER_DESTINATION:
            raise LimitExceeded("error.digest_too_many", limit=MAX_PER_DESTINATION)
        schedule = request.schedule
        return await DigestSubscription.create(
            destination=destination,
            owner=owner,
            personal=personal,
            target=target,
            schedule=schedule.cron,
            schedule_text=schedule.text,
            timezone=schedule.timezone,
            size=request.size,
            topics=request.topics,
            next_run_at=next_run(schedule, self._clock.now(), self._calculator),
        )

    async def of_destination(self, destination: Destination) -> list[DigestSubscription]:
        if destination.id is None:  # never stored: no digests
            return []
        return await DigestSubscription.filter(destination_id=destination.id).order_by("id")

    async def get(self, destination: Destination, subscription_id: int) -> DigestSubscription:
        """A subscription of this destination (others' are "not found": ids are not secrets,
        but managing them is for the place they belong to)."""
        found = None
        if destination.id is not None:  # a destination never stored has no digests
            found = await DigestSubscription.get_or_none(
                id=subscription_id, destination_id=destination.id
            )
        if found is None:
            raise NotFound("error.digest_unknown", id=subscription_id)
        return found

    async def pause(self, subscription: DigestSubscription) -> None:
        if subscription.state is DigestState.PAUSED:
            raise Conflict("error.digest_already_paused", id=subscription.id)
        subscription.state = DigestState.PAUSED
        await subscription.save(update_fields=["state"])

    async def resume(self, subscription: DigestSubscription) -> None:
        """Active again from now on: no catch-up for the time it was paused."""
        if subscription.state is DigestState.ACTIVE and subscription.paused_reason is None:
            raise Conflict("error.digest_not_paused", id=subscription.id)
        subscription.state = DigestState.ACTIVE
        subscription.paused_reason = None
        subscription.next_run_at = self.next_run_for(subscription)
        async with self._units():
            await subscription.save(update_fields=["state", "paused_reason", "next_run_at"])
            await Destination.filter(id=subscription.destination_id).update(paused_reason=None)
            await self._notices.changed(destination_changed(subscription.destination_id))

    async def unsubscribe(self, subscription: DigestSubscription) -> None:
        await subscription.delete()

    async def set_quiet(self, subscription: DigestSubscription, quiet: QuietHours | None) -> None:
        subscription.quiet_start = quiet.start if quiet else None
        subscription.quiet_end = quiet.end if quiet else None
        subscription.next_run_at = self.next_run_for(subscription)
        await subscription.save(update_fields=["quiet_start", "quiet_end", "next_run_at"])

    async def status(self, destination: Destination, *, runs: int = 3) -> list[Status]:
        found = []
        for subscription in await self.of_destination(destination):
            recent = (
                await DigestRun.filter(subscription_id=subscription.id)
                .order_by("-scheduled_for", "-id")
                .limit(runs)
            )
            found.append(Status(subscription, recent))
        return found

    async def pause_destination(self, destination_id: int, reason: str) -> list[DigestSubscription]:
        """The platform refuses messages there: pause every digest of that destination."""
        async with self._units():
            await Destination.filter(id=destination_id).update(paused_reason=reason[:200])
            await self._notices.changed(destination_changed(destination_id))
            subscriptions = await DigestSubscription.filter(
                destination_id=destination_id, state=DigestState.ACTIVE
            )
            await DigestSubscription.filter(destination_id=destination_id).update(
                state=DigestState.PAUSED, paused_reason=reason[:200]
            )
        return subscriptions
