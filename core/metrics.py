"""What an operator measures: the port the services report to, and the queue gauges.

Core reports through `MetricsRecorder` and never imports a metrics library; the composition
root injects the Prometheus recorder (`bot.metrics`) when MOSAIC_METRICS_LISTEN is set, else
`NO_METRICS`, which drops everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from core.clock import Clock
from core.domain import JobState, OutboxState, Platform
from core.persistence.models import GenerationJob, OutboxMessage


class MetricsRecorder(Protocol):
    def command_handled(self, role: str, command: str, seconds: float) -> None:
        """A command was answered (or failed) in `seconds`; `role` is the platform role."""

    def job_generated(self, wait_seconds: float, generation_seconds: float) -> None:
        """A generation job waited `wait_seconds` in the queue and ran `generation_seconds`."""

    def queue_sampled(self, sample: QueueSample) -> None:
        """The job queue and the outbox as they stand now (`QueueGauges.sample`)."""


class NoMetrics:
    def command_handled(self, role: str, command: str, seconds: float) -> None:
        return None

    def job_generated(self, wait_seconds: float, generation_seconds: float) -> None:
        return None

    def queue_sampled(self, sample: QueueSample) -> None:
        return None


NO_METRICS: MetricsRecorder = NoMetrics()


@dataclass(frozen=True, slots=True)
class QueueSample:
    jobs_queued: int
    oldest_job_wait_seconds: float  # 0 when nothing waits
    outbox_lag_seconds: dict[Platform, float]  # age of the oldest due pending message


class QueueGauges:
    """Reads the shared queues from the database: the same figures in every process."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    async def sample(self) -> QueueSample:
        now = self._clock.now()
        queued = GenerationJob.filter(state=JobState.QUEUED)
        depth = await queued.count()
        oldest_job = await queued.order_by("created_at").first().values_list("created_at")
        lag: dict[Platform, float] = {}
        for platform in Platform:
            due = (
                await OutboxMessage.filter(
                    platform=platform, state=OutboxState.PENDING, next_attempt_at__lte=now
                )
                .order_by("next_attempt_at")
                .first()
                .values_list("next_attempt_at")
            )
            lag[platform] = _age(now, due[0] if due else None)
        return QueueSample(depth, _age(now, oldest_job[0] if oldest_job else None), lag)


def _age(now: datetime, since: datetime | None) -> float:
    return max(0.0, (now - since).total_seconds()) if since is not None else 0.0
