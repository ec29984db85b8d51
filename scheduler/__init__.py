"""The background side of Mosaic: the scheduler leader, digest runs, and running the paced
outbox senders (which live in `core.delivery.sender`).

The only package besides `bot/bootstrap.py` that imports APScheduler. Schedules live in our
tables; APScheduler only fires one "tick" job (see `service.py`).
"""

from scheduler.cron import CronNextRun
from scheduler.digests import DigestRunner
from scheduler.housekeeping import Housekeeping
from scheduler.leader import (
    FileLock,
    Leadership,
    NeverLeads,
    PostgresAdvisoryLock,
    SingleProcess,
)
from scheduler.notifications import NotificationFlusher
from scheduler.service import Scheduler

__all__ = [
    "CronNextRun",
    "DigestRunner",
    "FileLock",
    "Housekeeping",
    "Leadership",
    "NeverLeads",
    "NotificationFlusher",
    "PostgresAdvisoryLock",
    "Scheduler",
    "SingleProcess",
]
