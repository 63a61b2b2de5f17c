"""The deep-research pipeline's steps, in order: the one place they are registered.

Each step is thin: it reads its predecessors' checkpoints (:mod:`worker.research.models` holds
their JSON forms), calls the plain functions that do the work, and returns JSON. The knowledge
base is loaded on first use (not at import); the worker may call :func:`load_knowledge_base` at
start-up to fail fast.

Checkpoints refer to the knowledge base by id and are only valid with the version that wrote
them. A step that finds a predecessor's checkpoint from another release (a job resumed after a
deploy) recomputes that output from the request instead: the steps are deterministic, so the
result is what a fresh run with this release gives.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from worker.pipeline.base import Step, StepContext, StepFailed
from worker.research.assess import assess, context_for, resolve, score
from worker.research.identify import identify
from worker.research.index import KnowledgeBase
from worker.research.loader import KB_VERSION, load_knowledge_base
from worker.research.models import (
    Identified,
    JSONDict,
    Scored,
    dump_identified,
    dump_parsed,
    is_current,
    load_identified,
    load_parsed,
    stamp,
)
from worker.research.parse import parse_ingredients
from worker.research.report import build_result

__all__ = ["KB_VERSION", "STEPS", "load_knowledge_base"]


def _parse(ctx: StepContext, kb: KnowledgeBase) -> JSONDict:
    return dump_parsed(parse_ingredients(ctx.request.ingredients, kb), kb.version)


def _identify(ctx: StepContext, kb: KnowledgeBase) -> JSONDict:
    parsed = load_parsed(_input(ctx, kb, "parse"))
    return dump_identified(identify(parsed, kb), kb.version)


def _identified(ctx: StepContext, kb: KnowledgeBase) -> list[Identified]:
    parsed = load_parsed(_input(ctx, kb, "parse"))
    return load_identified(parsed, _input(ctx, kb, "identify"))


def _assess(ctx: StepContext, kb: KnowledgeBase) -> JSONDict:
    """Per ingredient (aligned with identify), its concerns as ``[finding ref, context]``."""
    found = _input(ctx, kb, "identify")
    entry_ids, names = found["entry_id"], found["canonical_name"]
    product = context_for(kb, entry_ids, names, ctx.request.product_name, ctx.request.category)
    return stamp(kb.version, context=product.describe(), concerns=assess(kb, entry_ids, product))


def _score(ctx: StepContext, kb: KnowledgeBase) -> JSONDict:
    """Per ingredient (aligned with identify), its level and the evidence behind it."""
    levels = score(kb, _input(ctx, kb, "assess")["concerns"])
    return stamp(kb.version, levels=[list(level) for level in levels])


def _compile(ctx: StepContext, kb: KnowledgeBase) -> JSONDict:
    identified = _identified(ctx, kb)
    assessed = _input(ctx, kb, "assess")
    concerns = assessed["concerns"]
    levels = _input(ctx, kb, "score")["levels"]
    if not len(identified) == len(concerns) == len(levels):
        raise StepFailed("checkpoints disagree on the number of ingredients", code="internal")
    scored = [
        Scored(item, tuple([resolve(kb, ref, reason) for ref, reason in refs]), level, evidence)
        for item, refs, (level, evidence) in zip(identified, concerns, levels, strict=True)
    ]
    request = ctx.request
    return build_result(scored, request.product_name, request.brand, assessed["context"], kb.version)


Producer = Callable[[StepContext, KnowledgeBase], JSONDict]
_PRODUCERS: Final[dict[str, Producer]] = {
    "parse": _parse,
    "identify": _identify,
    "assess": _assess,
    "score": _score,
    "compile": _compile,
}


def _input(ctx: StepContext, kb: KnowledgeBase, name: str) -> Any:
    """A predecessor's output: its checkpoint if this release wrote it, else recomputed."""
    saved = ctx.outputs.get(name)
    if is_current(saved, kb.version):
        return saved
    return _PRODUCERS[name](ctx, kb)


def _step(name: str) -> Callable[[StepContext], Any]:
    producer = _PRODUCERS[name]

    async def run(ctx: StepContext) -> JSONDict:
        return producer(ctx, load_knowledge_base())

    run.__name__ = run.__qualname__ = f"{name}_step"
    return run


STEPS: Final[tuple[Step, ...]] = (
    Step("parse", "Parsing ingredient list", 10, _step("parse")),
    Step("identify", "Identifying ingredients", 30, _step("identify")),
    Step("assess", "Assessing hazards", 30, _step("assess")),
    Step("score", "Scoring", 10, _step("score")),
    Step("compile", "Compiling report", 20, _step("compile")),
)
