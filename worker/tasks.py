"""The job task: unpack a queue entry's JSON payload, hand the job to the runner.

:func:`run_entry` is what the worker's consumer runs for each entry it takes; :func:`run_job` is
the same, registered with arq under :data:`shared.queue.TASK_NAME` (arq requires a function, and
it keeps the entry format arq's own tools understand).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from pydantic import ValidationError

from shared import lifecycle, queue
from shared.metrics import JOB_DURATION
from shared.models import JobRecord, JobStatus, QueuePayload, utcnow
from shared.store import JobStore, WriteRejected
from worker import metrics
from worker.context import WorkerContext
from worker.isolation import is_suspect
from worker.runner import Runner

log = logging.getLogger("worker.tasks")


def payload_of(raw: bytes) -> Any:
    """The task argument inside an arq entry, if the entry calls our task; else None."""
    try:
        entry = queue.loads(raw)
    except ValueError:
        return None
    if not isinstance(entry, dict) or entry.get("f") != queue.TASK_NAME or not entry.get("a"):
        return None
    return entry["a"][0]


async def run_entry(ctx: WorkerContext, entry: str, payload: Any, record: bytes | None = None) -> str:
    """Run the job named by ``payload`` (a :class:`QueuePayload` as JSON), taken from ``entry``."""
    store = ctx["store"]
    try:
        job = QueuePayload.model_validate(payload)
    except ValidationError as exc:
        log.error("queue entry %s rejected: malformed payload (%d errors)", entry, exc.error_count())
        await store.finish_entry(entry)
        return "rejected"
    runner = Runner(store, ctx["keeper"], ctx["settings"], ctx["worker_id"])
    known = JobRecord.model_validate_json(record) if record else None
    suspect = known is not None and is_suspect(known.crashes, ctx["settings"])
    isolation = ctx["isolation"]
    started = time.perf_counter()
    try:
        async with isolation.alone() if suspect else isolation.shared():
            outcome = await runner.run(str(job.job_id), entry, known)
    except asyncio.CancelledError:
        if not runner.claimed:
            await _give_back(store, str(job.job_id), entry)
        raise
    if (label := metrics.outcome_class(outcome)) is not None:
        metrics.OBSERVED.observe(JOB_DURATION, label, time.perf_counter() - started)  # pushed by flush_forever
    return outcome


async def _give_back(store: JobStore, job_id: str, entry: str) -> None:
    """Shutting down before this entry's job was claimed: queue the job again at once."""
    record = await store.get(job_id)
    if record is None or record.status is not JobStatus.PENDING or record.dispatch != entry:
        return
    with contextlib.suppress(WriteRejected):
        await store.write(
            lifecycle.redispatched(record, utcnow()),
            expect_attempt=record.attempt,
            allowed={JobStatus.PENDING},
            dispatch_defer_ms=0,
            finish_entry=entry,
        )


async def run_job(ctx: WorkerContext, payload: Any) -> str:
    """arq's entry point for the same work."""
    return await run_entry(ctx, ctx.get("job_id", ""), payload)
