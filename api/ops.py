"""What operators do and see: retry a failed job, and the queue's numbers. Plain async functions."""

from __future__ import annotations

import logging
from uuid import UUID

from pydantic import BaseModel, Field
from redis.asyncio import Redis

from api.errors import Conflict, NotFound
from shared import keys, lifecycle
from shared.models import JobRecord, JobStatus, utcnow
from shared.queue import now_ms
from shared.settings import Settings
from shared.store import JobStore, WriteRejected

log = logging.getLogger("api.ops")
HOUR_MS = 3_600_000
MAX_WORKERS_LISTED = 100


class WorkerBeat(BaseModel):
    worker_id: str
    last_heartbeat_ms: int
    seconds_ago: float


class QueueStats(BaseModel):
    queue_depth: int = Field(description="Entries in arq's queue (due now or deferred retries).")
    queue_due: int = Field(description="Entries due to run now.")
    pending: int = Field(description="Jobs in status pending.")
    running: int = Field(description="Jobs in status processing.")
    completed_last_hour: int
    failed_last_hour: int
    workers_alive: int = Field(description="Workers with a heartbeat within WORKER_HEARTBEAT_STALE_SECONDS.")
    workers: list[WorkerBeat]


async def queue_stats(redis: Redis, settings: Settings) -> QueueStats:
    """One round trip of O(log n) reads: nothing here grows with the number of jobs."""
    now = now_ms()
    stale = now - int(settings.worker_heartbeat_stale_seconds * 1000)
    async with redis.pipeline(transaction=False) as pipe:
        pipe.zcard(settings.queue_name)
        pipe.zcount(settings.queue_name, "-inf", now)
        pipe.zcard(keys.status_index(JobStatus.PENDING.value))
        pipe.zcard(keys.status_index(JobStatus.PROCESSING.value))
        pipe.zcount(keys.RECENT_COMPLETED, now - HOUR_MS, "+inf")
        pipe.zcount(keys.RECENT_FAILED, now - HOUR_MS, "+inf")
        pipe.zrevrangebyscore(keys.WORKERS, "+inf", stale, start=0, num=MAX_WORKERS_LISTED, withscores=True)
        pipe.zcount(keys.WORKERS, stale, "+inf")
        depth, due, pending, running, done, failed, beats, alive = await pipe.execute()
    return QueueStats(
        queue_depth=depth,
        queue_due=due,
        pending=pending,
        running=running,
        completed_last_hour=done,
        failed_last_hour=failed,
        workers_alive=alive,
        workers=[
            WorkerBeat(
                worker_id=member.decode(), last_heartbeat_ms=int(score), seconds_ago=round((now - score) / 1000, 1)
            )
            for member, score in beats
        ],
    )


async def get_any(store: JobStore, job_id: UUID) -> JobRecord:
    """Any owner's job: operators see them all."""
    record = await store.get(job_id)
    if record is None:
        raise NotFound(f"No job {job_id}: it never existed or it expired.")
    return record


async def retry(store: JobStore, job_id: UUID) -> JobRecord:
    """Put a failed job back in the queue: pending, a fresh queue entry, a fresh retry budget."""
    record = await get_any(store, job_id)
    if record.status is not JobStatus.FAILED:
        raise Conflict(f"Job {job_id} is {record.status.value}; only failed jobs can be retried.")
    again = lifecycle.retried(record, utcnow())
    try:
        await store.write(again, expect_attempt=record.attempt, allowed={JobStatus.FAILED}, dispatch_defer_ms=0)
    except WriteRejected as exc:
        raise Conflict(f"Job {job_id} changed while being retried ({exc.reason}); look again.") from exc
    log.info("job %s retried by an operator (was %s)", job_id, record.error_code, extra={"job_id": str(job_id)})
    return again
