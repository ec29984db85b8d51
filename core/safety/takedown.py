"""Taking a post down everywhere the bot already showed it, through the outbox.

    take_down(post) ─► waiting messages that show it (digests, notices) are withdrawn
                   ─► one `retract` outbox row per known copy (`SentMessages.copies_of`:
                      feeds, previews, posts, digests that showed it among others)
                   ─► the platforms' paced senders delete them like any other send

A withdrawn digest's run counts as not delivered, so its other pictures may come in a
later digest. A copy is forgotten only once its platform confirmed the deletion; a copy
whose deletion kept failing stays recorded, and the next takedown of the post queues it
again. A message claimed for sending before the takedown is checked again just before it
goes out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from core.delivery import Outbox
from core.delivery.sent_messages import SentMessages
from core.digests.runs import DigestRuns
from core.domain import Platform
from core.persistence.unit_of_work import TortoiseUnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

Wake = Callable[[Platform], None]
WITHDRAWN = "digest.reason.withdrawn"


def _no_wake(platform: Platform) -> None:
    return None


class Takedown:
    def __init__(
        self,
        sent_messages: SentMessages,
        outbox: Outbox,
        wake: Wake = _no_wake,
        runs: DigestRuns | None = None,
        units: UnitOfWorkFactory = TortoiseUnitOfWork,
    ) -> None:
        self._sent = sent_messages
        self._outbox = outbox
        self._wake = wake
        self._runs = runs
        self._units = units

    async def take_down(self, post_id: int) -> int:
        """Withdraw what still waits to show the post and queue the deletion of every
        copy; returns how many copies are queued for deletion. In the caller's unit of
        work when there is one (a moderator's delete: the post goes with its takedown)."""
        async with self._units() as unit:
            withdrawn = await self._outbox.withdraw_showing({post_id})
            for message in withdrawn:  # its other pictures may come in a later digest
                if message.run_id is not None and self._runs is not None:
                    await self._runs.not_delivered(message.run_id, WITHDRAWN)
            copies = await self._sent.copies_of(post_id)
            for platform in await self._outbox.retract(copies):
                unit.after_commit(partial(self._wake_sender, platform))
        if withdrawn or copies:
            log.info(
                "post %s taken down: %d copies to delete, %d messages withdrawn",
                post_id,
                len(copies),
                len(withdrawn),
            )
        return len(copies)

    async def _wake_sender(self, platform: Platform) -> None:
        self._wake(platform)
