"""Steps 3 and 4: the concerns that apply to each identified ingredient, and its level.

A hazard entry's findings are its own plus those of the mechanisms it carries (1,4-dioxane from
ethoxylation, formaldehyde release...). A finding may hold only in some products (its
``when``); :mod:`worker.research.context` decides. Every concern carries at least one citation.
"""

from __future__ import annotations

from collections.abc import Sequence

from shared.report import Citation, Concern, HazardLevel
from worker.research.context import ProductContext, applies, product_context
from worker.research.index import KnowledgeBase
from worker.research.models import Assessed, Identified, Scored
from worker.research.schema import Cite, Finding, Mechanism
from worker.research.scoring import EVIDENCE_ORDER, concern_level, rank
from worker.research.text import Normaliser, fold


def context_for(
    kb: KnowledgeBase, identified: Sequence[Identified], product_name: str, category: str
) -> ProductContext:
    """The product's context, with the forms its ingredients imply (a propellant: aerosol)."""
    hazard_ids = [item.entry_id for item in identified if item.entry_id in kb.hazards]
    implied = {form for entry_id in hazard_ids if entry_id for form in kb.hazards[entry_id].forms}
    present = {entry_id for entry_id in hazard_ids if entry_id}
    present |= {Normaliser.key_of_lower(fold(item.canonical_name)) for item in identified if item.canonical_name}
    return product_context(kb, product_name, category, implied, present)


def _citation(kb: KnowledgeBase, cite: Cite) -> Citation:
    source = kb.sources[cite.source]
    return Citation(
        agency=source.agency,
        document=source.document,
        year=source.year,
        classification=cite.says,
        url=source.url,
    )


def _concern(kb: KnowledgeBase, finding: Finding, mechanism: Mechanism | None, context: str | None) -> Concern:
    return Concern(
        concern=finding.concern,
        level=concern_level(finding.severity, finding.evidence),
        severity=HazardLevel(finding.severity),
        evidence=finding.evidence,
        summary=finding.summary,
        mechanism=mechanism.label if mechanism else None,
        context=context,
        citations=[_citation(kb, c) for c in finding.cites],
    )


def _sort_key(concern: Concern) -> tuple[int, int]:
    return (-rank(concern.level), -EVIDENCE_ORDER.index(concern.evidence))


def assess(identified: Sequence[Identified], kb: KnowledgeBase, ctx: ProductContext) -> list[Assessed]:
    out = []
    for item in identified:
        concerns: list[Concern] = []
        entry = kb.hazards.get(item.entry_id) if item.entry_id else None
        if entry is not None:
            for finding, mechanism in kb.findings_of(entry):
                holds, reason = applies(finding.when, ctx)
                if holds:
                    concerns.append(_concern(kb, finding, mechanism, reason))
        concerns.sort(key=_sort_key)
        out.append(Assessed(identified=item, concerns=concerns))
    return out


def score(assessed: Sequence[Assessed]) -> list[Scored]:
    """Each ingredient's level is its worst concern's (concerns are sorted worst first)."""
    out = []
    for item in assessed:
        if item.concerns:
            top = item.concerns[0]
            out.append(Scored(assessed=item, level=top.level, evidence=top.evidence))
        else:
            out.append(Scored(assessed=item, level=HazardLevel.NONE))
    return out
