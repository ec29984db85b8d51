"""What can go wrong when sending to a platform, in words every adapter can use.

A `Messenger` raises these instead of its library's exceptions, so the outbox sender can
decide what to do without knowing the platform:

- `DeliveryRetryAfter(seconds)`: the platform asked us to slow down; wait, then try again.
- `DeliveryTransient(reason)`: a timeout or a 5xx; try again later with backoff.
- `DeliveryBlocked(reason)`: the bot was blocked, kicked, or the chat is gone; never retry,
  pause the destination and tell its subscribers.
- `DestinationMoved(new_chat_id)`: the chat has a new id (a Telegram group that became a
  supergroup); move the destination and send there.
"""

from __future__ import annotations


class DeliveryError(Exception):
    """A message could not be delivered (this time)."""


class DeliveryRetryAfter(DeliveryError):
    def __init__(self, seconds: float, *, whole_platform: bool = False) -> None:
        super().__init__(f"retry after {seconds:g} s")
        self.seconds = max(0.0, float(seconds))
        self.whole_platform = whole_platform  # a global limit, not this chat's


class DeliveryTransient(DeliveryError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason[:200]


class DeliveryBlocked(DeliveryError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason[:200]


class DestinationMoved(DeliveryError):
    def __init__(self, new_chat_id: str) -> None:
        super().__init__(f"moved to {new_chat_id}")
        self.new_chat_id = str(new_chat_id)
