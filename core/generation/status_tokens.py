"""The token that lets another process edit a job's status message (Discord's interaction
token: a secret, valid 15 minutes from the command).

The process that showed the status keeps the token with the job
(`GenerationJobs.remember_status`); the process that
sends the platform uses it for a status edit queued by a workers-only process (`usable`),
and it is removed after the job's last status edit (`forget`), or by the housekeeping once
it has expired (`forget_expired`). It is never logged and never part of a target, a ref or
an outbox row: those name the job, and the token is looked up when the edit is made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core.domain import JobState
from core.persistence.models import GenerationJob

ENDED = (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)


@dataclass(frozen=True, slots=True)
class StatusToken:
    value: str = field(repr=False)  # the secret
    job_ended: bool  # the edit being made is the job's last: forget the token after it


async def usable(job_id: int, now: datetime) -> StatusToken | None:
    """The job's token if it is still valid at `now`; an expired one is removed."""
    rows = await GenerationJob.filter(id=job_id, status_token__isnull=False).values_list(
        "status_token", "status_token_until", "state"
    )
    if not rows:
        return None
    token, until, state = rows[0]
    if until is None or until <= now:
        await forget(job_id)
        return None
    return StatusToken(token, JobState(state) in ENDED)


async def forget(job_id: int) -> None:
    await GenerationJob.filter(id=job_id, status_token__isnull=False).update(
        status_token=None, status_token_until=None
    )


async def forget_expired(now: datetime) -> int:
    """Remove every token that has expired (the housekeeping)."""
    return await GenerationJob.filter(status_token_until__lte=now).update(
        status_token=None, status_token_until=None
    )
