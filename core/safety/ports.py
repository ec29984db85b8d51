"""What trust and safety needs from the outside world, as ports the bot layer fills in.

`Notifier` tells a person something out of band (a moderator's decision about their post);
`Retractor` deletes a message the bot sent earlier (a takedown). Core never learns which
platform or client library does it.
"""

from __future__ import annotations

from typing import Any, Protocol

from core.domain import Platform


class Notifier(Protocol):
    async def notify(self, account_id: int, key: str, /, **params: Any) -> None:
        """Tell the account (in its language) the message `key`; never raises."""


class Retractor(Protocol):
    async def retract(self, platform: Platform, chat_id: str, message_id: str) -> bool:
        """Delete a message the bot sent; True when it is gone (or was gone already)."""


class SilentNotifier:
    """Until a platform messenger exists (tests of core alone): nobody is told."""

    async def notify(self, account_id: int, key: str, /, **params: Any) -> None:
        return None


class NoRetractor:
    async def retract(self, platform: Platform, chat_id: str, message_id: str) -> bool:
        return False
