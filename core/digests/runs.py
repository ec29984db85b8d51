"""Claiming due digests: one `DigestRun` per (subscription, period), whoever asks.

A tick takes subscriptions whose `next_run_at` has passed (`FOR UPDATE SKIP LOCKED` on
PostgreSQL, so two processes never wait for each other), and for each, in one transaction:
moves `next_run_at` on with a conditional UPDATE (only if nobody moved it first) and creates
the run for the latest scheduled time that passed. After downtime that is one run, the
catch-up digest, not one per missed period; the run's unique key stops a second copy even if
two schedulers raced.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError

from core.clock import Clock
from core.digests.schedule import NextRunCalculator, latest_due, next_run
from core.digests.subscriptions import quiet_of, schedule_of
from core.domain import DigestState, RunState
from core.persistence.models import DeliveredItem, DigestRun, DigestSubscription
from core.persistence.unit_of_work import TortoiseUnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

CLAIM_BATCH = 50
COUNTED = (RunState.QUEUED, RunState.DELIVERED)


def period_key(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


class DigestRuns:
    def __init__(
        self,
        clock: Clock,
        calculator: NextRunCalculator,
        *,
        postgres: bool,
        units: UnitOfWorkFactory = TortoiseUnitOfWork,
    ) -> None:
        self._units = units
        self._clock = clock
        self._calculator = calculator
        self._postgres = postgres

    async def claim_due(self, limit: int = CLAIM_BATCH) -> list[DigestRun]:
        now = self._clock.now()
        claimed: list[DigestRun] = []
        async with self._units():
            query = (
                DigestSubscription.filter(state=DigestState.ACTIVE, next_run_at__lte=now)
                .order_by("next_run_at", "id")
                .limit(limit)
            )
            if self._postgres:
                query = query.select_for_update(skip_locked=True)
            for subscription in await query:
                run = await self._claim(subscription, now)
                if run is not None:
                    claimed.append(run)
        return claimed

    async def _claim(self, subscription: DigestSubscription, now: datetime) -> DigestRun | None:
        schedule, quiet = schedule_of(subscription), quiet_of(subscription)
        local_now = now.astimezone(schedule.zone)
        if quiet is not None and quiet.contains(local_now):  # caught up during quiet hours
            later = quiet.end_after(local_now).astimezone(UTC)
            await self._move_on(subscription, later, last_run=None)
            return None
        period = self._period(subscription, now)
        following = next_run(schedule, now, self._calculator, quiet)
        if not await self._move_on(subscription, following, last_run=now):
            return None  # another scheduler took it first
        try:
            async with self._units():  # a savepoint: a duplicate must not spoil the rest
                return await DigestRun.create(
                    subscription_id=subscription.id,
                    period=period_key(period),
                    scheduled_for=period,
                    state=RunState.CLAIMED,
                    claimed_at=now,
                )
        except IntegrityError:
            log.info("digest %s period %s already claimed", subscription.id, period)
            return None

    def _period(self, subscription: DigestSubscription, now: datetime) -> datetime:
        """The latest scheduled time that passed since the last run: the period this digest
        stands for (after a long downtime, the one catch-up digest)."""
        schedule = schedule_of(subscription)
        first = subscription.next_run_at
        if subscription.last_run_at is not None:
            missed = self._calculator.next_after(
                schedule.cron, schedule.zone, subscription.last_run_at
            )
            if missed is not None and missed <= now:
                first = min(first, missed)
        return latest_due(schedule, first, now, self._calculator)

    async def _move_on(
        self, subscription: DigestSubscription, following: datetime, *, last_run: datetime | None
    ) -> bool:
        changes: dict[str, object] = {"next_run_at": following}
        if last_run is not None:
            changes["last_run_at"] = last_run
        moved = await DigestSubscription.filter(
            id=subscription.id, state=DigestState.ACTIVE, next_run_at=subscription.next_run_at
        ).update(**changes)
        return moved == 1

    async def unfinished(self) -> list[DigestRun]:
        """Runs a dead scheduler claimed but never composed (taken over by the new leader)."""
        return await DigestRun.filter(state=RunState.CLAIMED).order_by("id")

    async def sent_today(self, subscription: DigestSubscription, destination_id: int) -> int:
        """Digests queued or delivered to the destination since local midnight."""
        zone = schedule_of(subscription).zone
        local_now = self._clock.now().astimezone(zone)
        midnight = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
        return await DigestRun.filter(
            subscription__destination_id=destination_id,
            state__in=COUNTED,
            claimed_at__gte=midnight.astimezone(UTC),
        ).count()

    async def finish(self, run_id: int, state: RunState, reason: str | None = None) -> None:
        await DigestRun.filter(id=run_id).update(
            state=state, reason=reason, finished_at=self._clock.now()
        )

    async def not_delivered(self, run_id: int, reason: str) -> None:
        """The run's message was refused or given up: its items were not seen there, so a
        later digest may show them after all."""
        run = await DigestRun.get_or_none(id=run_id).select_related("subscription")
        if run is None or run.state is RunState.FAILED:
            return
        await DeliveredItem.filter(
            destination_id=run.subscription.destination_id, post_id__in=list(run.items)
        ).delete()
        await self.finish(run_id, RunState.FAILED, reason)

    async def queued(self, run: DigestRun, items: list[int], collage: str | None = None) -> None:
        run.state, run.items, run.collage = RunState.QUEUED, items, collage
        await run.save(update_fields=["state", "items", "collage"])
