"""What the command layer uses of image generation, in one place."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from datetime import datetime

from core.errors import InvalidInput
from core.generation.jobs import GenerationJobs
from core.generation.previews import Previews
from core.generation.quota import Quotas
from core.persistence.models import GenerationJob


class Generation:
    def __init__(
        self,
        jobs: GenerationJobs,
        quotas: Quotas,
        styles: Collection[str],
        wake_workers: Callable[[], None],
        previews: Previews,
        *,
        wake_elsewhere: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.jobs = jobs
        self.previews = previews
        self.quotas = quotas
        self.styles = styles
        self._wake = wake_workers
        self._wake_elsewhere = wake_elsewhere

    async def answered(
        self, job: GenerationJob, ref: str | None, *, token: tuple[str, datetime] | None = None
    ) -> None:
        """The job's status message was shown: remember it (`ref`, when another process can
        edit it) and wake the workers (`wake`). On PostgreSQL the wake-up of the other
        processes rides on the statement that remembers it (one round trip less)."""
        if ref is None:
            await self.wake()
            return
        elsewhere = self._wake_elsewhere is not None
        await self.jobs.remember_status(job, ref, token=token, wake_workers_elsewhere=elsewhere)
        self._wake()

    async def wake(self) -> None:
        """A job was queued and its answer given (its status message remembered): let an idle
        worker pick it up now rather than at its next poll, in this process and (PostgreSQL,
        `wake_elsewhere`) in the others. Not earlier: a worker elsewhere that finished the job
        before its status message was remembered would send the result anew, not edit it."""
        self._wake()
        if self._wake_elsewhere is not None:
            await self._wake_elsewhere()

    def check_style(self, style: str | None) -> None:
        if style is not None and style not in self.styles:
            raise InvalidInput(
                "error.bad_choice", value=style[:40], choices=", ".join(sorted(self.styles))
            )
