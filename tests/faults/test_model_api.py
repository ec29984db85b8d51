"""Faults of the image model API, end to end: a person types `/imagine`, the job runs through
the real `openai` SDK against the local fake OpenAI server, and the server misbehaves.

Whatever it does — 429 with `retry-after`, 500s, an answer that never comes, a content-policy
refusal — the job ends (done, or failed with a reason that says what to do), the person is
told in their conversation, no job is left running or queued, and the daily quota counts
only pictures that were made. SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.bootstrap import App, build
from core.domain import JobState
from core.generation.openai_images import OpenAIImageProvider
from core.persistence.models import GenerationJob
from core.settings import Settings
from tests.support.chat import ChatUser
from tests.support.fake_openai import (
    GENERATIONS,
    Behaviour,
    FakeOpenAI,
    delayed,
    moderation_blocked,
    ok,
    rate_limited,
    server_error,
)
from tests.support.fakes import FakeModerator

RETRIES = 2  # the SDK's own retries (set from configuration in production)
QUOTA = 25


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as server:
        yield server
        assert server.violations == [], "every request was one the real API accepts"


@pytest.fixture
async def app(settings: Settings, fake: FakeOpenAI) -> AsyncIterator[App]:
    client = fake.client(max_retries=RETRIES, timeout=1.0)
    application = build(
        settings, provider=OpenAIImageProvider(client, "gpt-image-2"), moderator=FakeModerator()
    )
    await application.start(migrate=False)
    yield application
    await application.stop()


async def imagine(app: App, user: ChatUser, prompt: str) -> tuple[GenerationJob, str]:
    """Ask for a picture and wait until the job is over; its job and what the person saw."""
    await user.say(f"/imagine {prompt}")
    await app.notices.wait_for(app.notices.live_jobs(user.conversation))
    [job] = await GenerationJob.filter(prompt=prompt)
    shown = [r.text for r in user.conversation.sent] + [r.text for _, r in user.conversation.edits]
    return job, "\n".join(shown)


async def images_left(user: ChatUser) -> str:
    return await user.text("/quota")


async def test_a_429_with_retry_after_is_waited_out_and_the_picture_made(
    app: App, fake: FakeOpenAI
) -> None:
    fake.script(GENERATIONS, rate_limited(0.2), rate_limited(0.2), ok())
    alice = ChatUser(app, "alice")
    job, shown = await imagine(app, alice, "a fox in the snow")
    assert job.state is JobState.SUCCEEDED
    assert f"Job #{job.id} is done" in shown
    assert len(fake.calls_to(GENERATIONS)) == 3, "two 429s, then the answer"
    assert f"You have {QUOTA - 1} of {QUOTA} images left today." in await images_left(alice)


@pytest.mark.parametrize(
    ("fault", "calls"),
    [
        pytest.param(rate_limited(0.05), RETRIES + 1, id="429-throughout"),
        pytest.param(server_error(500, retry_after=0.05), RETRIES + 1, id="500-throughout"),
        pytest.param(server_error(503, retry_after=0.05), RETRIES + 1, id="503-throughout"),
        pytest.param(delayed(30), RETRIES + 1, id="no-answer"),
    ],
)
async def test_a_model_that_keeps_failing_fails_the_job_clearly_and_refunds(
    app: App, fake: FakeOpenAI, fault: Behaviour, calls: int
) -> None:
    fake.script(GENERATIONS, *[fault] * calls)
    alice = ChatUser(app, "alice")
    job, shown = await imagine(app, alice, "a fox at night")
    assert job.state is JobState.FAILED and job.error_key == "error.generation_failed"
    assert f"Job #{job.id} failed" in shown
    assert "busy or can't be reached right now" in shown
    assert "try again in a few minutes" in shown
    assert len(fake.calls_to(GENERATIONS)) == calls, "the SDK's retries, no more"
    assert f"You have {QUOTA} of {QUOTA} images left today." in await images_left(alice)

    # The model recovers: the next request works and counts.
    job, shown = await imagine(app, alice, "a fox at dawn")
    assert job.state is JobState.SUCCEEDED
    assert f"You have {QUOTA - 1} of {QUOTA} images left today." in await images_left(alice)


@pytest.mark.parametrize("stage", ["input", "output"])
async def test_a_content_policy_refusal_is_not_retried_and_refunded(
    app: App, fake: FakeOpenAI, stage: str
) -> None:
    fake.script(GENERATIONS, moderation_blocked(stage))
    alice = ChatUser(app, "alice")
    job, shown = await imagine(app, alice, "a fox doing something odd")
    assert job.state is JobState.FAILED
    assert job.error_key.startswith("error.generation_refused")
    assert f"Job #{job.id} failed" in shown and "content rules" in shown
    assert len(fake.calls_to(GENERATIONS)) == 1, "a refusal would be refused again"
    assert f"You have {QUOTA} of {QUOTA} images left today." in await images_left(alice)


async def test_no_job_is_left_behind_after_a_burst_of_faults(app: App, fake: FakeOpenAI) -> None:
    """Five people at once while the API answers 429, 500, nothing, a refusal and then OK:
    every job ends, each person hears about their own, the quota counts the successes."""
    fake.script(
        GENERATIONS,
        *[rate_limited(0.05)] * 3,
        *[server_error(500, retry_after=0.05)] * 3,
        moderation_blocked(),
    )
    people = [ChatUser(app, f"person{n}") for n in range(5)]
    for n, person in enumerate(people):
        await person.say(f"/imagine burst picture {n}")
    for person in people:
        await app.notices.wait_for(app.notices.live_jobs(person.conversation))
    jobs = await GenerationJob.all().order_by("id")
    assert len(jobs) == 5
    assert {job.state for job in jobs} <= {JobState.SUCCEEDED, JobState.FAILED}
    assert sum(job.state is JobState.FAILED for job in jobs) >= 2
    for n, person in enumerate(people):
        [job] = [j for j in jobs if j.prompt == f"burst picture {n}"]
        shown = "\n".join(r.text for _, r in person.conversation.edits)
        outcome = "is done" if job.state is JobState.SUCCEEDED else "failed"
        assert f"Job #{job.id} {outcome}" in shown, shown
        left = QUOTA - (job.state is JobState.SUCCEEDED)
        assert f"You have {left} of {QUOTA} images left today." in await images_left(person)
