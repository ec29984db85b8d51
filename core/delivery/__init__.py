"""Delivery of messages that are not replies: a persistent outbox, pacing, neutral errors.

The outbox (`Outbox`) is written before anything is sent; the paced sender in `scheduler/`
claims its rows, asks the platform's `Messenger` to send them, and records the outcome.
Adapters translate their platform's failures into the errors in `errors.py`.
"""

from core.delivery.errors import (
    DeliveryBlocked,
    DeliveryError,
    DeliveryRetryAfter,
    DeliveryTransient,
    DestinationMoved,
)
from core.delivery.outbox import Outbox, OutboxItem, chat_key_for, retraction, shown_posts
from core.delivery.pacing import PaceLimits, Pacer, TokenBucket

__all__ = [
    "DeliveryBlocked",
    "DeliveryError",
    "DeliveryRetryAfter",
    "DeliveryTransient",
    "DestinationMoved",
    "Outbox",
    "OutboxItem",
    "PaceLimits",
    "Pacer",
    "TokenBucket",
    "chat_key_for",
    "retraction",
    "shown_posts",
]
