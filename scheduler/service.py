"""The trigger: one in-memory APScheduler job that ticks; everything else is in the DB.

Each tick: lead (or try to), then claim and compose due digests, start the week's global
challenge and queue the results of ended ones (`core.challenges.results`), batch notifications,
wake the senders, and now and then do the housekeeping (old update ids, old collages).
Becoming the leader first takes back what a dead leader left half done (claimed runs).

Pacing is per bot token, so one process must own each platform's outbox; but the scheduler's
leader may be a process that cannot reach that platform (a console chat, the Discord process
when this one serves Telegram). So each platform's sender has a leadership of its own, which
only processes with that platform's messenger try for, every tick; taking it first takes back
the messages a dead sender of that platform left half sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from core.challenges import ChallengeResults
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
        sender_leadership: Callable[[Platform], Leadership],
        runner: DigestRunner,
        notifications: NotificationFlusher,
        outbox: Outbox,
        senders: Mapping[Platform, OutboxSender],
        *,
        tick_seconds: float,
        housekeeping: Housekeeping | None = None,
        challenges: ChallengeResults | None = None,
    ) -> None:
        self._leadership = leadership
        self._sender_leadership = sender_leadership
        self._sender_locks: dict[Platform, Leadership] = {}
        self._sending: dict[Platform, list[OutboxSender]] = {}  # platforms this process sends
        self._runner = runner
        self._notifications = notifications
        self._outbox = outbox
        self.senders: dict[Platform, OutboxSender] = dict(senders)
        self.local_senders: list[OutboxSender] = []
        self._tick_seconds = tick_seconds
        self._housekeeping = housekeeping
        self._challenges = challenges
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
        for sender in self._sending.get(platform, ()):
            sender.wake()

    def add_sender(self, sender: OutboxSender) -> None:
        """A sender for every chat of its platform runs while this process holds that
        platform's sender leadership; one for some chats (`sender.chats`: a console
        person's) runs in this process from now on."""
        if sender.chats is not None:
            self.local_senders.append(sender)
            sender.start()
            return
        self.senders[sender.platform] = sender
        if sender.platform in self._sending:
            self._sending[sender.platform].append(sender)
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
            for platform in list(self._sending):
                await self._stop_sending(platform)
            for lock in self._sender_locks.values():
                await lock.release()
            self.leading = False
            await self._leadership.release()

    async def tick(self) -> None:
        async with self._lock:  # a manual tick and the trigger's never overlap
            try:
                await self._tick()
            except Exception:
                log.exception("scheduler tick failed")

    async def _tick(self) -> None:
        await self._lead_senders()
        if not await self._leadership.acquire():
            self.leading = False
            return
        if not self.leading:
            await self._take_over()
        await self._runner.tick()
        if self._challenges is not None:
            await self._challenges.tick()  # this week's theme; results of ended challenges
        await self._notifications.flush()
        for sender in [*self.senders.values(), *self.local_senders]:
            sender.wake()
        if self._housekeeping is not None:
            try:
                await self._housekeeping.tick()
            except Exception:  # a chore that failed must not stop digests: next time again
                log.exception("scheduler housekeeping failed")

    async def _take_over(self) -> None:
        redone = await self._runner.take_over()
        if redone:
            log.info("took over %d unfinished digests", redone)
        if self._challenges is not None:
            finished = await self._challenges.take_over()
            if finished:
                log.info("took over %d unfinished challenge results", finished)
        self.leading = True

    async def _lead_senders(self) -> None:
        """Send each platform this process can reach, if no other process sends it."""
        for platform, sender in list(self.senders.items()):
            lock = self._sender_locks.get(platform)
            if lock is None:
                lock = self._sender_locks[platform] = self._sender_leadership(platform)
            try:
                leads = await lock.acquire()
            except Exception:  # the database is away: whoever can, sends; we try next tick
                log.exception("could not ask who sends %s messages", platform)
                leads = False
            if leads and platform not in self._sending:
                taken = await self._outbox.take_back_all(platform)
                if taken:
                    log.info("took over %d unsent %s messages", taken, platform)
                self._sending[platform] = [sender]
                sender.start()
            elif not leads and platform in self._sending:
                await self._stop_sending(platform)
        for sender in [*self.local_senders, *(s for ss in self._sending.values() for s in ss)]:
            sender.wake()  # what the leader queued since the last tick

    async def _stop_sending(self, platform: Platform) -> None:
        for sender in self._sending.pop(platform, []):
            await sender.stop()
