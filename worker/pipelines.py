"""Which steps make up each pipeline: the one place pipelines are registered.

``deep_research`` is the product research; ``noop`` does no research (it is what benchmarks and
queue-level tests run, to measure the service rather than the research).
"""

from __future__ import annotations

from worker.pipeline import Step, StepContext


async def _echo(ctx: StepContext) -> dict[str, object]:
    request = ctx.request
    return {
        "product_name": request.product_name,
        "brand": request.brand,
        "report": {"summary": f"No research done: {len(request.ingredients)} ingredients received."},
        "full_report": "",
    }


NOOP: tuple[Step, ...] = (Step("echo", "Echoing the request", 1, _echo),)


class UnknownPipeline(LookupError):
    pass


def steps_for(name: str) -> tuple[Step, ...]:
    if name == "deep_research":
        from worker.research.steps import STEPS

        return STEPS
    if name == "noop":
        return NOOP
    raise UnknownPipeline(f"unknown pipeline {name!r}")
