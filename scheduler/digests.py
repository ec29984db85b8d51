"""Turning claimed runs into outbox messages: compose, render, queue, all-or-nothing."""

from __future__ import annotations

import logging

from tortoise.transactions import in_transaction

from core.clock import Clock
from core.delivery import Outbox, OutboxItem
from core.delivery.ports import OutboxRenderer
from core.digests import DigestComposer, DigestRuns
from core.digests.ranking import already_sent
from core.digests.subscriptions import schedule_of
from core.domain import ChatKind, Platform, RunState
from core.feed.impressions import ImpressionLog, Surface
from core.persistence.models import DeliveredItem, DigestRun, DigestSubscription

log = logging.getLogger(__name__)


def digest_key(subscription_id: int, period: str) -> str:
    return f"digest:{subscription_id}:{period}"


class DigestRunner:
    def __init__(
        self,
        runs: DigestRuns,
        composer: DigestComposer,
        outbox: Outbox,
        renderer: OutboxRenderer,
        clock: Clock,
        impressions: ImpressionLog,
        *,
        daily_cap: int,
    ) -> None:
        self._runs = runs
        self._composer = composer
        self._outbox = outbox
        self._renderer = renderer
        self._clock = clock
        self._impressions = impressions
        self._daily_cap = daily_cap

    async def tick(self) -> int:
        """Claim what is due and queue it; returns how many runs were queued."""
        queued = 0
        while True:
            claimed = await self._runs.claim_due()
            for run in claimed:
                queued += await self.run(run)
            if not claimed:
                return queued

    async def take_over(self) -> int:
        """As the new leader: finish the runs a dead leader had claimed."""
        queued = 0
        for run in await self._runs.unfinished():
            queued += await self.run(run)
        return queued

    async def run(self, run: DigestRun) -> int:
        try:
            return await self._run(run)
        except Exception:
            log.exception("digest run %s failed", run.id)
            await self._runs.finish(run.id, RunState.FAILED, "digest.reason.error")
            return 0

    async def _run(self, run: DigestRun) -> int:
        subscription = await DigestSubscription.get_or_none(id=run.subscription_id).select_related(
            "destination", "owner"
        )
        if subscription is None:
            return 0
        destination = subscription.destination
        if destination.paused_reason:
            await self._runs.finish(run.id, RunState.SKIPPED, "digest.reason.paused")
            return 0
        if await self._runs.sent_today(subscription, destination.id) >= self._daily_cap:
            await self._runs.finish(run.id, RunState.SKIPPED, "digest.reason.cap")
            return 0
        local = run.scheduled_for.astimezone(schedule_of(subscription).zone)
        digest = await self._composer.compose(
            subscription,
            destination,
            subscription.owner,
            at=local,
            exclude=await already_sent(destination.id),
        )
        if digest is None:
            await self._runs.finish(run.id, RunState.SKIPPED, "digest.reason.nothing_new")
            return 0
        platform = Platform(destination.platform)
        reply = await self._renderer.digest(digest, platform, subscription.owner_id)
        item_ids = [post.id for post in digest.items]
        async with in_transaction():
            await DeliveredItem.bulk_create(
                [DeliveredItem(destination_id=destination.id, post_id=i) for i in item_ids],
                ignore_conflicts=True,
            )
            await self._outbox.add(
                [
                    OutboxItem(
                        platform=platform,
                        chat_key=destination.chat_id,
                        group_chat=destination.kind is not ChatKind.PRIVATE,
                        target=subscription.target,
                        reply=reply,
                        dedupe_key=digest_key(subscription.id, run.period),
                        run_id=run.id,
                    )
                ]
            )
            await self._runs.queued(run, item_ids, digest.collage.sha256)
            await self._impressions.posts(
                Surface.DIGEST,
                item_ids,
                viewer_id=subscription.owner_id if subscription.personal else None,
                place_id=destination.id,
            )
        return 1
