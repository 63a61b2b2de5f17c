"""What the API does with jobs, as plain async functions taking the store: testable without HTTP."""

from __future__ import annotations

import hashlib
import logging
from uuid import UUID, uuid4

from api.errors import Conflict, NotFound, TooManyRequests
from shared import lifecycle
from shared.models import JobRecord, JobStatus, ResearchRequest, utcnow
from shared.store import (
    Created,
    Idempotency,
    IdempotencyConflict,
    JobExists,
    JobStore,
    Lease,
    QueueFull,
    WriteRejected,
)

log = logging.getLogger("api.jobs")


def idempotency_of(key: str | None, owner: str | None, request: ResearchRequest) -> Idempotency | None:
    """Scope a client's Idempotency-Key to its owner, and fingerprint the (validated) body."""
    if key is None:
        return None
    scoped = hashlib.sha256(f"{owner or ''}\0{key}".encode()).hexdigest()
    return Idempotency(scoped, hashlib.sha256(request.model_dump_json().encode()).hexdigest())


async def submit(
    store: JobStore,
    request: ResearchRequest,
    *,
    owner: str | None = None,
    correlation_id: str | None = None,
    idempotency_key: str | None = None,
) -> Created:
    """Record a new pending job and queue it, in one atomic step (or replay an idempotent one)."""
    record = lifecycle.new_job(request, store.settings, job_id=uuid4(), owner=owner, correlation_id=correlation_id)
    try:
        created = await store.create(record, idempotency=idempotency_of(idempotency_key, owner, request))
    except QueueFull as exc:
        raise TooManyRequests(
            f"The queue is full ({exc.cap} jobs waiting); try again later.", headers={"Retry-After": "30"}
        ) from exc
    except IdempotencyConflict as exc:
        raise Conflict(
            f"This Idempotency-Key was already used for job {exc.job_id} with a different request body."
        ) from exc
    except JobExists as exc:  # a UUIDv4 collision: astronomically unlikely, but never overwrite a job
        raise Conflict("Could not allocate a job id; please retry.") from exc
    log.info(
        "job %s %s: %d ingredients",
        created.job_id,
        "replayed" if created.replayed else "submitted",
        len(request.ingredients),
        extra={"job_id": str(created.job_id)},
    )
    return created


async def get(store: JobStore, job_id: UUID, *, owner: str | None = None) -> JobRecord:
    """The job, if it exists and ``owner`` may see it (None = keys off: anyone with the id)."""
    record = await store.get(job_id)
    if record is None or (owner is not None and record.owner != owner):
        raise NotFound(f"No job {job_id}: it never existed or it expired.")
    return record


async def cancel(store: JobStore, job_id: UUID, *, owner: str | None = None) -> JobRecord:
    """Cancel a pending or running job: exactly one ``cancelled`` state, or 409 if it had ended."""
    for _ in range(5):
        record = await get(store, job_id, owner=owner)
        if record.is_terminal:
            raise Conflict(f"Job {job_id} has already ended ({record.status.value}); nothing to cancel.")
        done = lifecycle.cancelled(record, utcnow())
        lease = Lease(str(job_id), record.attempt) if record.status is JobStatus.PROCESSING else None
        try:
            await store.write(
                done,
                expect_attempt=record.attempt,
                allowed={record.status},
                lease_remove=lease,
                finish_entry=record.dispatch if record.status is JobStatus.PENDING else None,
            )
        except WriteRejected:
            continue  # it moved on (claimed, finished...) between our read and write: look again
        log.info("job %s cancelled (was %s)", job_id, record.status.value, extra={"job_id": str(job_id)})
        return done
    raise Conflict(f"Job {job_id} is changing state too fast to cancel; try again.")
