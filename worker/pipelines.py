"""Which steps make up each pipeline: the one place pipelines are registered.

``deep_research`` is the product research; ``noop`` does no research (it is what benchmarks and
queue-level tests run, to measure the service rather than the research). More pipelines can be
registered without touching this file through ``EXTRA_PIPELINES`` (the fault tests do).
"""

from __future__ import annotations

import importlib
import os

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


def _extra_pipelines() -> dict[str, tuple[Step, ...]]:
    """Pipelines registered from outside: ``EXTRA_PIPELINES=package.module:MAPPING``."""
    spec = os.environ.get("EXTRA_PIPELINES", "")
    if not spec:
        return {}
    module, _, attribute = spec.partition(":")
    found: dict[str, tuple[Step, ...]] = getattr(importlib.import_module(module), attribute)
    return found


def steps_for(name: str) -> tuple[Step, ...]:
    extra = _extra_pipelines()
    if name in extra:
        return extra[name]
    if name == "deep_research":
        from worker.research.steps import STEPS

        research: tuple[Step, ...] = STEPS
        return research
    if name == "noop":
        return NOOP
    raise UnknownPipeline(f"unknown pipeline {name!r}")
