"""``deep-research research --input request.json``: the research pipeline offline, no Redis."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from pydantic import ValidationError

from shared.models import ResearchRequest, ResearchResult
from worker.pipeline.local import run_locally
from worker.pipelines import steps_for


def run_offline(source: str, output_format: str) -> int:
    text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    try:
        request = ResearchRequest.model_validate_json(text)
    except ValidationError as exc:
        print(f"Invalid request in {source}:\n{exc}", file=sys.stderr)
        return 2
    result = ResearchResult.model_validate(asyncio.run(run_locally(steps_for("deep_research"), request)))
    if output_format == "markdown":
        print(result.full_report)
    else:
        print(json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False))
    return 0
