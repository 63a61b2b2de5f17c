"""``GET /metrics`` parsed by prometheus-client's own parser, with the series moving as jobs run."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from shared import lifecycle
from shared.models import ResearchRequest
from shared.store import JobStore
from tests.conftest import Stack
from tests.e2e.helpers import NOOP, status, submit
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.redis, pytest.mark.e2e]
P = "deep_research_"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(base_url: str) -> Samples:
    response = httpx.get(f"{base_url}/metrics", timeout=5)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_metrics_series_move_as_jobs_run(stack: Stack, store: JobStore) -> None:
    api = stack.api(**NOOP)
    stack.worker(**NOOP)
    before = scrape(api.url)
    assert value(before, f"{P}workers_alive") == 1

    ids = [await asyncio.to_thread(submit, api.url) for _ in range(3)]
    broken = lifecycle.new_job(
        ResearchRequest(product_name="X", ingredients=["Water"]), store.settings, job_id=uuid4(), pipeline="nope"
    )
    await store.create(broken)  # the worker knows no pipeline "nope": it fails the job as invalid input
    for job_id in ids:
        await asyncio.to_thread(wait_until, lambda j=job_id: status(api.url, j)["status"], lambda s: s == "completed")
    after = await asyncio.to_thread(
        wait_until,
        lambda: scrape(api.url),
        lambda s: (
            value(s, f"{P}job_duration_seconds_count", outcome="completed") >= 3
            and value(s, f"{P}jobs_failed_total", reason="invalid_input") >= 1
        ),
    )

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved(f"{P}jobs_submitted_total") == 4
    assert moved(f"{P}jobs_completed_total") == 3
    assert moved(f"{P}jobs_failed_total", reason="invalid_input") == 1
    assert moved(f"{P}job_duration_seconds_count", outcome="completed") == 3
    assert moved(f"{P}step_duration_seconds_count", step="echo") == 3
    assert value(after, f"{P}step_duration_seconds_bucket", step="echo", le="+Inf") == 3
    assert value(after, f"{P}step_duration_seconds_sum", step="echo") > 0
    assert value(after, f"{P}queue_depth") == 0
    assert value(after, f"{P}jobs_in_flight") == 0
    posted = value(
        after, f"{P}http_request_duration_seconds_count", method="POST", route="/api/v4/deep-research", status="202"
    )
    assert posted == 3
    assert (
        value(
            after, f"{P}http_request_duration_seconds_count", method="GET", route="/api/v4/job/{job_id}", status="200"
        )
        >= 3
    )


async def test_metrics_show_waiting_jobs_as_queue_depth(stack: Stack) -> None:
    api = stack.api(**NOOP)  # no worker: jobs wait
    for _ in range(2):
        await asyncio.to_thread(submit, api.url)
    samples = scrape(api.url)
    assert value(samples, f"{P}queue_depth") == 2
    assert value(samples, f"{P}jobs_pending") == 2
    assert value(samples, f"{P}workers_alive") == 0
