"""What the API does with jobs, as plain async functions taking the store: testable without HTTP."""

from __future__ import annotations

import logging
from uuid import UUID, uuid4

from api.errors import Conflict, NotFound
from shared import lifecycle
from shared.models import JobRecord, JobStatus, ResearchRequest, utcnow
from shared.store import JobStore, Lease, WriteRejected

log = logging.getLogger("api.jobs")


async def submit(
    store: JobStore, request: ResearchRequest, *, owner: str | None = None, correlation_id: str | None = None
) -> JobRecord:
    """Record a new pending job and queue it, in one atomic step."""
    record = lifecycle.new_job(request, store.settings, job_id=uuid4(), owner=owner, correlation_id=correlation_id)
    created = await store.create(record)
    if not created:  # a UUIDv4 collision: astronomically unlikely, but never overwrite a job
        raise Conflict("Could not allocate a job id; please retry.")
    log.info(
        "job %s submitted: %d ingredients", record.job_id, len(request.ingredients),
        extra={"job_id": str(record.job_id)},
    )
    return record


async def get(store: JobStore, job_id: UUID) -> JobRecord:
    record = await store.get(job_id)
    if record is None:
        raise NotFound(f"No job {job_id}: it never existed or it expired.")
    return record


async def cancel(store: JobStore, job_id: UUID) -> JobRecord:
    """Cancel a pending or running job: exactly one ``cancelled`` state, or 409 if it had ended."""
    for _ in range(5):
        record = await get(store, job_id)
        if record.is_terminal:
            raise Conflict(f"Job {job_id} has already ended ({record.status.value}); nothing to cancel.")
        done = lifecycle.cancelled(record, utcnow())
        lease = Lease(str(job_id), record.attempt) if record.status is JobStatus.PROCESSING else None
        try:
            await store.write(done, expect_attempt=record.attempt, allowed={record.status}, lease_remove=lease)
        except WriteRejected:
            continue  # it moved on (claimed, finished...) between our read and write: look again
        log.info("job %s cancelled (was %s)", job_id, record.status.value, extra={"job_id": str(job_id)})
        return done
    raise Conflict(f"Job {job_id} is changing state too fast to cancel; try again.")
