"""The seed's promise through real processes: an API, a worker and a redis-server, each its own process."""

from __future__ import annotations

import importlib.util
import json
import signal

import httpx
import pytest

from cli.redis_server import RedisServer
from tests.conftest import Stack
from tests.e2e.helpers import (
    NOOP,
    PACED,
    SEED_REQUEST,
    TIMEOUT,
    assert_no_pickle,
    follow,
    status,
    submit,
    sync_redis,
    wait_finished,
)
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.redis, pytest.mark.e2e]


def test_a_job_goes_pending_processing_completed_and_redis_holds_json_with_a_ttl(
    stack: Stack, redis_server: RedisServer
) -> None:
    api = stack.api(**PACED)
    response = httpx.post(
        f"{api.url}/api/v4/deep-research", json=SEED_REQUEST, headers={"X-Request-ID": "e2e-seed-1"}, timeout=TIMEOUT
    )
    assert response.status_code == 202
    submitted = response.json()
    job_id = submitted["job_id"]
    assert submitted["status"] == "pending"
    assert submitted["check_status_url"] == f"/api/v4/job/{job_id}"
    assert status(api.url, job_id)["status"] == "pending"  # no worker yet: it waits in the queue

    worker = stack.worker(e2e_step_seconds=0.4, **PACED)  # slow enough for a poller to see each step
    seen = follow(api.url, job_id)

    statuses = [view["status"] for view in seen]
    assert statuses[0] in ("pending", "processing")
    assert "processing" in statuses
    assert statuses[-1] == "completed"
    assert statuses == sorted(statuses, key=["pending", "processing", "completed"].index)
    processing = [view for view in seen if view["status"] == "processing"]
    assert len({view["current_step"] for view in processing}) >= 2, processing
    assert len({view["progress"] for view in processing}) >= 2, processing
    done = seen[-1]
    assert done["progress"] == 100
    assert done["current_step"] == "Complete"
    assert done["completed_at"] is not None
    assert done["error"] is None
    assert done["result"]["product_name"] == "Dove Body Wash"
    assert done["result"]["report"]["steps"] == ["read", "check", "report"]
    # One summary line for the job in the worker's log, carrying the request's correlation id.
    summaries = [
        entry
        for entry in (json.loads(line) for line in worker.log().splitlines() if line.startswith("{"))
        if entry.get("job_id") == job_id and entry.get("outcome") == "completed"
    ]
    assert len(summaries) == 1, worker.log()[-2000:]
    assert summaries[0]["correlation_id"] == "e2e-seed-1"

    client = sync_redis(redis_server.url)
    try:
        stored = json.loads(client.get(f"job:{job_id}") or b"")
        assert stored["job_id"] == job_id
        assert stored["status"] == "completed"
        assert 0 < client.ttl(f"job:{job_id}") <= 86400
    finally:
        client.close()
    assert_no_pickle(redis_server.url)


def test_jobs_survive_an_api_restart(stack: Stack) -> None:
    first = stack.api(**NOOP)
    job_id = submit(first.url)
    # While it waits for a worker, its arq queue entry is in Redis: JSON, like everything else.
    assert f"arq:job:{job_id}" in assert_no_pickle(stack.redis_url)
    # uvicorn shuts down gracefully on SIGTERM, then re-raises the signal: -15 is its clean exit.
    assert first.stop() in (0, -signal.SIGTERM)

    second = stack.api(**NOOP)
    assert second.url != first.url
    assert status(second.url, job_id)["status"] == "pending"
    stack.worker(**NOOP)
    assert follow(second.url, job_id)[-1]["status"] == "completed"


@pytest.mark.parametrize("how", ["stopped", "killed"])
def test_jobs_survive_a_worker_restart(stack: Stack, redis_server: RedisServer, how: str) -> None:
    api = stack.api(**PACED)
    first = stack.worker(**PACED, worker_concurrency=1)
    job_ids = [submit(api.url) for _ in range(4)]
    assert wait_until(lambda: status(api.url, job_ids[0])["status"], lambda s: s != "pending") == "processing"

    if how == "stopped":
        assert first.stop() == 0, first.log()[-3000:]  # SIGTERM: drains the running job, leaves the queued ones
    else:
        first.kill()  # SIGKILL mid-job: its lease expires and a live worker's reaper requeues it
    queued = [job_id for job_id in job_ids if status(api.url, job_id)["status"] != "completed"]
    assert len(queued) >= 2, queued

    stack.worker(**PACED)
    finished = wait_finished(api.url, job_ids)
    assert set(finished.values()) == {"completed"}, finished
    assert_no_pickle(redis_server.url)


@pytest.mark.skipif(
    importlib.util.find_spec("worker.research.steps") is None, reason="the research pipeline has not landed yet"
)
def test_the_real_research_pipeline_completes_the_seeds_request(stack: Stack) -> None:
    api = stack.api(pipeline="deep_research")
    stack.worker(pipeline="deep_research")
    job_id = submit(api.url)
    seen = follow(api.url, job_id, timeout=60)
    done = seen[-1]
    assert done["status"] == "completed", done
    result = done["result"]
    assert (result["product_name"], result["brand"]) == ("Dove Body Wash", "Dove")
    assert result["report"]["summary"]
    assert result["full_report"]
