"""/imagine and friends through the command layer, with a fake image provider."""

from __future__ import annotations

import asyncio

import pytest

from bot.bootstrap import App
from core.domain import JobState
from core.generation import GenerationFailed
from core.generation.jobs import JobKind
from core.persistence.models import GenerationJob, Post
from tests.support.chat import ChatUser, find_button
from tests.support.fakes import FakeModerator, FakeProvider


async def finish(app: App, user: ChatUser) -> None:
    await asyncio.wait_for(app.notices.wait_for(app.notices.live_jobs(user.conversation)), 10)


async def imagine(app: App, user: ChatUser, line: str) -> list:
    """Run an /imagine line, wait for the job, return what was sent after the status."""
    before = len(user.conversation.sent)
    assert await user.say(line) == []
    await finish(app, user)
    return user.conversation.sent[before:]


async def test_imagine_preview_post_and_follower_sees_it(app: App, provider: FakeProvider) -> None:
    alice, bob = ChatUser(app, "alice"), ChatUser(app, "bob")
    await alice.say("/help")
    await bob.say("/follow alice")
    sent = await imagine(app, alice, "/imagine a lighthouse at dawn --count 2 --size landscape")
    status, preview = sent
    assert status.text.startswith("🎨 Job #1 is queued (position 1)")
    assert alice.conversation.edits[-1][1].text.startswith("✅ Job #1 is done")
    assert preview.private and len(preview.images) == 2
    assert all(image.path.exists() for image in preview.images)
    assert preview.footer.startswith("AI-generated (fake)")
    kind, prompt, options = provider.calls[0]
    assert (kind, prompt, options.count, options.size) == (
        "generate",
        "a lighthouse at dawn",
        2,
        "1536x1024",
    )
    labels = [b.label for row in preview.buttons for b in row]
    assert labels[:2] == ["📢 Post 1", "📢 Post 2"]
    assert all(b.owner_only for row in preview.buttons for b in row)

    # nothing is public before posting
    assert await Post.all().count() == 0
    choose = await alice.press(find_button([preview], "publish"))
    posted = await alice.press(find_button(choose, "publish"))  # first: 🌍 Everyone
    assert posted[0].title == "#1 by @alice (public)"
    assert "AI-generated (fake)" in posted[0].footer
    assert "Prompt: a lighthouse at dawn" in posted[0].text
    feed = await bob.say("/feed")
    assert feed[0].title == "#1 by @alice (public)"
    again = await alice.press(find_button(choose, "publish"))
    assert "already posted this image as #1" in again[0].text


async def test_a_stranger_cannot_press_preview_buttons(app: App) -> None:
    alice, mallory = ChatUser(app, "alice"), ChatUser(app, "mallory")
    _, preview = await imagine(app, alice, "/imagine a red fox")
    refused = await mallory.press(find_button([preview], "publish"))
    assert refused[0].is_error and "someone else's" in refused[0].text
    assert await Post.all().count() == 0


async def test_flagged_prompt_makes_no_image_call(
    app: App, provider: FakeProvider, moderator: FakeModerator
) -> None:
    alice = ChatUser(app, "alice")
    reply = await alice.say("/imagine something forbidden")
    assert reply[0].is_error and "breaks the content rules" in reply[0].text
    assert moderator.calls == ["something forbidden"]
    assert provider.calls == []
    assert await GenerationJob.all().count() == 0
    assert "25 of 25" in await alice.text("/quota")


async def test_failures_refund_and_say_why(app: App, provider: FakeProvider) -> None:
    provider.error = GenerationFailed()
    alice = ChatUser(app, "alice")
    sent = await imagine(app, alice, "/imagine a storm")
    assert sent[0].text.startswith("🎨 Job #1 is queued")
    final = alice.conversation.edits[-1][1]
    assert final.is_error and "busy or can't be reached" in final.text
    assert "25 of 25" in await alice.text("/quota")


async def test_queue_and_cancel(app: App, provider: FakeProvider) -> None:
    provider.gate = asyncio.Event()
    alice = ChatUser(app, "alice")
    await alice.say("/imagine first")
    await asyncio.wait_for(provider.started.wait(), 5)
    await alice.say("/imagine second --count 3")
    queue = await alice.text("/queue")
    assert "Job #1 is generating" in queue and "Job #2 is queued (position 1)" in queue
    assert "21 of 25" in await alice.text("/quota")
    assert "Job #2 is cancelled" in await alice.text("/cancel 2")
    assert "has already ended" in await alice.text("/cancel 2")
    assert "24 of 25" in await alice.text("/quota")
    provider.gate.set()
    await finish(app, alice)
    assert (await GenerationJob.get(id=2)).state is JobState.CANCELLED
    assert len(provider.calls) == 1


async def test_remix_credits_the_parent_and_respects_no_remix(app: App) -> None:
    alice, bob = ChatUser(app, "alice"), ChatUser(app, "bob")
    _, preview = await imagine(app, alice, "/imagine a castle")
    choose = await alice.press(find_button([preview], "publish"))
    await alice.press(find_button(choose, "publish"))
    _, remixed = await imagine(app, bob, "/remix 1 the castle in winter")
    choose = await bob.press(find_button([remixed], "publish"))
    post = await bob.press(find_button(choose, "publish"))
    assert "remix of #1 by @alice" in post[0].footer
    assert (await Post.get(id=2)).remix_of_id == 1

    assert "can no longer be remixed" in await alice.text("/remixable 1 off")
    refused = await bob.text("/remix 1 again")
    assert "doesn't allow remixes of post #1" in refused


@pytest.mark.parametrize("count", [1, 4])
async def test_vary_and_reroll_make_new_jobs(app: App, provider: FakeProvider, count: int) -> None:
    alice = ChatUser(app, "alice")
    _, preview = await imagine(app, alice, f"/imagine a koi pond --count {count}")
    await alice.press(find_button([preview], "vary"))
    await finish(app, alice)
    await alice.press(find_button([preview], "reroll"))
    await finish(app, alice)
    kinds = [call[0] for call in provider.calls]
    assert kinds == ["generate", "edit", "generate"]
    assert provider.calls[2][2].seed != provider.calls[0][2].seed


async def test_a_variation_of_a_picture_deleted_meanwhile_fails_clearly_and_refunds(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    """The fuzzer found it: a vary/remix job whose source image was deleted while it waited
    crashed in the worker ("error id …"); it now fails with what happened and what to do."""
    alice = ChatUser(app, "alice")
    _, preview = await imagine(app, alice, "/imagine a koi pond")
    for image in preview.images:
        image.path.unlink()
    before = await alice.text("/quota")
    await alice.press(find_button([preview], "vary"))
    await finish(app, alice)
    job = await GenerationJob.filter(kind=JobKind.VARY).get()
    assert job.state == JobState.FAILED and job.error_key == "error.job_source_gone"
    told = [sent.text for sent in alice.conversation.sent] + [
        edit.text for _, edit in alice.conversation.edits
    ]
    assert any("has been deleted, so there is nothing to vary or remix" in text for text in told)
    assert await alice.text("/quota") == before  # refunded
    assert "crashed" not in caplog.text
