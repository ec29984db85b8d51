"""The whole app with its images in a real S3 server (SeaweedFS), end to end.

With `MOSAIC_STORAGE_URL` set, /imagine's preview lands in the object store; after the local
folder is wiped (as on a second machine, which never had the files), posting the image, a
digest's collage and the web's image pages all read it back from the store.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.bootstrap import App, build, object_store
from core.clock import FakeClock
from core.settings import Settings
from core.storage import ObjectStore
from tests.commands.test_generation_commands import imagine
from tests.digests.helpers import dm_user
from tests.support.chat import ChatUser, find_button
from tests.support.fakes import FakeModerator, FakeProvider
from tests.support.object_store import S3Server
from tests.web.support import start_site

pytestmark = pytest.mark.slow  # starts SeaweedFS


@pytest.fixture
def settings(
    tmp_path: Path, database_url: str, s3_server: S3Server, s3_storage_url: str
) -> Settings:
    return Settings(
        MOSAIC_DATA_DIR=tmp_path / "data",
        MOSAIC_DATABASE_URL=database_url,
        MOSAIC_FEED_EXPLORE_SHARE=0,
        **s3_server.storage_env(s3_storage_url),  # type: ignore[arg-type]
        _env_file=None,
    )


@pytest.fixture
def bucket(settings: Settings) -> ObjectStore:
    """A client of our own on the same bucket and prefix, to look inside the store."""
    store = object_store(settings)
    assert store is not None
    return store


@pytest.fixture
async def web(app: App) -> AsyncIterator[str]:
    site = await start_site(app)
    yield site.url
    await site.role.stop()


def wipe_local_images(settings: Settings) -> None:
    """What a process on another machine has: no image files at all."""
    shutil.rmtree(settings.images_dir)


async def test_images_previews_posts_collages_and_web_pages_come_from_the_object_store(
    app: App, settings: Settings, bucket: ObjectStore, web: str
) -> None:
    alice, bob = ChatUser(app, "alice"), dm_user(app, "bob")
    await alice.say("/help")
    await bob.say("/follow alice")
    _, preview = await imagine(app, alice, "/imagine a lighthouse at dawn")
    (picture,) = preview.images
    sha = picture.path.stem
    key = f"{sha[:2]}/{picture.path.name}"
    stored = await bucket.get(key)
    assert stored == picture.path.read_bytes()

    wipe_local_images(settings)
    choose = await alice.press(find_button([preview], "publish"))
    posted = await alice.press(find_button(choose, "publish"))  # 🌍 Everyone
    assert posted[0].title == "#1 by @alice (public)"
    assert posted[0].images[0].path.read_bytes() == stored  # fetched back from the store
    assert await bucket.exists(f"thumbs/{sha[:2]}/{sha}.webp")

    (digest,) = await bob.say("/digest preview")
    collage = digest.images[0].path
    assert collage.stem != sha
    assert await bucket.get(f"{collage.stem[:2]}/{collage.name}") == collage.read_bytes()

    wipe_local_images(settings)
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{web}/i/{sha}") as response:
            assert response.status == 200
            assert await response.read() == stored
        async with http.get(f"{web}/t/{sha}") as response:
            assert response.status == 200
            assert await response.read() == await bucket.get(f"thumbs/{sha[:2]}/{sha}.webp")


async def test_a_store_that_cannot_be_reached_fails_the_job_with_one_clear_message(
    settings: Settings,
    clock: FakeClock,
    provider: FakeProvider,
    moderator: FakeModerator,
    local_embedder_loaded: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    unreachable = settings.model_copy(update={"aws_endpoint_url": "http://127.0.0.1:9"})
    application = build(unreachable, clock=clock, provider=provider, moderator=moderator)
    await application.start(migrate=False)
    try:
        alice = ChatUser(application, "alice")
        sent = await imagine(application, alice, "/imagine a storm")
        assert sent[0].text.startswith("🎨 Job #1 is queued")
        final = alice.conversation.edits[-1][1]
        assert final.is_error and "can't reach the image storage" in final.text
        assert "25 of 25" in await alice.text("/quota")  # refunded
    finally:
        await application.stop()
    [line] = [r.getMessage() for r in caplog.records if r.name == "core.storage_s3"]
    assert " at http://127.0.0.1:9: head " in line and " failed: GenericError: " in line
    secret = settings.aws_secret_access_key
    assert secret is not None and secret.get_secret_value() not in caplog.text
