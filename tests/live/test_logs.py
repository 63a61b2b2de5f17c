"""The correlation id of the HTTP request that made a job is on every worker log line about it."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.conftest import Stack
from tests.e2e.helpers import PACED, SEED_REQUEST, status
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.redis, pytest.mark.e2e]


def test_worker_logs_of_a_job_carry_the_request_correlation_id(stack: Stack) -> None:
    api = stack.api(**PACED)
    worker = stack.worker(**PACED, E2E_STEP_SECONDS=0.05)
    response = httpx.post(
        f"{api.url}/api/v4/deep-research", json=SEED_REQUEST, headers={"X-Request-ID": "req-7f3a9c"}, timeout=5
    )
    assert response.headers["x-request-id"] == "req-7f3a9c"
    job_id = response.json()["job_id"]
    wait_until(lambda: status(api.url, job_id)["status"], lambda s: s == "completed")

    def about_job() -> list[dict[str, object]]:
        lines = [json.loads(line) for line in worker.log().splitlines() if line.startswith("{")]
        return [line for line in lines if job_id in json.dumps(line)]

    lines = wait_until(about_job, lambda found: any("completed" in str(line.get("msg")) for line in found))
    assert lines
    assert all(line.get("correlation_id") == "req-7f3a9c" for line in lines), lines
    api_lines = [json.loads(line) for line in api.log().splitlines() if line.startswith("{")]
    assert any(line.get("correlation_id") == "req-7f3a9c" and line.get("logger") == "api.request" for line in api_lines)
