"""Pipelines for the reliability tests, loaded by workers through ``EXTRA_PIPELINES``.

``chaos`` has four steps. The request's ``category`` carries directives, ``key=value`` joined by
``;``: ``sleep=S`` makes each step wait S seconds (a stand-in for slow research, so that workers
can be killed mid-job); ``crash=STEP`` exits the process (``os._exit``) in that step; and
``transient=STEP`` raises a transient error there. Every step run is appended to a log file in
``$CHAOS_LOG_DIR`` (``<job_id> <step> <pid>``) so tests can count re-runs.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from worker.pipeline import Step, StepContext, TransientError


def directives(ctx: StepContext) -> dict[str, str]:
    pairs = (item.partition("=") for item in ctx.request.category.split(";") if "=" in item)
    return {key.strip(): value.strip() for key, _, value in pairs}


def _record(ctx: StepContext, step: str) -> None:
    folder = os.environ.get("CHAOS_LOG_DIR")
    if folder:
        with (Path(folder) / f"steps-{os.getpid()}.log").open("a") as log:
            log.write(f"{ctx.job_id} {step} {os.getpid()}\n")


def make_step(name: str) -> Step:
    async def run(ctx: StepContext) -> dict[str, object]:
        rules = directives(ctx)
        if rules.get("crash") == name:
            os._exit(17)
        if rules.get("transient") == name:
            raise TransientError(f"simulated transient failure in {name}")
        await asyncio.sleep(float(rules.get("sleep", "0")))
        _record(ctx, name)
        return {
            "product_name": ctx.request.product_name,
            "brand": ctx.request.brand,
            "report": {"summary": f"chaos step {name} done", "steps": [*ctx.outputs, name]},
            "full_report": "",
        }

    return Step(name, f"Chaos {name}", 1, run)


PIPELINES: dict[str, tuple[Step, ...]] = {"chaos": tuple(make_step(f"s{i}") for i in range(1, 5))}


def step_runs(folder: Path) -> list[tuple[str, str, int]]:
    """Every recorded step run: (job_id, step, pid)."""
    runs = []
    for log in folder.glob("steps-*.log"):
        for line in log.read_text().splitlines():
            job_id, step, pid = line.split()
            runs.append((job_id, step, int(pid)))
    return runs
