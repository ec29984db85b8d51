"""`/healthz` and `/metrics` for an operator, on MOSAIC_METRICS_LISTEN (off when unset).

`PrometheusMetrics` is the `core.metrics.MetricsRecorder` the composition root injects; each
process keeps its own registry (one per `App`, so tests in one process don't share counters).
`/metrics` samples the shared queues from the database at scrape time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, fields

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector

from core.delivery.sender import OutboxSender
from core.errors import ConfigurationError
from core.metrics import QueueGauges, QueueSample
from web.role import parse_listen, start_site

log = logging.getLogger(__name__)

CHECK_SECONDS = 2.0  # each readiness check; a hung database answers 503, not a hung probe

SECONDS_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)


class PrometheusMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.commands = Counter(
            "mosaic_commands_handled",
            "Commands answered, by the platform role that received them and the command",
            ["role", "command"],
            registry=registry,
        )
        self.command_seconds = Histogram(
            "mosaic_command_seconds",
            'Time to answer a command (command="feed" is the feed page time)',
            ["role", "command"],
            buckets=SECONDS_BUCKETS,
            registry=registry,
        )
        self.job_wait = Histogram(
            "mosaic_job_wait_seconds",
            "Time a generation job waited in the queue before a worker claimed it",
            buckets=SECONDS_BUCKETS,
            registry=registry,
        )
        self.generation = Histogram(
            "mosaic_generation_seconds",
            "Time a worker spent making and storing a job's images",
            buckets=SECONDS_BUCKETS,
            registry=registry,
        )
        self.queue_depth = Gauge(
            "mosaic_job_queue_depth", "Generation jobs waiting for a worker", registry=registry
        )
        self.oldest_job = Gauge(
            "mosaic_job_queue_oldest_wait_seconds",
            "How long the oldest waiting generation job has waited",
            registry=registry,
        )
        self.outbox_lag = Gauge(
            "mosaic_outbox_lag_seconds",
            "Age of the oldest outbox message that is due and not yet sent, per platform",
            ["platform"],
            registry=registry,
        )

    def watch_senders(self, senders: Callable[[], Iterable[OutboxSender]]) -> None:
        """Export the paced outbox senders' own counts (`SenderStats`) at each scrape."""
        self.registry.register(SenderCounts(senders))

    def command_handled(self, role: str, command: str, seconds: float) -> None:
        self.commands.labels(role, command).inc()
        self.command_seconds.labels(role, command).observe(seconds)

    def job_generated(self, wait_seconds: float, generation_seconds: float) -> None:
        self.job_wait.observe(wait_seconds)
        self.generation.observe(generation_seconds)

    def queue_sampled(self, sample: QueueSample) -> None:
        self.queue_depth.set(sample.jobs_queued)
        self.oldest_job.set(sample.oldest_job_wait_seconds)
        for platform, lag in sample.outbox_lag_seconds.items():
            self.outbox_lag.labels(platform.value).set(lag)


class SenderCounts(Collector):
    """`mosaic_outbox_deliveries_total{platform, outcome}`: what this process's outbox
    senders did, one outcome per `SenderStats` field (`sent`; `retry_after`: the platform
    answered 429; `transient`: retried after an error; `failed`, `blocked`, …)."""

    def __init__(self, senders: Callable[[], Iterable[OutboxSender]]) -> None:
        self._senders = senders

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily(
            "mosaic_outbox_deliveries",
            "Outbox messages handled by this process's paced senders, by platform and outcome",
            labels=["platform", "outcome"],
        )
        totals: dict[tuple[str, str], int] = {}
        for sender in self._senders():
            for field in fields(sender.stats):
                key = (sender.platform.value, field.name)
                totals[key] = totals.get(key, 0) + getattr(sender.stats, field.name)
        for (platform, outcome), count in sorted(totals.items()):
            family.add_metric([platform, outcome], count)
        yield family


ReadinessCheck = Callable[[], Awaitable[None]]  # raises (with a short reason) when not ready


@dataclass(slots=True)
class Readiness:
    """Ready once the process said it started and every named check passes."""

    checks: Mapping[str, ReadinessCheck]
    started: bool = False

    async def reason_not_ready(self) -> str | None:
        if not self.started:
            return "starting"
        for name, check in self.checks.items():
            try:
                await asyncio.wait_for(check(), CHECK_SECONDS)
            except TimeoutError:
                return f"{name}: no answer within {CHECK_SECONDS:g} s"
            except Exception as error:
                return f"{name}: {type(error).__name__}: {str(error)[:120]}"
        return None


class OperatorEndpoints:
    """The aiohttp server for `/healthz` and `/metrics`; `port` is the bound one."""

    name = "metrics"

    def __init__(
        self,
        listen: str,
        metrics: PrometheusMetrics,
        readiness: Readiness,
        gauges: QueueGauges,
    ) -> None:
        self.host, self.port = parse_listen(listen, "MOSAIC_METRICS_LISTEN")
        self.metrics = metrics
        self.readiness = readiness
        self._gauges = gauges
        self._runner: web.AppRunner | None = None

    @property
    def local_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def _healthz(self, _request: web.Request) -> web.Response:
        reason = await self.readiness.reason_not_ready()
        if reason is None:
            return web.Response(text="ok\n")
        return web.Response(status=503, text=f"not ready: {reason}\n")

    async def _metrics(self, _request: web.Request) -> web.Response:
        try:
            self.metrics.queue_sampled(await asyncio.wait_for(self._gauges.sample(), CHECK_SECONDS))
        except Exception as error:  # counters still answer when the database is away
            log.warning("queue gauges not sampled: %s: %s", type(error).__name__, error)
        body = generate_latest(self.metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        try:
            self._runner, self.port = await start_site(app, self.host, self.port)
        except OSError as error:
            raise ConfigurationError(
                f"/healthz and /metrics cannot listen on {self.host}:{self.port} "
                f"({error.strerror}); set MOSAIC_METRICS_LISTEN to a free host:port"
            ) from error
        log.info("/healthz and /metrics on %s", self.local_url)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
