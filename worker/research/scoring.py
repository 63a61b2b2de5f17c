"""Step 4's rule: a level per concern, per ingredient, and a rating for the product.

The rule is the same text the report prints (:data:`SCORING_RULE`) and ``docs/scoring.md``
explains. It is deliberately conservative about evidence: a concern's level is the severity of
the harm capped by how well it is established, so a known carcinogen (IARC Group 1) outranks a
possible one (Group 2B) and a weak endocrine signal stays ``low``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from shared.report import EvidenceStrength, HazardLevel, OverallRating
from worker.research.models import JSONDict, Scored

_S = EvidenceStrength
_H = HazardLevel
LEVELS: Final = (_H.NONE, _H.LOW, _H.MODERATE, _H.HIGH)
EVIDENCE_ORDER: Final = (_S.WEAK, _S.LIMITED, _S.MODERATE, _S.STRONG)

MATRIX: Final[dict[tuple[str, EvidenceStrength], HazardLevel]] = {
    ("high", _S.STRONG): _H.HIGH,
    ("high", _S.MODERATE): _H.HIGH,
    ("high", _S.LIMITED): _H.MODERATE,
    ("high", _S.WEAK): _H.LOW,
    ("moderate", _S.STRONG): _H.MODERATE,
    ("moderate", _S.MODERATE): _H.MODERATE,
    ("moderate", _S.LIMITED): _H.LOW,
    ("moderate", _S.WEAK): _H.LOW,
    ("low", _S.STRONG): _H.LOW,
    ("low", _S.MODERATE): _H.LOW,
    ("low", _S.LIMITED): _H.LOW,
    ("low", _S.WEAK): _H.LOW,
}

LABELS: Final = {
    OverallRating.HIGH_CONCERN: "High concern",
    OverallRating.MODERATE_CONCERN: "Moderate concern",
    OverallRating.SOME_CONCERN: "Some concern",
    OverallRating.LOW_CONCERN: "Low concern",
    OverallRating.INSUFFICIENT_DATA: "Insufficient data",
}

SCORING_RULE: Final = (
    "Severity of a concern: high = cancer, genetic damage or harm to reproduction or development; "
    "moderate = hormone disruption, organ toxicity, strong allergens, bans for safety; "
    "low = irritation, milder allergy, environmental persistence.",
    "Evidence: strong = IARC Group 1, NTP 'known', EU CMR 1A, or a ban or restriction in force; "
    "moderate = IARC 2A, NTP 'reasonably anticipated', EU CMR 1B, Proposition 65 listing; "
    "limited = IARC 2B, EU CMR 2, or a contaminant that may or may not be present; "
    "weak = contested or single-study signals.",
    "Concern level = severity capped by evidence: high needs high severity with moderate or "
    "strong evidence; high severity with limited evidence, or moderate severity with moderate "
    "or strong evidence, is moderate; everything else is low.",
    "An ingredient's level is its worst concern's. Unrecognised ingredients get no level: they "
    "are data gaps, not passes.",
    "Product rating: high concern if any ingredient is high; moderate concern if any is "
    "moderate; some concern if any is low; low concern if none is flagged and at least half "
    "were recognised; insufficient data if fewer than half were recognised and none flagged.",
)


RANK: Final[dict[str, int]] = {level.value: n for n, level in enumerate(LEVELS)}
"""A level's value -> its rank (``none`` 0 ... ``high`` 3)."""
_RATINGS: Final = {
    _H.HIGH.value: OverallRating.HIGH_CONCERN,
    _H.MODERATE.value: OverallRating.MODERATE_CONCERN,
    _H.LOW.value: OverallRating.SOME_CONCERN,
}


def rank(level: HazardLevel) -> int:
    return RANK[level.value]


def concern_level(severity: str, evidence: EvidenceStrength) -> HazardLevel:
    return MATRIX[(severity, evidence)]


def rate(scored: Sequence[Scored]) -> JSONDict:
    """The product's rating and what drove it (the report's ``Rating``, as JSON)."""
    total = len(scored)
    recognised = sum(1 for s in scored if s.identified.entry_id is not None)
    worst = max((s.level for s in scored), key=RANK.__getitem__, default=_H.NONE.value)
    gaps = total - recognised
    gap_note = f" {gaps} of {total} ingredients were not recognised and not assessed." if gaps else ""
    if worst == _H.NONE:
        if total == 0 or recognised * 2 < total:
            value = OverallRating.INSUFFICIENT_DATA
            reason = f"Too little was recognised to rate this product.{gap_note}"
        else:
            value = OverallRating.LOW_CONCERN
            reason = f"No recognised ingredient has a listed concern.{gap_note}"
        return {"value": value.value, "label": LABELS[value], "reason": reason.strip(), "drivers": []}
    value = _RATINGS[worst]
    drivers = [s for s in scored if s.level == worst]
    described = []
    for s in drivers:
        top = s.concerns[0].model
        cite = top.citations[0]
        described.append(
            f"{s.identified.ingredient.as_written} ({top.concern}, {top.evidence.value}"
            f" evidence: {cite.agency} {cite.classification})"
        )
    reason = (
        f"{LABELS[value]} because {len(drivers)} ingredient(s) reach the {worst} level: "
        + "; ".join(described)
        + f".{gap_note}"
    )
    names = [s.identified.ingredient.as_written for s in drivers]
    return {"value": value.value, "label": LABELS[value], "reason": reason, "drivers": names}
