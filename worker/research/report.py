"""Step 5: the structured report and the research result.

Ordering is stable (worst level first, then label order) and nothing depends on the clock, so
the same request and knowledge-base version give the same report, byte for byte.

The result is assembled directly in its JSON form (the shape of :class:`shared.models.ResearchResult`,
field for field and in field order) from concerns that were built and validated once per process
(:func:`worker.research.assess.resolve`): re-validating hundreds of identical citations per job
was most of the pipeline's cost. The tests check that the output validates as the shared model
and dumps back unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from shared.report import HazardLevel, MatchMethod
from worker.research.markdown import render_report
from worker.research.models import JSONDict, Scored
from worker.research.scoring import RANK, SCORING_RULE, rate

DISCLAIMER: Final = (
    "This report is information, not medical advice. It lists what regulators and scientific "
    "agencies have classified about each ingredient (what it can do at some dose), not a measured "
    "risk from this product: amounts, exposure and personal sensitivity matter. Unrecognised "
    "ingredients were not assessed. Ask a doctor or pharmacist about your own health."
)


def _flagged(item: Scored) -> JSONDict:
    identified = item.identified
    top = item.concerns[0].model
    assert identified.match is not None
    assert identified.canonical_name is not None
    return {
        "as_written": identified.ingredient.as_written,
        "entry": identified.ingredient.entry,
        "canonical_name": identified.canonical_name,
        "level": item.level,
        "evidence": item.concerns[0].evidence,
        "concern": f"{top.concern}: {top.summary}",
        "concerns": [c.json for c in item.concerns],
        "match": identified.match.as_json(),
        "may_contain": identified.ingredient.may_contain,
    }


def _flagged_items(scored: Sequence[Scored]) -> list[Scored]:
    """The flagged ingredients, worst first, then in label order."""
    flagged = (s for s in scored if s.level != HazardLevel.NONE)
    return sorted(flagged, key=lambda s: (-RANK[s.level], s.identified.ingredient.position))


def build_report(scored: Sequence[Scored], product_name: str, brand: str, context: str, kb_version: str) -> JSONDict:
    """The report (``result.report``) as JSON."""
    flagged = [_flagged(s) for s in _flagged_items(scored)]
    not_flagged, unrecognised = [], []
    fuzzy = 0
    for s in scored:
        ident = s.identified
        match = ident.match
        fuzzy += match is not None and match.method == MatchMethod.FUZZY
        if ident.entry_id is None:
            unrecognised.append({"as_written": ident.ingredient.as_written, "entry": ident.ingredient.entry})
        elif s.level == HazardLevel.NONE and match is not None and ident.canonical_name:
            not_flagged.append(
                {
                    "as_written": ident.ingredient.as_written,
                    "entry": ident.ingredient.entry,
                    "canonical_name": ident.canonical_name,
                    "match": match.as_json(),
                }
            )
    levels = [s.level for s in scored]
    counts = {
        "ingredients": len(scored),
        "recognised": len(scored) - len(unrecognised),
        "flagged": len(flagged),
        "high": levels.count(HazardLevel.HIGH.value),
        "moderate": levels.count(HazardLevel.MODERATE.value),
        "low": levels.count(HazardLevel.LOW.value),
        "unrecognised": len(unrecognised),
        "fuzzy_matches": fuzzy,
    }
    rating = rate(scored)
    who = f"{product_name} ({brand})" if brand else product_name
    summary = (
        f"{who}: {rating['label'].lower()}. {counts['ingredients']} ingredients read, "
        f"{counts['recognised']} recognised; {counts['flagged']} flagged ({counts['high']} high, "
        f"{counts['moderate']} moderate, {counts['low']} low); {counts['unrecognised']} not recognised "
        f"(data gaps, not assessed)."
    )
    return {
        "summary": summary,
        "rating": rating,
        "flagged": flagged,
        "not_flagged": not_flagged,
        "unrecognised": unrecognised,
        "counts": counts,
        "product_context": context,
        "scoring_rule": list(SCORING_RULE),
        "kb_version": kb_version,
        "disclaimer": DISCLAIMER,
    }


def build_result(scored: Sequence[Scored], product_name: str, brand: str, context: str, kb_version: str) -> JSONDict:
    """The job's result (:class:`shared.models.ResearchResult` as JSON): the seed's shape, with
    the Markdown rendering of the same report."""
    report = build_report(scored, product_name, brand, context, kb_version)
    rendered = [[c.markdown for c in s.concerns] for s in _flagged_items(scored)]
    return {
        "product_name": product_name,
        "brand": brand,
        "report": report,
        "full_report": render_report(report, product_name, brand, rendered),
    }
