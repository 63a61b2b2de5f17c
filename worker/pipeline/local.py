"""Run a pipeline in-process, without Redis: for ``deep-research research``, tests and benchmarks."""

from __future__ import annotations

import json
from typing import Any

from shared.models import ResearchRequest
from worker.pipeline.base import Step, StepContext


async def run_locally(steps: tuple[Step, ...], request: ResearchRequest, job_id: str = "offline") -> Any:
    """Run every step in order, passing outputs through JSON as the real runner's checkpoints do."""
    outputs: dict[str, Any] = {}
    ctx = StepContext(job_id=job_id, request=request, outputs=outputs)
    for step in steps:
        outputs[step.name] = json.loads(json.dumps(await step.run(ctx)))
    return outputs[steps[-1].name]
