"""Telling requesters how their generation jobs go: one status message edited in place, then
a private preview with buttons.

While the conversation that started a job is alive (same process, same interaction), the
status message is edited and the preview sent there. Otherwise (after a restart, or once a
Discord interaction token expired) the platform's `Messenger` delivers to the job's saved
`reply_target`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic

from bot.commands.buttons import tokenize, tokenize_unstored
from core.button_tokens import ActionTokens, Unstored
from core.clock import Clock, SystemClock
from core.delivery import DestinationMoved
from core.delivery.messengers import Messengers, QueuedMessenger
from core.delivery.ports import Conversation, EditingMessenger, EditTokens, Handle, Messenger
from core.delivery.replies import Button, ButtonStyle, ImageRef, Reply
from core.delivery.replies import TextInput as AskText
from core.domain import JobState, Platform
from core.generation import status_tokens
from core.generation.jobs import EDITED_JOB, STATUS_MESSAGE, cancel_button
from core.i18n import translate
from core.images import ImageStore
from core.persistence.models import GenerationJob
from core.user_text import PROMPT_MAX

log = logging.getLogger(__name__)


# How long a status message is edited live by the process that showed it. A job that another
# process finished (a workers process) never comes back here: its entry is dropped after
# this, instead of being kept for the life of the process; a job still running then is
# announced through the messenger, which edits the saved status message.
LIVE_FOR = timedelta(hours=1)


@dataclass(slots=True)
class _Live(Generic[Handle]):
    conversation: Conversation[Handle]
    handle: Handle
    since: datetime
    done: asyncio.Event = field(default_factory=asyncio.Event)


def job_language(job: GenerationJob, fallback: str = "en") -> str:
    return job.reply_target.get("language") or fallback


def status_reply(
    language: str, job: GenerationJob, *, position: int = 0, elapsed: float = 0.0
) -> Reply:
    def t(key: str, **params: object) -> str:
        return translate(language, key, **params)

    prompt = job.prompt if len(job.prompt) <= 200 else job.prompt[:199] + "…"
    # Its token may be stored by the job's INSERT already (`GenerationJobs.tokens_saved_with`).
    cancel = ((Button(t("button.cancel"), *cancel_button(job), owner_only=True),),)
    if job.state is JobState.QUEUED:
        text = t("job.queued", job=job.id, prompt=prompt, position=position)
        return Reply(text=text, buttons=cancel, private=True)
    if job.state is JobState.RUNNING:
        text = t("job.running", job=job.id, prompt=prompt, seconds=int(elapsed))
        return Reply(text=text, buttons=cancel, private=True)
    if job.state is JobState.SUCCEEDED:
        return Reply(text=t("job.done", job=job.id, prompt=prompt), private=True)
    if job.state is JobState.CANCELLED:
        return Reply(text=t("job.cancelled", job=job.id), private=True)
    reason = t(job.error_key or "error.generic", **job.error_params)
    return Reply(text=t("job.failed", job=job.id, reason=reason), private=True, is_error=True)


def preview_reply(language: str, job: GenerationJob, images: ImageStore) -> Reply:
    def t(key: str, **params: object) -> str:
        return translate(language, key, **params)

    count = len(job.result_images)
    refs = tuple(ImageRef(images.path(sha), alt=job.prompt[:200]) for sha in job.result_images)
    numbered = count > 1

    def label(key: str, index: int) -> str:
        return t(key) + (f" {index + 1}" if numbered else "")

    post_row = tuple(
        Button(
            label("button.post", i),
            "publish",
            {"job": job.id, "image": i + 1},
            owner_only=True,
            style=ButtonStyle.PRIMARY,
        )
        for i in range(count)
    )
    vary_row = tuple(
        Button(label("button.vary", i), "vary", {"job": job.id, "image": i + 1}, owner_only=True)
        for i in range(count)
    )
    remix_prompt = AskText("prompt", t("button.remix_prompt"), PROMPT_MAX)
    last_row = (
        Button(t("button.reroll"), "reroll", {"job": job.id}, owner_only=True),
        Button(
            t("button.remix"),
            "vary",
            {"job": job.id, "image": 1},
            owner_only=True,
            text_input=remix_prompt,
        ),
        Button(
            t("button.discard"),
            "discard",
            {"job": job.id},
            owner_only=True,
            style=ButtonStyle.DANGER,
        ),
    )
    provider = job.provider or "?"
    return Reply(
        title=t("preview.title", job=job.id),
        text=t("preview.text", prompt=job.prompt),
        images=refs,
        footer=t("preview.footer", provider=provider),
        buttons=(post_row, vary_row, last_row),
        private=True,
    )


class JobNotices:
    """The `JobObserver` of the generation worker, for every platform."""

    def __init__(
        self,
        tokens: ActionTokens,
        images: ImageStore,
        messengers: Messengers | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._tokens = tokens
        self._images = images
        self._messengers = messengers if messengers is not None else Messengers()
        self._clock = clock or SystemClock()
        self._live: dict[int, _Live[Any]] = {}  # oldest first

    def add_messenger(self, platform: Platform, messenger: Messenger) -> None:
        self._messengers.add(platform, messenger)

    def attach(self, job_id: int, conversation: Conversation[Handle], handle: Handle) -> None:
        """The status message of `job_id` lives in `conversation`; edit it there."""
        now = self._clock.now()
        while self._live:  # forget the oldest, finished elsewhere or long running (LIVE_FOR)
            oldest = next(iter(self._live))
            if now - self._live[oldest].since < LIVE_FOR:
                break
            self._live.pop(oldest).done.set()
        self._live.pop(job_id, None)
        self._live[job_id] = _Live(conversation, handle, now)

    async def wait_for(self, job_ids: list[int]) -> None:
        """Until these jobs (the live ones) are finished and announced."""
        waits = [self._live[j].done.wait() for j in job_ids if j in self._live]
        if waits:
            await asyncio.gather(*waits)

    def live_jobs(self, conversation: Conversation) -> list[int]:
        return [j for j, live in self._live.items() if live.conversation is conversation]

    # JobObserver ---------------------------------------------------------
    async def job_started(self, job: GenerationJob) -> None:
        await self._edit_status(job, status_reply(job_language(job), job))

    async def job_running(self, job: GenerationJob, elapsed_seconds: float) -> None:
        await job.refresh_from_db(fields=["state"])
        if job.state is JobState.RUNNING:
            await self._edit_status(
                job, status_reply(job_language(job), job, elapsed=elapsed_seconds)
            )

    async def job_finished(self, job: GenerationJob) -> None:
        language = job_language(job)
        live = self._live.pop(job.id, None)
        try:
            replies = [status_reply(language, job)]
            if job.state is JobState.SUCCEEDED:
                replies.append(preview_reply(language, job, self._images))
            if live is not None:
                await live.conversation.edit(live.handle, await self._ready(replies[0], job))
                for reply in replies[1:]:
                    await live.conversation.send(await self._ready(reply, job))
                if isinstance(live.conversation, EditTokens):  # its token is of no more use
                    await status_tokens.forget(job.id)
            else:
                await self._deliver_later(job, replies)
        finally:
            if live is not None:
                live.done.set()

    async def settle(self, job: GenerationJob) -> None:
        """A job ended outside the worker (cancelled): update its live status message only."""
        live = self._live.pop(job.id, None)
        if live is not None:
            try:
                reply = status_reply(job_language(job), job)
                await live.conversation.edit(live.handle, await self._ready(reply, job))
            finally:
                live.done.set()

    # ----------------------------------------------------------------------
    async def _ready(self, reply: Reply, job: GenerationJob) -> Reply:
        return await tokenize(reply, self._tokens, job.requester_id)

    async def _edit_status(self, job: GenerationJob, reply: Reply) -> None:
        live = self._live.get(job.id)
        if live is not None:
            await live.conversation.edit(live.handle, await self._ready(reply, job))

    async def _deliver_later(self, job: GenerationJob, replies: list[Reply]) -> None:
        """Through the platform's messenger: the status message is edited where it is known
        (`STATUS_MESSAGE`, saved by the process that showed it, maybe after this worker
        claimed the job) and the messenger can edit; everything else is sent. `job` is the
        row as its last change left it (the worker's `job_finished` contract: the finishing
        UPDATE's RETURNING, or a re-read), so its target holds that status message. The
        replies' button tokens are stored with them (the outbox's one statement) or before
        they are sent."""
        messenger = self._messengers.get(Platform(job.origin_platform))
        if messenger is None or not job.reply_target:
            log.warning(
                "job %s finished but nobody can reach its requester on %s",
                job.id,
                job.origin_platform,
            )
            return
        target = dict(job.reply_target)
        status = target.pop(STATUS_MESSAGE, None)
        if not isinstance(messenger, EditingMessenger):
            status = None  # the status is sent anew
        # An edit names its job: a secret it needs may be kept with it (`status_tokens`).
        edited = {**target, EDITED_JOB: str(job.id)} if status is not None else target
        if isinstance(messenger, QueuedMessenger):  # all in one outbox insert, tokens too
            new: Unstored = {}
            ready = []
            for reply in replies:
                tokenized, issued = tokenize_unstored(reply, self._tokens, job.requester_id)
                ready.append(tokenized)
                new |= issued
            first, *rest = ready
            messages = [(edited, first, status)] + [(target, r, None) for r in rest]
            await messenger.queue_all(messages, tokens=new)
            self._tokens.stored(new)
            return
        for reply in [await self._ready(r, job) for r in replies]:
            edit, status = status, None  # only the first reply is the status
            where = edited if edit is not None else target
            try:
                await self._reach(messenger, where, reply, edit)
            except DestinationMoved as moved:  # a Telegram group became a supergroup meanwhile
                target["chat_id"] = moved.new_chat_id
                where = {**target, EDITED_JOB: str(job.id)} if edit is not None else target
                await self._reach(messenger, where, reply, edit)

    @staticmethod
    async def _reach(
        messenger: Messenger, target: dict[str, str], reply: Reply, edit: str | None
    ) -> None:
        if edit is not None and isinstance(messenger, EditingMessenger):
            await messenger.edit_to(target, edit, reply)
        else:
            await messenger.send_to(target, reply)
