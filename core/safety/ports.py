"""What trust and safety needs from the outside world, as ports the bot layer fills in.

`Notifier` tells a person something out of band (a moderator's decision about their post).
Core never learns which platform or client library does it. (Deleting the copies of a
taken-down post goes through the outbox: see `core/safety/takedown.py`.)
"""

from __future__ import annotations

from typing import Any, Protocol


class Notifier(Protocol):
    async def notify(self, account_id: int, key: str, /, **params: Any) -> None:
        """Tell the account (in its language) the message `key`; never raises."""


class SilentNotifier:
    """Until a platform messenger exists (tests of core alone): nobody is told."""

    async def notify(self, account_id: int, key: str, /, **params: Any) -> None:
        return None
