"""The deep-research pipeline's steps, in order: the one place they are registered.

Each step is thin: it reads its predecessors' JSON outputs back into models, calls the plain
functions that do the work, and returns JSON. The knowledge base is loaded on first use (not at
import); the worker may call :func:`load_knowledge_base` at start-up to fail fast.
"""

from __future__ import annotations

from typing import Any, Final

from pydantic import TypeAdapter

from shared.report import Concern, EvidenceStrength, HazardLevel
from worker.pipeline.base import Step, StepContext, StepFailed
from worker.research.assess import assess, context_for, score
from worker.research.identify import identify
from worker.research.loader import KB_VERSION, load_knowledge_base
from worker.research.models import Assessed, Identified, ParsedIngredient, Scored, dump_list, load_list
from worker.research.parse import parse_ingredients
from worker.research.report import build_report, build_result

__all__ = ["KB_VERSION", "STEPS", "load_knowledge_base"]


async def parse_step(ctx: StepContext) -> dict[str, Any]:
    parsed = parse_ingredients(ctx.request.ingredients, load_knowledge_base())
    return {"ingredients": dump_list(parsed)}


async def identify_step(ctx: StepContext) -> dict[str, Any]:
    parsed = load_list(ParsedIngredient, ctx.outputs["parse"]["ingredients"])
    return {"identified": dump_list(identify(parsed, load_knowledge_base()))}


async def assess_step(ctx: StepContext) -> dict[str, Any]:
    """Output: the product context and, per ingredient, its concerns (aligned with identify)."""
    kb = load_knowledge_base()
    identified = load_list(Identified, ctx.outputs["identify"]["identified"])
    product = context_for(kb, identified, ctx.request.product_name, ctx.request.category)
    assessed = assess(identified, kb, product)
    return {"context": product.describe(), "concerns": [dump_list(a.concerns) for a in assessed]}


def _assessed(ctx: StepContext) -> list[Assessed]:
    identified = load_list(Identified, ctx.outputs["identify"]["identified"])
    concerns = _CONCERNS.validate_python(ctx.outputs["assess"]["concerns"])
    if len(concerns) != len(identified):
        raise StepFailed("checkpoints disagree on the number of ingredients", code="internal")
    return [Assessed(identified=i, concerns=c) for i, c in zip(identified, concerns, strict=True)]


async def score_step(ctx: StepContext) -> dict[str, Any]:
    """Output: per ingredient, its level and the evidence behind it (aligned with identify)."""
    scored = score(_assessed(ctx))
    return {"levels": [[s.level.value, s.evidence.value if s.evidence else None] for s in scored]}


async def compile_step(ctx: StepContext) -> dict[str, Any]:
    kb = load_knowledge_base()
    levels = ctx.outputs["score"]["levels"]
    scored = [
        Scored(assessed=a, level=HazardLevel(level), evidence=EvidenceStrength(ev) if ev else None)
        for a, (level, ev) in zip(_assessed(ctx), levels, strict=True)
    ]
    request = ctx.request
    report = build_report(scored, request.product_name, request.brand, ctx.outputs["assess"]["context"], kb.version)
    return build_result(report, request.product_name, request.brand).model_dump(mode="json")


_CONCERNS: Final = TypeAdapter(list[list[Concern]])


STEPS: Final[tuple[Step, ...]] = (
    Step("parse", "Parsing ingredient list", 10, parse_step),
    Step("identify", "Identifying ingredients", 30, identify_step),
    Step("assess", "Assessing hazards", 30, assess_step),
    Step("score", "Scoring", 10, score_step),
    Step("compile", "Compiling report", 20, compile_step),
)
