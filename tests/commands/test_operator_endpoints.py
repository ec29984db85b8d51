"""/healthz and /metrics (bot/metrics.py) as an operator's probe and Prometheus see them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.bootstrap import App, build, build_operator_endpoints
from bot.metrics import OperatorEndpoints, PrometheusMetrics
from core.clock import FakeClock
from core.delivery.replies import Reply
from core.domain import Platform
from core.settings import Settings
from tests.support.chat import ChatUser
from tests.support.fakes import FakeModerator, FakeProvider


class StubConnection:
    def __init__(self) -> None:
        self.up = False

    async def check_connected(self) -> None:
        if not self.up:
            raise ConnectionError("telegram is not connected")


@pytest.fixture
async def observed_app(
    settings: Settings,
    clock: FakeClock,
    provider: FakeProvider,
    moderator: FakeModerator,
    local_embedder_loaded: None,
) -> AsyncIterator[App]:
    app = build(
        settings, clock=clock, provider=provider, moderator=moderator, metrics=PrometheusMetrics()
    )
    await app.start(migrate=False)
    yield app
    await app.stop()


@pytest.fixture
async def telegram() -> StubConnection:
    return StubConnection()


@pytest.fixture
async def endpoints(
    observed_app: App, telegram: StubConnection
) -> AsyncIterator[OperatorEndpoints]:
    served = build_operator_endpoints(observed_app, {"telegram": telegram}, listen="127.0.0.1:0")
    assert served is not None
    await served.start()
    yield served
    await served.stop()


async def get(endpoints: OperatorEndpoints, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(endpoints.local_url + path) as response:
        return response.status, await response.text()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def test_healthz_is_ready_only_once_started_and_connected_and_not_without_the_database(
    observed_app: App, endpoints: OperatorEndpoints, telegram: StubConnection
) -> None:
    assert await get(endpoints, "/healthz") == (503, "not ready: starting\n")
    endpoints.readiness.started = True
    assert await get(endpoints, "/healthz") == (
        503,
        "not ready: telegram: ConnectionError: telegram is not connected\n",
    )
    telegram.up = True
    assert await get(endpoints, "/healthz") == (200, "ok\n")
    await observed_app.database.close()  # the database goes away
    status, text = await get(endpoints, "/healthz")
    assert status == 503
    assert text.startswith("not ready: database: ")


async def test_metrics_parse_and_the_command_counters_move_after_a_command(
    observed_app: App, endpoints: OperatorEndpoints
) -> None:
    key = ("mosaic_commands_handled_total", (("command", "feed"), ("role", "console")))
    status, before = await get(endpoints, "/metrics")
    assert status == 200
    assert key not in samples(before)
    assert samples(before)[("mosaic_job_queue_depth", ())] == 0
    await ChatUser(observed_app, "ada").say("/feed")
    await ChatUser(observed_app, "bob").say("/feed")
    _, after = await get(endpoints, "/metrics")
    found = samples(after)
    assert found[key] == 2
    timing = ("mosaic_command_seconds_count", (("command", "feed"), ("role", "console")))
    assert found[timing] == 2
    assert ("mosaic_outbox_lag_seconds", (("platform", "telegram"),)) in found


async def test_a_queued_job_shows_in_the_queue_depth(
    observed_app: App, endpoints: OperatorEndpoints
) -> None:
    await observed_app.worker.stop()  # nobody claims: the job waits in the queue
    await ChatUser(observed_app, "ada").say("/imagine a lighthouse at dusk")
    _, text = await get(endpoints, "/metrics")
    assert samples(text)[("mosaic_job_queue_depth", ())] == 1


class NowhereMessenger:
    async def send_to(self, target: dict[str, str], reply: Reply) -> None:
        raise AssertionError("nothing is sent in this test")


async def test_the_outbox_senders_counts_are_exported_per_platform_and_outcome(
    observed_app: App, endpoints: OperatorEndpoints
) -> None:
    sender = observed_app.add_messenger(Platform.TELEGRAM, NowhereMessenger())
    _, before = await get(endpoints, "/metrics")
    key = ("mosaic_outbox_deliveries_total", (("outcome", "retry_after"), ("platform", "telegram")))
    assert samples(before)[key] == 0
    sender.stats.sent += 3  # what the sender counts as it goes (tests/digests/test_delivery.py)
    sender.stats.retry_after += 1
    _, after = await get(endpoints, "/metrics")
    found = samples(after)
    assert found[key] == 1
    assert (
        found[("mosaic_outbox_deliveries_total", (("outcome", "sent"), ("platform", "telegram")))]
        == 3
    )
