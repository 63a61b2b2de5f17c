"""The reconciler: nothing stays ``pending`` or ``processing`` past its deadline or without a way on.

Runs in every worker; a short Redis lock lets one of them do each round. Each round looks at a
bounded batch and fixes:

- a job past its ``deadline_at`` that is still pending or processing: failed with ``timeout``;
- a pending job whose queue entry vanished (deleted, lost in a Redis failover), or whose entry a
  worker took but never claimed (the worker died in between; arq would hold it for the whole
  job timeout): queued again under a fresh entry;
- a processing job without a lease (lost with Redis data): requeued like a crashed worker's.

It also trims the indexes: entries that can only name expired records, and the sets of jobs
finished in the last hour (queue statistics read them) of what is older.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from shared import keys, lifecycle
from shared.models import ErrorCode, JobRecord, JobStatus, utcnow
from shared.redis import REDIS_DOWN_ERRORS
from shared.settings import Settings
from shared.store import JobStore, Lease, WriteRejected

log = logging.getLogger("worker.reconcile")
LOCK = "jobs:reconciler-lock"


def stuck_after(settings: Settings) -> timedelta:
    """How long a pending job may sit with its queue entry taken or gone before it is requeued.

    Workers claim a job within milliseconds of taking its entry, so two lease periods is generous.
    """
    return timedelta(seconds=max(2 * settings.lease_seconds, 2.0))


async def _records(store: JobStore, status: JobStatus, limit: int) -> list[JobRecord]:
    ids = await store.redis.zrange(keys.status_index(status.value), 0, limit - 1)
    if not ids:
        return []
    raws = await store.redis.mget([keys.job(i.decode()) for i in ids])
    return [JobRecord.model_validate_json(raw) for raw in raws if raw]


async def _entry_state(store: JobStore, records: list[JobRecord]) -> list[tuple[bool, bool]]:
    """For each record's queue entry: (exists in the queue, taken by a worker)."""
    async with store.redis.pipeline(transaction=False) as pipe:
        for record in records:
            pipe.zscore(store.settings.queue_name, record.dispatch)
            pipe.exists(keys.ARQ_IN_PROGRESS_PREFIX + record.dispatch)
        replies = await pipe.execute()
    return [(replies[i] is not None, bool(replies[i + 1])) for i in range(0, len(replies), 2)]


async def _fix(
    store: JobStore,
    record: JobRecord,
    new: JobRecord,
    *,
    finish_entry: str | None = None,
    dispatch_defer_ms: int | None = None,
    lease_remove: Lease | None = None,
) -> bool:
    try:
        await store.write(
            new,
            expect_attempt=record.attempt,
            allowed={record.status},
            finish_entry=finish_entry,
            dispatch_defer_ms=dispatch_defer_ms,
            lease_remove=lease_remove,
        )
    except WriteRejected:
        return False
    return True


async def _trim_indexes(store: JobStore, settings: Settings, now: datetime) -> None:
    """Drop index entries that can only name expired records, and last-hour entries over an hour old.

    A record expires ``job_ttl_seconds`` after its last write, and no job is written after its
    deadline, so a job created longer ago than deadline + TTL is certainly gone. (Listing also
    prunes what it meets; this keeps the indexes bounded when nobody lists.)
    """
    now_ms = int(now.timestamp() * 1000)
    gone_before = now_ms - (settings.job_deadline_seconds + settings.job_ttl_seconds + 60) * 1000
    async with store.redis.pipeline(transaction=False) as pipe:
        pipe.zremrangebyscore(keys.RECENT_COMPLETED, "-inf", now_ms - 3_600_000)
        pipe.zremrangebyscore(keys.RECENT_FAILED, "-inf", now_ms - 3_600_000)
        for index in (keys.INDEX_ALL, *(keys.status_index(s.value) for s in JobStatus)):
            pipe.zremrangebyscore(index, "-inf", gone_before)
        await pipe.execute()


async def reconcile(
    store: JobStore, settings: Settings, batch: int = 200, now: datetime | None = None
) -> dict[str, int]:
    """One round over the oldest ``batch`` pending and processing jobs. Returns what it fixed."""
    fixed = {"timed_out": 0, "requeued": 0, "orphaned": 0}
    now = now or utcnow()
    await _trim_indexes(store, settings, now)
    pending = await _records(store, JobStatus.PENDING, batch)
    for record, (queued, taken) in zip(pending, await _entry_state(store, pending), strict=True):
        if now >= record.deadline_at:
            new = lifecycle.failed(record, ErrorCode.TIMEOUT, "The job waited in the queue past its deadline.", now)
            fixed["timed_out"] += await _fix(store, record, new, finish_entry=record.dispatch)
            continue
        quiet_for = now - (record.updated_at or record.created_at)
        if (not queued or taken) and quiet_for > stuck_after(settings):
            new = lifecycle.redispatched(record, now)
            if await _fix(store, record, new, dispatch_defer_ms=0, finish_entry=record.dispatch):
                fixed["requeued"] += 1
                log.warning(
                    "job %s: queue entry %s %s; queued again",
                    record.job_id,
                    record.dispatch,
                    "was taken but never run" if queued else "vanished",
                )
    running = await _records(store, JobStatus.PROCESSING, batch)
    if running:
        scores = await store.redis.zmscore(keys.LEASES, [Lease(str(r.job_id), r.attempt).member for r in running])
        for record, score in zip(running, scores, strict=True):
            lease = Lease(str(record.job_id), record.attempt)
            if now >= record.deadline_at:
                new = lifecycle.failed(record, ErrorCode.TIMEOUT, "The job ran past its deadline.", now)
                fixed["timed_out"] += await _fix(store, record, new, lease_remove=lease, finish_entry=record.dispatch)
            elif score is None and now - (record.updated_at or now) > stuck_after(settings):
                new = lifecycle.requeued(record, "lost", now, "Resuming after its lease was lost")
                fixed["orphaned"] += await _fix(store, record, new, dispatch_defer_ms=0, finish_entry=record.dispatch)
    return fixed


async def reconcile_forever(store: JobStore, settings: Settings) -> None:
    interval = settings.reconcile_interval_seconds
    while True:
        try:
            if await store.redis.set(LOCK, "1", nx=True, px=int(interval * 900)):
                fixed = await reconcile(store, settings)
                if any(fixed.values()):
                    log.warning("reconciler fixed %s", fixed)
        except REDIS_DOWN_ERRORS as exc:
            log.warning("reconciler: Redis unreachable (%s); retrying", exc)
        await asyncio.sleep(interval)
