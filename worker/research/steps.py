"""The deep-research pipeline's steps, in order: the one place they are registered.

Each step is thin: it reads its predecessors' JSON outputs back into models, calls the plain
functions that do the work, and returns JSON. The knowledge base is loaded on first use (not at
import); the worker may call :func:`load_knowledge_base` at start-up to fail fast.
"""

from __future__ import annotations

from typing import Any, Final

from worker.pipeline.base import Step, StepContext
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
    kb = load_knowledge_base()
    identified = load_list(Identified, ctx.outputs["identify"]["identified"])
    product = context_for(kb, identified, ctx.request.product_name, ctx.request.category)
    return {"context": product.describe(), "assessed": dump_list(assess(identified, kb, product))}


async def score_step(ctx: StepContext) -> dict[str, Any]:
    assessed = load_list(Assessed, ctx.outputs["assess"]["assessed"])
    return {"context": ctx.outputs["assess"]["context"], "scored": dump_list(score(assessed))}


async def compile_step(ctx: StepContext) -> dict[str, Any]:
    kb = load_knowledge_base()
    scored = load_list(Scored, ctx.outputs["score"]["scored"])
    request = ctx.request
    report = build_report(scored, request.product_name, request.brand, ctx.outputs["score"]["context"], kb.version)
    return build_result(report, request.product_name, request.brand).model_dump(mode="json")


STEPS: Final[tuple[Step, ...]] = (
    Step("parse", "Parsing ingredient list", 10, parse_step),
    Step("identify", "Identifying ingredients", 30, identify_step),
    Step("assess", "Assessing hazards", 30, assess_step),
    Step("score", "Scoring", 10, score_step),
    Step("compile", "Compiling report", 20, compile_step),
)
