"""The reaper, in-process on a real redis-server: a dead worker's job goes back to the queue, once."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from shared import keys, lifecycle
from shared.models import ErrorCode, JobRecord, JobStatus, ResearchRequest
from shared.store import JobStore, Lease
from worker.leases import LeaseKeeper, reap

pytestmark = pytest.mark.redis

REQUEST = ResearchRequest(product_name="Dove Body Wash", ingredients=["Water"])


async def running_job(store: JobStore, crashes: int = 0) -> tuple[JobRecord, Lease]:
    """A job claimed by a worker that then died: its lease is already past its expiry."""
    record = lifecycle.new_job(REQUEST, store.settings, job_id=uuid4(), pipeline="noop")
    await store.create(record)
    mine = lifecycle.claimed(record.model_copy(update={"crashes": crashes}), "dead-worker", datetime.now(UTC))
    lease = Lease(str(record.job_id), mine.attempt)
    await store.write(mine, expect_attempt=0, allowed={JobStatus.PENDING}, lease_add=lease)
    await store.redis.zadd(keys.LEASES, {lease.member: 0})
    return mine, lease


async def test_a_lost_job_is_requeued_once_even_with_two_reapers(store: JobStore) -> None:
    mine, lease = await running_job(store)

    assert await reap(store, store.settings) + await reap(store, store.settings) == 1

    again = await store.get(mine.job_id)
    assert again is not None
    assert (again.status, again.crashes, again.attempt) == (JobStatus.PENDING, 1, 1)
    assert again.attempts[-1].outcome == "lost"
    assert await store.redis.zscore(store.settings.queue_name, again.dispatch) is not None
    assert await store.redis.zscore(keys.LEASES, lease.member) is None


async def test_a_job_that_keeps_killing_workers_fails(store: JobStore) -> None:
    mine, _ = await running_job(store, crashes=store.settings.max_crashes - 1)

    assert await reap(store, store.settings) == 1

    done = await store.get(mine.job_id)
    assert done is not None
    assert (done.status, done.error_code) == (JobStatus.FAILED, ErrorCode.RETRIES_EXHAUSTED)
    assert "died" in (done.error or "")


async def test_a_live_lease_is_left_alone(store: JobStore) -> None:
    mine, lease = await running_job(store)
    await store.renew_leases([lease])

    assert await reap(store, store.settings) == 0

    still = await store.get(mine.job_id)
    assert still is not None
    assert still.status is JobStatus.PROCESSING


async def test_a_lease_whose_job_is_gone_is_dropped(store: JobStore) -> None:
    mine, lease = await running_job(store)
    await store.redis.delete(keys.job(str(mine.job_id)))

    assert await reap(store, store.settings) == 0
    assert await store.redis.zscore(keys.LEASES, lease.member) is None


async def test_a_long_dead_workers_heartbeat_is_forgotten(store: JobStore) -> None:
    now_ms = datetime.now(UTC).timestamp() * 1000
    dead = {"killed-yesterday": now_ms - 2 * 86_400_000, "killed-lately": now_ms - 60_000}
    await store.redis.zadd(keys.WORKERS, dead)

    await LeaseKeeper(store, store.settings, "alive").tick()

    assert await store.redis.zrange(keys.WORKERS, 0, -1) == [b"killed-lately", b"alive"]
