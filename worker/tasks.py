"""The arq task: unpack the JSON payload, hand the job to the runner."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError

from shared.models import QueuePayload
from worker.context import WorkerContext
from worker.runner import Runner

log = logging.getLogger("worker.tasks")


async def run_job(ctx: WorkerContext, payload: Any) -> str:
    """Run the job named by ``payload`` (a :class:`QueuePayload` as JSON)."""
    try:
        job = QueuePayload.model_validate(payload)
    except ValidationError as exc:
        log.error("queue entry %s rejected: malformed payload (%d errors)", ctx.get("job_id"), exc.error_count())
        return "rejected"
    runner = Runner(ctx["store"], ctx["keeper"], ctx["settings"], ctx["worker_id"])
    return await runner.run(str(job.job_id), ctx.get("job_id", ""))
