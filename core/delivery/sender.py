"""The paced sender: one per platform, draining that platform's outbox within its limits.

    claim rows ─► per-chat queues ─► heap by "ready at" (Pacer) ─► Messenger.send_to ─► record

At most one message per chat is in flight and at most `concurrency` overall. The pacer says
when each chat may get its next message; a 429's `retry_after` holds the chat (or the whole
platform) and puts the message back at the front of its chat's queue. Transient errors are
retried with exponential backoff through the outbox; a blocked or vanished destination is
handed to `DeliveryOutcomes`, which pauses it without disturbing anybody else.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import heapq
import itertools
import logging
import math
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from core.clock import MonotonicTimer, Timer
from core.delivery import (
    DeliveryBlocked,
    DeliveryRetryAfter,
    DeliveryTransient,
    DestinationMoved,
    Outbox,
    Pacer,
)
from core.delivery.outbox import EDITS
from core.delivery.ports import EditingMessenger, Messenger, RetractingMessenger
from core.delivery.reply_codec import decode_reply
from core.domain import OutboxOperation, Platform
from core.lifecycle import stop_tasks
from core.persistence.models import OutboxMessage
from core.safety.takedown import WITHDRAWN

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
MAX_BACKOFF = timedelta(minutes=30)
STALE_CLAIM = timedelta(minutes=1)  # a claimed console message not printed by then: resend


class DeliveryOutcomes(Protocol):
    async def sent(self, message: OutboxMessage) -> None: ...

    async def failed(self, message: OutboxMessage, reason: str) -> None: ...

    async def blocked(self, message: OutboxMessage, reason: str) -> None: ...

    async def moved(self, message: OutboxMessage, new_chat: str) -> OutboxMessage: ...


class SendGate(Protocol):
    async def refusal(self, message: OutboxMessage) -> str | None:
        """Why this message must not go out now, after all (None: send it)."""
        ...


class Delivered(enum.Enum):
    """What became of a claimed row."""

    SENT = "sent"
    RETRACTED = "retracted"  # a copy was deleted
    HELD = "held"  # nothing went out: withdrawn or withheld


@dataclass(slots=True)
class SenderStats:
    sent: int = 0
    retry_after: int = 0  # 429s the platform answered
    transient: int = 0
    blocked: int = 0
    failed: int = 0
    moved: int = 0
    withheld: int = 0  # the gate refused them just before sending
    retracted: int = 0  # copies of taken-down posts deleted
    withdrawn: int = 0  # messages not sent: they showed a post taken down meanwhile


def backoff(attempts: int) -> timedelta:
    return min(MAX_BACKOFF, timedelta(seconds=5 * 2 ** max(0, attempts - 1)))


@dataclass(slots=True)
class _Chat:
    group: bool
    waiting: deque[OutboxMessage] = field(default_factory=deque)


class OutboxSender:
    def __init__(
        self,
        platform: Platform,
        messenger: Messenger,
        outbox: Outbox,
        pacer: Pacer,
        outcomes: DeliveryOutcomes,
        *,
        timer: Timer | None = None,
        concurrency: int = 32,
        batch: int = 200,
        idle_poll: float = 5.0,
        gate: SendGate | None = None,
        chats: frozenset[str] | None = None,
    ) -> None:
        self.platform = platform
        # Only these chats' messages (a console process: its own person's), sent by this
        # process whether or not it leads; None: every chat of the platform (the leader).
        self.chats = chats
        self.stats = SenderStats()
        self._messenger = messenger
        self._outbox = outbox
        self._pacer = pacer
        self._outcomes = outcomes
        self._gate = gate
        self._timer = timer or MonotonicTimer()
        self._slots = asyncio.Semaphore(concurrency)
        self._batch = batch
        self._idle_poll = idle_poll
        self._chats: dict[str, _Chat] = {}
        # chats being closed after a refusal: what is claimed for them meanwhile is failed
        self._closing: dict[str, list[OutboxMessage]] = {}
        self._heap: list[tuple[float, int, str]] = []
        self._order = itertools.count()
        self._queued = 0
        self._in_flight: set[asyncio.Task[None]] = set()
        self._marks: list[int] | None = None  # sent, to be recorded together (`_mark_sent`)
        self._marking: asyncio.Task[None] | None = None  # the batch that `_marks` joins
        self._markings: set[asyncio.Task[None]] = set()  # batches not recorded yet
        self._wake = asyncio.Event()
        # Whether the outbox may hold due rows that this sender has not claimed: set by a
        # wake-up (new rows) and by the idle poll, cleared when a claim comes back short.
        # A send that lands only wakes the loop (the next message of its chat may go); it
        # does not send it to the database for more (that was a claim, a transaction of four
        # round trips, after every message sent).
        self._more = True
        self._task: asyncio.Task[None] | None = None
        self.idle = asyncio.Event()  # set whenever nothing is queued or in flight

    # --- lifecycle --------------------------------------------------------------
    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name=f"outbox-{self.platform}")

    async def stop(self) -> None:
        """End the loop and the sends in flight (bounded: `stop_tasks`); a claimed row that
        was not sent goes back to the outbox when its lease ends."""
        task, self._task = self._task, None
        await stop_tasks([task, *self._in_flight, *self._markings])
        self._in_flight.clear()
        self._marks, self._marking = None, None
        self._markings.clear()
        self._chats.clear()
        self._heap.clear()
        self._queued = 0

    @property
    def running(self) -> bool:
        return self._task is not None

    def wake(self) -> None:
        """New messages are in the outbox."""
        self._more = True
        self._wake.set()

    # --- the loop ---------------------------------------------------------------
    async def _loop(self) -> None:
        if self.chats is not None:  # what a dead process of this person left half sent
            try:
                await self._outbox.take_back_stale(self.platform, self.chats, STALE_CLAIM)
            except Exception:
                log.exception("could not take back stale %s messages", self.platform)
        while True:
            try:
                await self._step()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database hiccupped: log it, breathe, go on
                log.exception("the %s outbox sender failed a step; retrying", self.platform)
                await asyncio.sleep(1.0)

    async def _step(self) -> None:
        """Claim more if the queues run low, then start the next send that may go now."""
        if self._more and self._queued < self._batch // 2:
            await self._fill()
        if not self._heap:
            self._mark_idle()
            if not await self._wait_for_work(self._idle_poll):
                self._more = True  # the poll: rows due by now (retries, another process's)
            return
        ready, _, chat_key = self._heap[0]
        chat = self._chats.get(chat_key)
        if chat is None or not chat.waiting:  # a stale entry
            heapq.heappop(self._heap)
            return
        now = self._timer.now()
        chat_ready = self._pacer.chat_ready_at(chat_key, chat.group, now)
        if chat_ready == math.inf:  # one message in flight: scheduled again when it lands
            heapq.heappop(self._heap)
            return
        if chat_ready > max(ready, now) + 1e-9:  # its turn moved later: back in order
            heapq.heapreplace(self._heap, (chat_ready, next(self._order), chat_key))
            return
        # The heap is ordered by each chat's own turn; the overall limit holds whichever
        # chat is first, so wait for it here rather than re-sorting every chat behind it
        # (that was O(chats) per message, without yielding, at thousands of chats).
        actual = max(chat_ready, self._pacer.overall_ready_at(now))
        if actual > now:
            await self._wait_for_work(actual - now)
            return
        heapq.heappop(self._heap)
        await self._slots.acquire()
        message = chat.waiting.popleft()
        self._queued -= 1
        self._pacer.started(chat_key, self._timer.now())
        task = asyncio.create_task(self._send(chat_key, message))
        self._in_flight.add(task)
        task.add_done_callback(self._landed)

    def _landed(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._mark_idle()
        self._wake.set()

    async def drain(self) -> None:
        """Until everything due in the outbox has been sent or given up (tests, shutdown)."""
        self.idle.clear()
        self.wake()
        await self.idle.wait()

    async def _wait_for_work(self, seconds: float) -> bool:
        """Until woken or `seconds` passed; whether it was woken."""
        # asyncio.timeout, not wait_for: on 3.11 wait_for returns normally when a cancel
        # arrives just as the event fires, and the loop would never end (issue #16).
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(0.0, seconds) * self._timer.scale):
                await self._wake.wait()
                return True
        return False

    def _mark_idle(self) -> None:
        if not self._in_flight and self._queued == 0:
            self.idle.set()

    async def _fill(self) -> None:
        wanted = self._batch - self._queued
        self._more = False  # before the claim: a wake-up during it is not lost
        try:
            if self.chats is None:
                rows = await self._outbox.claim(self.platform, wanted)
            else:
                rows = await self._outbox.claim(self.platform, wanted, chats=self.chats)
        except BaseException:
            self._more = True  # not looked: look again at the next step
            raise
        if len(rows) == wanted:
            self._more = True  # a full batch: there may be more
        self._pacer.forget_idle(self._timer.now())
        for row in rows:
            self._enqueue(row)

    def _enqueue(self, row: OutboxMessage, *, front: bool = False) -> None:
        closing = self._closing.get(row.chat_key)
        if closing is not None:  # its chat refused us: never tried, failed with the rest
            closing.append(row)
            return
        self.idle.clear()
        chat = self._chats.get(row.chat_key)
        if chat is None:
            chat = self._chats[row.chat_key] = _Chat(row.group_chat)
        was_empty = not chat.waiting
        (chat.waiting.appendleft if front else chat.waiting.append)(row)
        self._queued += 1
        if was_empty:
            self._schedule(row.chat_key)

    def _schedule(self, chat_key: str) -> None:
        chat = self._chats[chat_key]
        ready = self._pacer.chat_ready_at(chat_key, chat.group, self._timer.now())
        if ready != math.inf:
            heapq.heappush(self._heap, (ready, next(self._order), chat_key))
            self._wake.set()

    def _done_with_chat(self, chat_key: str) -> None:
        chat = self._chats.get(chat_key)
        if chat is None:
            return
        if chat.waiting:
            self._schedule(chat_key)
        else:
            del self._chats[chat_key]
        self._wake.set()

    # --- one message ------------------------------------------------------------
    async def _deliver(self, message: OutboxMessage) -> Delivered:
        """Carry out the row's operation, unless what it shows may no longer go out."""
        if message.operation == OutboxOperation.RETRACT:
            if not isinstance(self._messenger, RetractingMessenger):
                raise DeliveryBlocked(f"{self.platform} messages cannot be deleted")
            target = message.target
            if not await self._messenger.delete(target["chat_id"], target["message_id"]):
                raise DeliveryTransient("the platform did not delete the message")
            await self._outbox.retracted(message)
            self.stats.retracted += 1
            return Delivered.RETRACTED
        if await self._outbox.taken_down(message):  # a takedown came after the claim
            await self._outbox.withdraw(message.id)
            self.stats.withdrawn += 1
            await self._outcomes.failed(message, WITHDRAWN)  # a digest: not delivered
            return Delivered.HELD
        refusal = await self._gate.refusal(message) if self._gate is not None else None
        if refusal is not None:  # e.g. a cross-post whose author was banned there meanwhile
            self.stats.withheld += 1
            await self._outbox.failed(message.id, refusal)
            return Delivered.HELD
        reply = decode_reply(message.reply)
        target = {k: v for k, v in message.target.items() if k != EDITS}
        ref = message.target.get(EDITS)
        if ref is not None and isinstance(self._messenger, EditingMessenger):
            await self._messenger.edit_to(target, ref, reply)  # a job's status, say
        else:  # a platform whose messages cannot be edited gets it as a new message
            await self._messenger.send_to(target, reply)
        return Delivered.SENT

    async def _send(self, chat_key: str, message: OutboxMessage) -> None:
        group = message.group_chat
        counted = True
        released = False

        def release() -> None:
            """The chat's next message may go (and the slot is free): once per message."""
            nonlocal released
            if not released:
                released = True
                self._pacer.finished(chat_key, group, self._timer.now(), counted=counted)
                self._slots.release()
                self._done_with_chat(chat_key)

        try:
            outcome = await self._deliver(message)
            counted = outcome is not Delivered.HELD  # the platform saw nothing
        except DeliveryRetryAfter as wait:
            counted = False
            self.stats.retry_after += 1
            now = self._timer.now()
            if wait.whole_platform:
                self._pacer.hold_all(wait.seconds, now)
            self._pacer.hold(chat_key, wait.seconds, now)
            self._enqueue(message, front=True)  # scheduled again when this send lands
        except DestinationMoved as moved:
            self.stats.moved += 1
            self._enqueue(await self._outcomes.moved(message, moved.new_chat_id), front=True)
        except DeliveryBlocked as blocked:
            self.stats.blocked += 1
            await self._close_chat(chat_key, message, blocked.reason)
        except (DeliveryTransient, OSError, TimeoutError) as error:
            await self._transient(message, str(getattr(error, "reason", error)) or repr(error))
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a bug or an unknown failure: retried like a transient one
            log.exception("sending outbox message %s failed", message.id)
            await self._transient(message, repr(error))
        else:
            if outcome is Delivered.SENT:
                self.stats.sent += 1
                # The platform has it: the chat's next message (a job's preview after its
                # status edit) goes now, not after the bookkeeping's round trips. If this
                # process dies before they land, the message is sent again, as it would be
                # had it died a moment earlier.
                release()
                await self._mark_sent(message.id)
                await self._outcomes.sent(message)
        finally:
            release()

    async def _mark_sent(self, message_id: int) -> None:
        """Record it as sent, together with the others that land while the record before
        is being written (group commit: a burst of previews is a few UPDATEs, not one per
        message, and a lone message is recorded at once); returns once it is recorded, so
        a message stays in flight (`drain`) until then."""
        if self._marks is None:
            self._marks = []
            self._marking = asyncio.create_task(self._mark_together(self._marks, self._marking))
            self._markings.add(self._marking)
            self._marking.add_done_callback(self._markings.discard)
        self._marks.append(message_id)
        assert self._marking is not None
        await asyncio.shield(self._marking)

    async def _mark_together(self, ids: list[int], before: asyncio.Task[None] | None) -> None:
        if before is not None and not before.done():
            await asyncio.wait([before])  # marks that land meanwhile join this batch
        else:
            await asyncio.sleep(0)  # the sends that land in this turn of the loop join
        if self._marks is ids:
            self._marks = None  # from now on, a new batch
        await self._outbox.sent(*ids)

    async def _transient(self, message: OutboxMessage, reason: str) -> None:
        self.stats.transient += 1
        if message.attempts >= MAX_ATTEMPTS:
            self.stats.failed += 1
            await self._outbox.failed(message.id, reason)
            await self._outcomes.failed(message, reason)
            return
        await self._outbox.retry(message.id, backoff(message.attempts), reason)

    async def _close_chat(self, chat_key: str, message: OutboxMessage, reason: str) -> None:
        """A refusing chat: its waiting messages fail and its subscriptions pause. Messages
        claimed for it by the loop meanwhile (the outbox still held them as queued) are
        failed too, never sent."""
        self._closing[chat_key] = []
        try:
            await self._drop_chat(chat_key)
            await self._outcomes.blocked(message, reason)
        finally:
            for late in self._closing.pop(chat_key):
                await self._outbox.failed(late.id, reason)
                await self._outcomes.failed(late, reason)

    async def _drop_chat(self, chat_key: str) -> None:
        """Messages of a refused chat that were already claimed go back to the outbox, where
        `DeliveryOutcomes.blocked` fails them together with the rest."""
        chat = self._chats.get(chat_key)
        if chat is None:
            return
        while chat.waiting:
            waiting = chat.waiting.popleft()
            self._queued -= 1
            await self._outbox.retry(waiting.id, timedelta(0), "destination refused")
