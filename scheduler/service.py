"""The trigger: one in-memory APScheduler job that ticks; everything else is in the DB.

Each tick: lead (or try to), then claim and compose due digests, batch notifications,
wake the senders, and now and then do the housekeeping (old update ids, old collages).
Becoming the leader first takes back what a dead leader left half done
(claimed runs, messages it was sending). Senders run only in the leader: pacing is per bot
token, so one process must own each platform's outbox.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from core.delivery import Outbox
from core.delivery.sender import OutboxSender
from core.domain import Platform
from core.lifecycle import stop_tasks
from scheduler.digests import DigestRunner
from scheduler.housekeeping import Housekeeping
from scheduler.leader import Leadership
from scheduler.notifications import NotificationFlusher

log = logging.getLogger(__name__)

TICK_JOB = "mosaic-tick"


class Scheduler:
    def __init__(
        self,
        leadership: Leadership,
        runner: DigestRunner,
        notifications: NotificationFlusher,
        outbox: Outbox,
        senders: Mapping[Platform, OutboxSender],
        *,
        tick_seconds: float,
        housekeeping: Housekeeping | None = None,
    ) -> None:
        self._leadership = leadership
        self._runner = runner
        self._notifications = notifications
        self._outbox = outbox
        self.senders: dict[Platform, OutboxSender] = dict(senders)
        self.local_senders: list[OutboxSender] = []
        self._tick_seconds = tick_seconds
        self._housekeeping = housekeeping
        self._trigger: AsyncIOScheduler | None = None
        self._lock = asyncio.Lock()
        self._ticking: asyncio.Task[None] | None = None
        self.leading = False

    def wake(self, platform: Platform) -> None:
        """New messages for `platform` are in the outbox (a takedown): send them now if
        this process leads, or if its own sender serves them (the console); otherwise the
        leader's next tick finds them."""
        for local in self.local_senders:
            if local.platform is platform:
                local.wake()
        sender = self.senders.get(platform)
        if sender is not None and self.leading:
            sender.wake()

    def add_sender(self, sender: OutboxSender) -> None:
        """A sender for every chat of its platform runs in the leader only; one for some
        chats (`sender.chats`: a console person's) runs in this process from now on."""
        if sender.chats is not None:
            self.local_senders.append(sender)
            sender.start()
            return
        self.senders[sender.platform] = sender
        if self.leading:
            sender.start()

    async def start(self) -> None:
        """Tick now, then every `tick_seconds`."""
        self._trigger = AsyncIOScheduler(
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60}
        )
        self._trigger.add_job(
            self._start_tick,
            "interval",
            seconds=self._tick_seconds,
            id=TICK_JOB,
            next_run_time=datetime.now(UTC),
        )
        self._trigger.start()

    async def _start_tick(self) -> None:
        """The trigger's job: start a tick in a task of our own and return. Stopping cancels
        that task; were the tick APScheduler's job itself, the cancellation would reach its
        executor, which logs it as a failed job (the traceback at every exit, issue #16)."""
        if self._ticking is None or self._ticking.done():
            self._ticking = asyncio.create_task(self.tick(), name="scheduler-tick")

    async def stop(self) -> None:
        """Stop the trigger, cancel a tick under way (what it did is in the database; the
        next leader carries on), stop the senders and let go of the leadership."""
        if self._trigger is not None:
            self._trigger.shutdown(wait=False)
            self._trigger = None
        await stop_tasks([self._ticking])
        self._ticking = None
        for sender in self.local_senders:
            await sender.stop()
        async with self._lock:
            await self._step_down()
            await self._leadership.release()

    async def tick(self) -> None:
        async with self._lock:  # a manual tick and the trigger's never overlap
            try:
                await self._tick()
            except Exception:
                log.exception("scheduler tick failed")

    async def _tick(self) -> None:
        if not await self._leadership.acquire():
            await self._step_down()
            return
        if not self.leading:
            await self._take_over()
        await self._runner.tick()
        await self._notifications.flush()
        for sender in [*self.senders.values(), *self.local_senders]:
            sender.wake()
        if self._housekeeping is not None:
            try:
                await self._housekeeping.tick()
            except Exception:  # a chore that failed must not stop digests: next time again
                log.exception("scheduler housekeeping failed")

    async def _take_over(self) -> None:
        taken = await self._outbox.take_back_all()
        redone = await self._runner.take_over()
        if taken or redone:
            log.info("took over %d unsent messages and %d unfinished digests", taken, redone)
        self.leading = True
        for sender in self.senders.values():
            sender.start()

    async def _step_down(self) -> None:
        if self.leading:
            self.leading = False
            for sender in self.senders.values():
                await sender.stop()
