"""``GET /api/v4/jobs`` over 10,000 jobs: filters, cursor pages, expired entries, and page cost."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from shared import keys, lifecycle
from shared.models import JobStatus, ResearchRequest
from shared.settings import Settings
from shared.store import JobStore
from tests.conftest import Stack
from tests.e2e.helpers import submit

pytestmark = [pytest.mark.redis, pytest.mark.e2e]
BASE = datetime(2026, 11, 1, tzinfo=UTC)
N = 10_000
EXPIRED = 50


def status_of(i: int) -> JobStatus:
    return JobStatus.FAILED if i % 10 == 0 else JobStatus.PENDING if i % 10 in (1, 2) else JobStatus.COMPLETED


async def seed(store: JobStore, settings: Settings) -> list[tuple[int, str, JobStatus]]:
    """N jobs, one a second from BASE, written in pipelines: records plus the indexes the write script keeps."""
    template = lifecycle.new_job(
        ResearchRequest(product_name="Seeded", ingredients=["Water"]), settings, job_id=uuid4(), now=BASE
    )
    jobs = []
    for start in range(0, N, 1000):
        async with store.redis.pipeline(transaction=False) as pipe:
            for i in range(start, start + 1000):
                job_id, created, status = str(uuid4()), BASE + timedelta(seconds=i), status_of(i)
                record = template.model_copy(update={"job_id": UUID(job_id), "created_at": created, "status": status})
                ms = int(created.timestamp() * 1000)
                pipe.set(keys.job(job_id), record.model_dump_json(), ex=settings.job_ttl_seconds)
                pipe.zadd(keys.INDEX_ALL, {job_id: ms})
                pipe.zadd(keys.status_index(status.value), {job_id: ms})
                jobs.append((ms, job_id, status))
            await pipe.execute()
    return jobs


def walk(url: str, params: dict[str, Any]) -> tuple[list[str], int]:
    ids: list[str] = []
    cursor = None
    for pages in range(1, N + 1):  # bounded: never more pages than jobs
        response = httpx.get(url, params={**params, **({"cursor": cursor} if cursor else {})}, timeout=10)
        assert response.status_code == 200, response.text
        body = response.json()
        ids += [job["job_id"] for job in body["jobs"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids, pages
    raise AssertionError("pagination did not end")


def deep_cursor(url: str) -> str:
    page = httpx.get(
        url, params={"limit": 50, "created_before": (BASE + timedelta(seconds=300)).isoformat()}, timeout=5
    )
    cursor: str = page.json()["next_cursor"]
    return cursor


async def command_calls(store: JobStore) -> dict[str, int]:
    stats = await store.redis.info("commandstats")
    return {name.removeprefix("cmdstat_"): int(value["calls"]) for name, value in stats.items()}


def median_ms(url: str, params: dict[str, Any], runs: int = 20) -> float:
    times = []
    with httpx.Client(timeout=10) as client:
        client.get(url, params=params)
        for _ in range(runs):
            started = time.perf_counter()
            assert client.get(url, params=params).status_code == 200
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


async def test_listing_filters_and_pages_over_10000_jobs(stack: Stack, store: JobStore, settings: Settings) -> None:
    jobs = await seed(store, settings)
    newest_first = sorted(jobs, reverse=True)
    gone = {job_id for _, job_id, status in newest_first if status is JobStatus.COMPLETED}
    gone = set(sorted(gone)[:EXPIRED])
    await store.redis.delete(*(keys.job(job_id) for job_id in gone))  # as if their TTL ran out
    api = stack.api()
    url = f"{api.url}/api/v4/jobs"

    failed, pages = walk(url, {"status": "failed", "limit": 100})
    assert failed == [job_id for _, job_id, s in newest_first if s is JobStatus.FAILED]
    assert pages == 10

    after, before = BASE + timedelta(seconds=2000), BASE + timedelta(seconds=2999)
    params = {"status": "completed", "created_after": after.isoformat(), "created_before": before.isoformat()}
    ranged, _ = walk(url, {**params, "limit": 37})
    lo, hi = int(after.timestamp() * 1000), int(before.timestamp() * 1000)
    assert ranged == [
        job_id for ms, job_id, s in newest_first if s is JobStatus.COMPLETED and lo <= ms <= hi and job_id not in gone
    ]

    everything, _ = walk(url, {"limit": 200})
    assert everything == [job_id for _, job_id, _ in newest_first if job_id not in gone]
    assert len(everything) == len(set(everything)) == N - EXPIRED
    assert await store.redis.zcard(keys.INDEX_ALL) == N - EXPIRED, "expired entries were pruned from the index"

    await store.redis.config_resetstat()
    assert httpx.get(url, params={"limit": 50, "cursor": deep_cursor(url)}, timeout=5).status_code == 200
    calls = await command_calls(store)
    assert (calls.get("mget"), calls.get("zrevrangebyscore")) == (2, 2), calls  # one each per page read
    assert sum(calls.values()) < 20, f"a page costs a handful of commands, whatever the number of jobs: {calls}"

    first_page = median_ms(url, {"limit": 50})
    deep = httpx.get(url, params={"limit": 200, "created_before": (BASE + timedelta(seconds=300)).isoformat()})
    deep_page = median_ms(url, {"limit": 50, "cursor": deep.json()["next_cursor"]})
    full_page = median_ms(url, {"limit": 200})
    print(
        f"\nlisting over {N} jobs: first page of 50 {first_page:.1f} ms, page of 50 near the oldest end "
        f"{deep_page:.1f} ms, page of 200 {full_page:.1f} ms (median of 20)"
    )
    assert first_page < 100
    assert deep_page < 100
    assert full_page < 250


async def test_listing_rejects_a_cursor_it_did_not_make(stack: Stack) -> None:
    api = stack.api()
    response = httpx.get(f"{api.url}/api/v4/jobs", params={"cursor": "not-a-cursor"}, timeout=5)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"


async def test_pending_job_status_shows_its_queue_position(stack: Stack) -> None:
    api = stack.api()  # no worker: the jobs wait
    ids = [submit(api.url) for _ in range(3)]
    positions = [httpx.get(f"{api.url}/api/v4/job/{job_id}", timeout=5).json()["queue_position"] for job_id in ids]
    assert positions == [1, 2, 3]
    listed = httpx.get(f"{api.url}/api/v4/jobs", params={"status": "pending"}, timeout=5).json()["jobs"]
    assert [job["job_id"] for job in listed] == ids[::-1]


async def test_with_api_keys_each_caller_lists_and_follows_only_its_own_jobs(stack: Stack) -> None:
    alice, bob = "alice-key-0123456789abcdef", "bob-key-0123456789abcdef"
    api = stack.api(API_KEYS=f"{alice},{bob}")

    def post(key: str) -> str:
        response = httpx.post(
            f"{api.url}/api/v4/deep-research",
            json={"product_name": "Soap", "ingredients": ["Water"]},
            headers={"X-API-Key": key},
            timeout=5,
        )
        assert response.status_code == 202, response.text
        return str(response.json()["job_id"])

    mine = [post(alice) for _ in range(3)]
    theirs = [post(bob) for _ in range(4)]

    def listed(key: str, **params: Any) -> list[str]:
        response = httpx.get(f"{api.url}/api/v4/jobs", params=params, headers={"X-API-Key": key}, timeout=5)
        assert response.status_code == 200, response.text
        return [job["job_id"] for job in response.json()["jobs"]]

    assert listed(alice) == mine[::-1]
    assert listed(bob, status="pending") == theirs[::-1]
    assert httpx.get(f"{api.url}/api/v4/jobs", timeout=5).status_code == 401
    other = httpx.get(f"{api.url}/api/v4/job/{theirs[0]}/events", headers={"X-API-Key": alice}, timeout=5)
    assert other.status_code == 404, "another key's job does not exist for this caller"
