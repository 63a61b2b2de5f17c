"""Admin operations against real API and worker processes: stats, failed jobs, retry."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import httpx
import pytest

from shared import lifecycle
from shared.models import ErrorCode, JobStatus, ResearchRequest, utcnow
from shared.store import JobStore
from tests.conftest import Stack
from tests.e2e.helpers import NOOP, status, submit
from tests.live.helpers import ADMIN, ADMIN_HEADERS, read_events
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.redis, pytest.mark.e2e]


async def failed_job(store: JobStore) -> str:
    record = lifecycle.new_job(
        ResearchRequest(product_name="Broken Lotion", ingredients=["Water"]), store.settings, job_id=uuid4()
    )
    await store.create(record)
    claimed = lifecycle.claimed(record, "test-worker", utcnow())
    await store.write(claimed, expect_attempt=0, allowed={JobStatus.PENDING})
    done = lifecycle.failed(claimed, ErrorCode.TIMEOUT, "The job ran past its time limit.", utcnow())
    await store.write(done, expect_attempt=1, allowed={JobStatus.PROCESSING})
    return str(record.job_id)


async def test_failed_jobs_are_listed_with_their_errors_and_a_retry_completes_them(
    stack: Stack, store: JobStore
) -> None:
    api = stack.api(**NOOP, **ADMIN)
    broken = await failed_job(store)  # before any worker: its stale queue entry is skipped later
    stack.worker(**NOOP)
    done = await asyncio.to_thread(submit, api.url)
    await asyncio.to_thread(wait_until, lambda: status(api.url, done)["status"], lambda s: s == "completed")

    async with httpx.AsyncClient(base_url=api.url, headers=ADMIN_HEADERS, timeout=5) as admin:
        failed = (await admin.get("/api/v4/admin/jobs/failed")).json()["jobs"]
        assert [(j["job_id"], j["error_code"]) for j in failed] == [(broken, "timeout")]
        assert failed[0]["error"] == "The job ran past its time limit."
        stats = (await admin.get("/api/v4/admin/stats")).json()
        assert (stats["completed_last_hour"], stats["failed_last_hour"], stats["workers_alive"]) == (1, 1, 1)
        assert stats["workers"][0]["seconds_ago"] < 10

        refused = await admin.post(f"/api/v4/admin/jobs/{done}/retry")
        assert refused.status_code == 409
        retried = await admin.post(f"/api/v4/admin/jobs/{broken}/retry")
        assert retried.status_code == 200
        assert (retried.json()["status"], retried.json()["error"]) == ("pending", None)

        frames, _ = await asyncio.to_thread(
            read_events, f"{api.url}/api/v4/admin/jobs/{broken}/events", headers=ADMIN_HEADERS
        )
        assert frames[-1].event in ("state", "end")  # "state" alone if it finished before we connected
        assert frames[-1].json()["status"] == "completed"
        assert (await admin.get("/api/v4/admin/jobs/failed")).json()["jobs"] == []
        assert (await admin.get(f"/api/v4/admin/jobs/{uuid4()}/retry")).status_code == 405
        assert (await admin.post(f"/api/v4/admin/jobs/{uuid4()}/retry")).status_code == 404
