"""Steps 3 and 4: the concerns that apply to each identified ingredient, and its level.

A hazard entry's findings are its own plus those of the mechanisms it carries (1,4-dioxane from
ethoxylation, formaldehyde release...). A finding may hold only in some products (its
``when``); :mod:`worker.research.context` decides. Every concern carries at least one citation.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Final

from shared.report import Citation, Concern, HazardLevel
from worker.research.context import ProductContext, applies, product_context
from worker.research.index import KnowledgeBase
from worker.research.markdown import concern_markdown
from worker.research.models import ConcernRef, ResolvedConcern
from worker.research.schema import Cite
from worker.research.scoring import EVIDENCE_ORDER, concern_level, rank
from worker.research.text import name_key

CONCERN_CACHE_SIZE: Final = 4096


def context_for(
    kb: KnowledgeBase,
    entry_ids: Sequence[str | None],
    canonical_names: Sequence[str | None],
    product_name: str,
    category: str,
) -> ProductContext:
    """The product's context, with the forms its ingredients imply (a propellant: aerosol).

    ``entry_ids`` and ``canonical_names``: what identification found for each ingredient.
    """
    hazard_ids = [entry_id for entry_id in entry_ids if entry_id in kb.hazards]
    implied = {form for entry_id in hazard_ids if entry_id for form in kb.hazards[entry_id].forms}
    present = {entry_id for entry_id in hazard_ids if entry_id}
    present |= {name_key(name) for name in canonical_names if name}
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


@lru_cache(maxsize=CONCERN_CACHE_SIZE)
def resolve(kb: KnowledgeBase, ref: str, context: str | None) -> ResolvedConcern:
    """The concern a finding ref names, with its citations looked up in the knowledge base."""
    finding, mechanism = kb.findings[ref]
    concern = Concern(
        concern=finding.concern,
        level=concern_level(finding.severity, finding.evidence),
        severity=HazardLevel(finding.severity),
        evidence=finding.evidence,
        summary=finding.summary,
        mechanism=mechanism.label if mechanism else None,
        context=context,
        citations=[_citation(kb, c) for c in finding.cites],
    )
    as_json = concern.model_dump(mode="json")
    return ResolvedConcern(concern, as_json, concern_markdown(as_json), as_json["level"], as_json["evidence"])


def _sort_key(kb: KnowledgeBase, ref: str) -> tuple[int, int]:
    finding = kb.findings[ref][0]
    return (-rank(concern_level(finding.severity, finding.evidence)), -EVIDENCE_ORDER.index(finding.evidence))


def assess(kb: KnowledgeBase, entry_ids: Sequence[str | None], ctx: ProductContext) -> list[list[ConcernRef]]:
    """Per ingredient, the concerns that hold in this product, worst first (by ref, not copied)."""
    out = []
    for entry_id in entry_ids:
        concerns: list[ConcernRef] = []
        for ref in kb.finding_refs.get(entry_id, ()) if entry_id else ():
            holds, reason = applies(kb.findings[ref][0].when, ctx)
            if holds:
                concerns.append((ref, reason))
        if len(concerns) > 1:
            concerns.sort(key=lambda c: _sort_key(kb, c[0]))
        out.append(concerns)
    return out


def score(kb: KnowledgeBase, concerns: Sequence[Sequence[ConcernRef]]) -> list[tuple[str, str | None]]:
    """Each ingredient's level and the evidence behind it: its worst concern's (they are sorted
    worst first), as the values of :class:`HazardLevel` and :class:`EvidenceStrength`."""
    out: list[tuple[str, str | None]] = []
    for refs in concerns:
        if refs:
            top = resolve(kb, *refs[0])
            out.append((top.level, top.evidence))
        else:
            out.append((HazardLevel.NONE.value, None))
    return out
