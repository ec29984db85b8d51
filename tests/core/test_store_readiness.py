"""/healthz is ready only while the object store answers (issue #19, part 6): a real S3
server (SeaweedFS of this test's own, since it is stopped) goes down and comes back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.bootstrap import build, build_operator_endpoints, object_store
from bot.metrics import PrometheusMetrics
from core.settings import Settings
from core.storage import READY_KEY
from tests.commands.test_operator_endpoints import get
from tests.support.fakes import FakeModerator, FakeProvider
from tests.support.object_store import SeaweedFS

pytestmark = pytest.mark.slow  # starts SeaweedFS


@pytest.fixture
def own_seaweedfs(tmp_path: Path) -> Iterator[SeaweedFS]:
    server = SeaweedFS(tmp_path / "weed")
    (tmp_path / "weed").mkdir()
    yield server
    server.stop()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_healthz_is_not_ready_while_the_object_store_is_down_and_ready_when_back(
    tmp_path: Path, database_url: str, own_seaweedfs: SeaweedFS
) -> None:
    s3 = own_seaweedfs.require()
    settings = Settings(
        MOSAIC_DATA_DIR=tmp_path / "data",
        MOSAIC_DATABASE_URL=database_url,
        **s3.storage_env(f"s3://{own_seaweedfs.bucket}/ready"),  # type: ignore[arg-type]
        _env_file=None,
    )
    app = build(
        settings, provider=FakeProvider(), moderator=FakeModerator(), metrics=PrometheusMetrics()
    )
    await app.start(migrate=False)
    endpoints = build_operator_endpoints(app, {}, listen="127.0.0.1:0")
    assert endpoints is not None
    await endpoints.start()
    try:
        endpoints.readiness.started = True
        assert await get(endpoints, "/healthz") == (200, "ok\n")
        store = object_store(settings)
        assert store is not None and await store.exists(READY_KEY)  # it asked the store

        own_seaweedfs.stop()
        status, text = await get(endpoints, "/healthz")
        assert status == 503, text
        assert text.startswith("not ready: store: "), text
        assert s3.secret_key.get_secret_value() not in text

        own_seaweedfs.restart()
        assert await get(endpoints, "/healthz") == (200, "ok\n")
    finally:
        await endpoints.stop()
        await app.stop()
