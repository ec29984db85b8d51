"""Ending background tasks: cancel, wait a bounded time, never swallow our own cancellation.

Python 3.11+ counts cancellations (`Task.cancelling()`): code that catches `CancelledError`
must re-raise it unless it cancelled the task itself. `stop_tasks` cancels the tasks it was
given and waits for them with `asyncio.wait`, which never raises their `CancelledError` into
the caller; if the caller is being cancelled meanwhile, that cancellation propagates. A task
that ignores its cancellation is named in the log and left behind instead of hanging the stop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

log = logging.getLogger(__name__)

__all__ = ["STOP_TIMEOUT", "stop_tasks"]

STOP_TIMEOUT = 3.0  # seconds a background task gets to end after its cancellation


async def stop_tasks(
    tasks: Iterable[asyncio.Task[object] | None], *, grace: float = STOP_TIMEOUT
) -> None:
    """Cancel `tasks` and wait up to `grace` seconds for all of them to end."""
    pending = {task for task in tasks if task is not None and not task.done()}
    for task in pending:
        task.cancel()
    if not pending:
        return
    ended, stuck = await asyncio.wait(pending, timeout=grace)
    for task in ended:
        if not task.cancelled() and task.exception() is not None:
            log.error("task %s failed as it stopped", task.get_name(), exc_info=task.exception())
    for task in stuck:
        log.error("task %s did not end %.1f s after it was cancelled", task.get_name(), grace)
