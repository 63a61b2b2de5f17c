"""``GET /metrics`` in Prometheus' text format: this API process's requests, and the cluster's jobs.

Two kinds of series, read differently:

- per API process: ``deep_research_http_request_duration_seconds`` (a histogram by method, route
  template and status), kept in this process's own registry by :class:`RequestMetrics`;
- cluster-wide, read from Redis at scrape time (the same on every API replica): job counters that
  the store's write script keeps atomically with each transition, queue depth and jobs in flight
  from the indexes, and the job and step duration histograms workers push
  (``shared/metrics.py``). On more than one replica, aggregate these with ``max``, not ``sum``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Final

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from redis.asyncio import Redis
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import RedisDep, SettingsDep
from api.errors import documented
from api.ops import queue_stats
from shared import keys, metrics
from shared.settings import Settings

PREFIX: Final = "deep_research_"
router = APIRouter(tags=["health"])


class RequestMetrics:
    """Pure ASGI middleware timing every HTTP request, labelled by route template (bounded)."""

    def __init__(self, app: ASGIApp, registry: CollectorRegistry) -> None:
        self.app = app
        self.latency = Histogram(
            f"{PREFIX}http_request_duration_seconds",
            "API request latency, by method, route template and status.",
            ["method", "route", "status"],
            registry=registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.latency.labels(scope["method"], route, str(status)).observe(time.perf_counter() - started)


class _Snapshot(Collector):
    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterator[Metric]:
        yield from self.families


def job_families(counters: dict[bytes, bytes]) -> Iterable[Metric]:
    values = {k.decode(): float(v) for k, v in counters.items()}
    submitted = CounterMetricFamily(f"{PREFIX}jobs_submitted", "Jobs accepted by the API.")
    submitted.add_metric([], values.get("submitted", 0.0))
    completed = CounterMetricFamily(f"{PREFIX}jobs_completed", "Jobs that completed with a result.")
    completed.add_metric([], values.get("completed", 0.0))
    cancelled = CounterMetricFamily(f"{PREFIX}jobs_cancelled", "Jobs cancelled by their client.")
    cancelled.add_metric([], values.get("cancelled", 0.0))
    failed = CounterMetricFamily(f"{PREFIX}jobs_failed", "Jobs that failed, by reason.", labels=["reason"])
    requeued = CounterMetricFamily(
        f"{PREFIX}jobs_requeued", "Jobs put back in the queue, by the status they left.", labels=["from_status"]
    )
    for name, value in sorted(values.items()):
        kind, _, label = name.partition(":")
        if kind == "failed" and label:
            failed.add_metric([label], value)
        elif kind == "requeued" and label:
            requeued.add_metric([label], value)
    return submitted, completed, cancelled, failed, requeued


def duration_families(raw: dict[bytes, bytes]) -> Iterable[Metric]:
    families = {
        metrics.JOB_DURATION: HistogramMetricFamily(
            f"{PREFIX}{metrics.JOB_DURATION}",
            "Time a worker spent on one run of a job, by outcome.",
            labels=[metrics.LABELS[metrics.JOB_DURATION]],
        ),
        metrics.STEP_DURATION: HistogramMetricFamily(
            f"{PREFIX}{metrics.STEP_DURATION}",
            "Time one pipeline step took, by step.",
            labels=[metrics.LABELS[metrics.STEP_DURATION]],
        ),
    }
    for (histogram, label), series in sorted(metrics.parse(raw).items()):
        bounds = metrics.BUCKETS[histogram]
        families[histogram].add_metric([label], series.cumulative(bounds), series.total)
    return families.values()


async def cluster_families(redis: Redis, settings: Settings) -> list[Metric]:
    stats = await queue_stats(redis, settings)
    async with redis.pipeline(transaction=False) as pipe:
        pipe.hgetall(keys.JOB_COUNTERS)
        pipe.hgetall(keys.WORKER_METRICS)
        counters, durations = await pipe.execute()
    gauges = []
    for name, text, value in (
        ("queue_depth", "Entries in the queue (due or deferred).", stats.queue_depth),
        ("jobs_pending", "Jobs waiting to run.", stats.pending),
        ("jobs_in_flight", "Jobs a worker is running now.", stats.running),
        ("workers_alive", "Workers with a recent heartbeat.", stats.workers_alive),
    ):
        gauge = GaugeMetricFamily(f"{PREFIX}{name}", text)
        gauge.add_metric([], float(value))
        gauges.append(gauge)
    return [*job_families(counters), *gauges, *duration_families(durations)]


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {}}}, **documented(503)},
)
async def metrics_endpoint(request: Request, redis: RedisDep, settings: SettingsDep) -> Response:
    cluster = CollectorRegistry(auto_describe=False)
    cluster.register(_Snapshot(await cluster_families(redis, settings)))
    local: CollectorRegistry = request.app.state.metrics_registry
    body = generate_latest(local) + generate_latest(cluster)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
