"""A paced test pipeline for the end-to-end tests, loaded by workers through ``EXTRA_PIPELINES``.

Each step waits ``E2E_STEP_SECONDS`` (default 0.25 s) before echoing the request: the wait stands
in for research time, so that a client polling the API can watch ``processing`` with ``progress``
and ``current_step`` changing, and so that a worker can be stopped while jobs are still queued.
"""

from __future__ import annotations

import asyncio
import os

from worker.pipeline import Step, StepContext


def _step(name: str) -> Step:
    async def run(ctx: StepContext) -> dict[str, object]:
        await asyncio.sleep(float(os.environ.get("E2E_STEP_SECONDS", "0.25")))
        return {
            "product_name": ctx.request.product_name,
            "brand": ctx.request.brand,
            "report": {"steps": [*ctx.outputs, name], "ingredients": len(ctx.request.ingredients)},
            "full_report": f"# {ctx.request.product_name}\n",
        }

    return Step(name, f"Paced step {name}", 1, run)


PIPELINES: dict[str, tuple[Step, ...]] = {"paced": (_step("read"), _step("check"), _step("report"))}
