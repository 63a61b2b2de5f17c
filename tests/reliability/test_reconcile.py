"""The reconciler: overdue jobs fail, jobs whose queue entry vanished or was never run go back."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from arq.connections import ArqRedis

from shared import keys, lifecycle
from shared.models import ErrorCode, JobRecord, JobStatus, ResearchRequest, utcnow
from shared.settings import Settings
from shared.store import JobStore, Lease
from worker.reconcile import reconcile

pytestmark = pytest.mark.redis

REQUEST = ResearchRequest(product_name="P", ingredients=["Water"])


async def _submit(store: JobStore, settings: Settings) -> JobRecord:
    record = lifecycle.new_job(REQUEST, settings, job_id=uuid.uuid4())
    await store.create(record)
    return record


async def test_pending_job_whose_queue_entry_vanished_is_queued_again(
    store: JobStore, settings: Settings, redis: ArqRedis
) -> None:
    record = await _submit(store, settings)
    await redis.delete(keys.arq_job(record.dispatch))
    await redis.zrem(settings.queue_name, record.dispatch)
    assert (await reconcile(store, settings))["requeued"] == 0  # not yet: it may be a moment's gap
    fixed = await reconcile(store, settings, now=utcnow() + timedelta(minutes=1))
    assert fixed["requeued"] == 1
    again = await store.get(record.job_id)
    assert again is not None
    assert again.status is JobStatus.PENDING
    assert again.dispatch != record.dispatch
    assert await redis.zscore(settings.queue_name, again.dispatch) is not None
    assert await redis.exists(keys.arq_job(again.dispatch))


async def test_entry_taken_by_a_worker_that_died_before_claiming_is_queued_again(
    store: JobStore, settings: Settings
) -> None:
    record = await _submit(store, settings)
    taken = await store.take(10, 60_000)  # a worker takes it, then dies
    assert [t.entry for t in taken] == [record.dispatch]
    fixed = await reconcile(store, settings, now=utcnow() + timedelta(minutes=1))
    assert fixed["requeued"] == 1
    again = await store.get(record.job_id)
    assert again is not None
    assert again.dispatch != record.dispatch
    assert [t.entry for t in await store.take(10, 60_000)] == [again.dispatch]


async def test_jobs_past_their_deadline_fail_with_timeout(store: JobStore, settings: Settings) -> None:
    waiting = await _submit(store, settings)
    running = await _submit(store, settings)
    claimed = lifecycle.claimed(running, "w", utcnow())
    lease = Lease(str(running.job_id), claimed.attempt)
    await store.write(claimed, expect_attempt=0, allowed={JobStatus.PENDING}, lease_add=lease)
    later = utcnow() + timedelta(seconds=settings.job_deadline_seconds + 1)
    fixed = await reconcile(store, settings, now=later)
    assert fixed["timed_out"] == 2
    for job in (waiting, running):
        final = await store.get(job.job_id)
        assert final is not None
        assert final.status is JobStatus.FAILED
        assert final.error_code is ErrorCode.TIMEOUT


async def test_processing_job_without_a_lease_is_requeued_as_lost(
    store: JobStore, settings: Settings, redis: ArqRedis
) -> None:
    record = await _submit(store, settings)
    claimed = lifecycle.claimed(record, "w", utcnow())
    lease = Lease(str(record.job_id), claimed.attempt)
    await store.write(claimed, expect_attempt=0, allowed={JobStatus.PENDING}, lease_add=lease)
    await redis.zrem(keys.LEASES, lease.member)  # as if Redis lost it in a failover
    fixed = await reconcile(store, settings, now=utcnow() + timedelta(minutes=1))
    assert fixed["orphaned"] == 1
    again = await store.get(record.job_id)
    assert again is not None
    assert again.status is JobStatus.PENDING
    assert again.crashes == 1


async def test_index_entries_of_long_expired_jobs_are_trimmed(
    store: JobStore, settings: Settings, redis: ArqRedis
) -> None:
    record = await _submit(store, settings)
    await redis.delete(keys.job(str(record.job_id)))  # as TTL expiry would
    assert await redis.zscore(keys.INDEX_ALL, str(record.job_id)) is not None
    await reconcile(store, settings, now=utcnow() + timedelta(hours=1))
    assert await redis.zscore(keys.INDEX_ALL, str(record.job_id)) is not None  # could still be alive
    ages = timedelta(seconds=settings.job_deadline_seconds + settings.job_ttl_seconds + 120)
    await reconcile(store, settings, now=utcnow() + ages)
    assert await redis.zscore(keys.INDEX_ALL, str(record.job_id)) is None
    assert await redis.zscore(keys.status_index("pending"), str(record.job_id)) is None
