"""Step 5: the structured report and the research result.

Ordering is stable (worst level first, then label order) and nothing depends on the clock, so
the same request and knowledge-base version give the same report, byte for byte.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from shared.models import ResearchResult
from shared.report import (
    Counts,
    FlaggedIngredient,
    HazardLevel,
    Match,
    MatchMethod,
    RecognisedIngredient,
    Report,
    UnrecognisedIngredient,
)
from worker.research.markdown import render_markdown
from worker.research.models import Scored
from worker.research.scoring import SCORING_RULE, rank, rate

DISCLAIMER: Final = (
    "This report is information, not medical advice. It lists what regulators and scientific "
    "agencies have classified about each ingredient (what it can do at some dose), not a measured "
    "risk from this product: amounts, exposure and personal sensitivity matter. Unrecognised "
    "ingredients were not assessed. Ask a doctor or pharmacist about your own health."
)


def _flagged(item: Scored) -> FlaggedIngredient:
    identified = item.assessed.identified
    top = item.assessed.concerns[0]
    assert identified.match is not None
    assert identified.canonical_name is not None
    return FlaggedIngredient(
        as_written=identified.ingredient.as_written,
        entry=identified.ingredient.entry,
        canonical_name=identified.canonical_name,
        level=item.level,
        evidence=top.evidence,
        concern=f"{top.concern}: {top.summary}",
        concerns=item.assessed.concerns,
        match=identified.match,
        may_contain=identified.ingredient.may_contain,
    )


def build_report(scored: Sequence[Scored], product_name: str, brand: str, context: str, kb_version: str) -> Report:
    flagged_items = sorted(
        (s for s in scored if s.level != HazardLevel.NONE),
        key=lambda s: (-rank(s.level), s.assessed.identified.ingredient.position),
    )
    flagged = [_flagged(s) for s in flagged_items]
    not_flagged, unrecognised = [], []
    fuzzy = 0
    for s in scored:
        ident = s.assessed.identified
        match: Match | None = ident.match
        fuzzy += match is not None and match.method == MatchMethod.FUZZY
        if ident.entry_id is None:
            unrecognised.append(
                UnrecognisedIngredient(as_written=ident.ingredient.as_written, entry=ident.ingredient.entry)
            )
        elif s.level == HazardLevel.NONE and match is not None and ident.canonical_name:
            not_flagged.append(
                RecognisedIngredient(
                    as_written=ident.ingredient.as_written,
                    entry=ident.ingredient.entry,
                    canonical_name=ident.canonical_name,
                    match=match,
                )
            )
    levels = [s.level for s in scored]
    counts = Counts(
        ingredients=len(scored),
        recognised=len(scored) - len(unrecognised),
        flagged=len(flagged),
        high=levels.count(HazardLevel.HIGH),
        moderate=levels.count(HazardLevel.MODERATE),
        low=levels.count(HazardLevel.LOW),
        unrecognised=len(unrecognised),
        fuzzy_matches=fuzzy,
    )
    rating = rate(scored)
    who = f"{product_name} ({brand})" if brand else product_name
    summary = (
        f"{who}: {rating.label.lower()}. {counts.ingredients} ingredients read, "
        f"{counts.recognised} recognised; {counts.flagged} flagged ({counts.high} high, "
        f"{counts.moderate} moderate, {counts.low} low); {counts.unrecognised} not recognised "
        f"(data gaps, not assessed)."
    )
    return Report(
        summary=summary,
        rating=rating,
        flagged=flagged,
        not_flagged=not_flagged,
        unrecognised=unrecognised,
        counts=counts,
        product_context=context,
        scoring_rule=list(SCORING_RULE),
        kb_version=kb_version,
        disclaimer=DISCLAIMER,
    )


def build_result(report: Report, product_name: str, brand: str) -> ResearchResult:
    """The job's result: the seed's shape, with the Markdown rendering of the same report."""
    return ResearchResult(
        product_name=product_name,
        brand=brand,
        report=report,
        full_report=render_markdown(report, product_name, brand),
    )
