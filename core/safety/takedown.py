"""Taking a post down everywhere the bot already showed it.

Every message that showed the post is in `SentMessages`; each is deleted through the
platform's `Retractor`. A copy that could not be deleted (the platform was unreachable)
keeps its row, so a later takedown of the same post tries again.

Not paced yet: this calls the messengers directly. When the outbox lands, takedowns become
outbox rows like every other non-reply send.
"""

from __future__ import annotations

import logging

from core.chats import SentMessages
from core.safety.ports import Retractor

log = logging.getLogger(__name__)


class Takedown:
    def __init__(self, sent_messages: SentMessages, retractor: Retractor) -> None:
        self._sent = sent_messages
        self.retractor = retractor

    async def take_down(self, post_id: int) -> int:
        """Delete every known copy of the post; returns how many are gone."""
        gone = 0
        for copy in await self._sent.copies_of(post_id):
            try:
                removed = await self.retractor.retract(copy.platform, copy.chat_id, copy.message_id)
            except Exception:
                log.exception("could not retract %s message %s", copy.platform, copy.message_id)
                continue
            if removed:
                await copy.delete()
                gone += 1
        return gone
