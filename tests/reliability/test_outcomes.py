"""Every job ends in exactly one terminal state: poison jobs, cancellations, idempotent submits."""

from __future__ import annotations

import asyncio
import collections

import httpx
import pytest
from arq.connections import ArqRedis

from shared import keys
from tests.reliability.conftest import Chaos, status, submit
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.redis, pytest.mark.e2e]


def test_poison_job_fails_after_its_crash_budget_and_others_finish(chaos: Chaos) -> None:
    client = chaos.api()
    poison = submit(client, "crash=s2", name="Poison")
    healthy = [submit(client, name=f"Healthy {i}") for i in range(5)]
    workers = [chaos.worker(max_crashes=3)]
    restarts = 0

    def supervise() -> dict[str, object]:
        nonlocal restarts
        if not workers[-1].alive() and restarts < 10:
            restarts += 1
            workers.append(chaos.worker(max_crashes=3))
        return status(client, poison)

    final = wait_until(supervise, lambda s: s["status"] == "failed", timeout=60, every=0.1)
    assert final["error_code"] == "retries_exhausted"
    assert "died 3 times" in str(final["error"])
    assert restarts == 3
    for job in healthy:
        assert wait_until(lambda job=job: status(client, job), lambda s: s["status"] == "completed")["progress"] == 100


def test_cancel_pending_job_at_once_and_it_never_runs(chaos: Chaos) -> None:
    client = chaos.api()
    job = submit(client)
    response = client.post(f"/api/v4/job/{job}/cancel")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    chaos.worker()
    later = submit(client)
    wait_until(lambda: status(client, later), lambda s: s["status"] == "completed")
    assert status(client, job)["status"] == "cancelled"
    assert all(job_id != job for job_id, _, _ in chaos.runs())
    again = client.post(f"/api/v4/job/{job}/cancel")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"


def test_cancel_running_job_stops_it_within_seconds(chaos: Chaos) -> None:
    client = chaos.api()
    worker = chaos.worker()
    job = submit(client, "sleep=1.0")
    wait_until(lambda: status(client, job), lambda s: s["status"] == "processing")
    assert client.post(f"/api/v4/job/{job}/cancel").json()["status"] == "cancelled"
    wait_until(worker.log, lambda log: "taken away" in log or "superseded" in log, timeout=5)
    next_job = submit(client)
    wait_until(lambda: status(client, next_job), lambda s: s["status"] == "completed")
    final = status(client, job)
    assert final["status"] == "cancelled"
    assert final["result"] is None
    assert "s4" not in {step for job_id, step, _ in chaos.runs() if job_id == job}


def test_cancel_racing_completion_gives_exactly_one_outcome(chaos: Chaos) -> None:
    client = chaos.api()
    chaos.worker(worker_concurrency=20)
    outcomes = collections.Counter()
    for _ in range(40):
        job = submit(client)
        answer = client.post(f"/api/v4/job/{job}/cancel")
        final = wait_until(lambda job=job: status(client, job), lambda s: s["status"] in ("completed", "cancelled"))
        if answer.status_code == 200:
            assert final["status"] == "cancelled", final
        else:
            assert answer.status_code == 409, answer.text
            assert final["status"] == "completed", final
        outcomes[final["status"]] += 1
    print(f"\ncancel vs finish: {dict(outcomes)}")
    assert sum(outcomes.values()) == 40


async def test_two_hundred_concurrent_submits_with_one_key_make_one_job(chaos: Chaos, redis: ArqRedis) -> None:
    api = chaos.stack.api(**chaos.overrides)
    body = {"product_name": "Same", "brand": "B", "category": "", "ingredients": ["Water"]}
    async with httpx.AsyncClient(base_url=api.url, timeout=30) as client:
        replies = await asyncio.gather(
            *(client.post("/api/v4/deep-research", json=body, headers={"Idempotency-Key": "k-1"}) for _ in range(200))
        )
        assert {r.status_code for r in replies} == {202}
        assert len({r.json()["job_id"] for r in replies}) == 1
        assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in replies) == 199
        other = await client.post(
            "/api/v4/deep-research", json={**body, "brand": "Other"}, headers={"Idempotency-Key": "k-1"}
        )
        assert other.status_code == 409
    assert await redis.zcard(keys.INDEX_ALL) == 1


def test_full_queue_answers_429_and_writes_nothing(chaos: Chaos, redis_server) -> None:  # type: ignore[no-untyped-def]
    client = chaos.api(max_queued_jobs=3)
    for _ in range(3):
        submit(client)
    response = client.post("/api/v4/deep-research", json={"product_name": "Extra", "ingredients": ["Water"]})
    assert response.status_code == 429
    assert response.headers["Retry-After"]
    assert "queue is full" in response.json()["error"]["message"]
    import redis as sync_redis

    with sync_redis.Redis.from_url(redis_server.url) as r:
        assert r.zcard(keys.INDEX_ALL) == 3
