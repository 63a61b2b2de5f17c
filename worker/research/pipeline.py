"""Run the research steps in-process, without Redis: for the CLI, tests and the benchmark.

Outputs go through JSON between steps exactly as the runner's checkpoints do, so a step that
cannot read its predecessor's JSON fails here too.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from shared.models import ResearchRequest, ResearchResult
from worker.pipeline.base import StepContext
from worker.research.steps import STEPS


async def run_research(request: ResearchRequest, job_id: str = "offline") -> ResearchResult:
    """All steps in order; the last one's output validated as the result."""
    outputs: dict[str, Any] = {}
    last: Any = None
    for step in STEPS:
        last = await step.run(StepContext(job_id=job_id, request=request, outputs=dict(outputs)))
        outputs[step.name] = json.loads(json.dumps(last))
    return ResearchResult.model_validate(last)


def research(request: ResearchRequest) -> ResearchResult:
    """Synchronous :func:`run_research` for the CLI: ``deep-research research --input ...``."""
    return asyncio.run(run_research(request))
