"""The research report's schema: the ``report`` inside a completed job's ``result``.

The worker's research pipeline builds it and the API serves it; clients read it. Every field is
documented because this model is part of the OpenAPI schema.

Scale (see ``docs/scoring.md``): each ingredient gets a :class:`HazardLevel` from the severity of
its concern and the strength of the evidence; the product gets an :class:`OverallRating` from its
worst and its most numerous levels. The report is deterministic: the same request and knowledge
base version give byte-identical output (no timestamps, stable ordering).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class HazardLevel(StrEnum):
    """Per-ingredient level; anything above ``none`` is a flag."""

    NONE = "none"
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


class EvidenceStrength(StrEnum):
    """How firmly the concern is established, strongest first."""

    STRONG = "strong"
    MODERATE = "moderate"
    LIMITED = "limited"
    WEAK = "weak"


class OverallRating(StrEnum):
    """The product's rating, best first; ``insufficient_data`` when too little was recognised."""

    LOW_CONCERN = "low_concern"
    SOME_CONCERN = "some_concern"
    MODERATE_CONCERN = "moderate_concern"
    HIGH_CONCERN = "high_concern"
    INSUFFICIENT_DATA = "insufficient_data"


class MatchMethod(StrEnum):
    """How an ingredient was recognised: ``fuzzy`` matches carry a confidence below 100."""

    EXACT = "exact"
    IDENTIFIER = "identifier"
    PATTERN = "pattern"
    FUZZY = "fuzzy"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Citation(_Frozen):
    """Where a classification comes from, so that a reader can check it."""

    agency: str = Field(description="Who classified it, e.g. 'IARC', 'US FDA', 'European Union'.")
    document: str = Field(description="The list, monograph or regulation.")
    year: int = Field(description="Year of the monograph, listing or regulation.")
    classification: str = Field(description="What it says, e.g. 'Group 1', 'Annex II (banned)'.")
    url: str | None = Field(default=None, description="A stable address for the source, if any.")


class Concern(_Frozen):
    """One reason an ingredient is flagged."""

    concern: str = Field(description="Kind of concern, e.g. 'cancer', 'endocrine', 'allergy'.")
    level: HazardLevel = Field(description="This concern's level (severity x evidence).")
    severity: HazardLevel = Field(description="How serious the harm would be if it occurs.")
    evidence: EvidenceStrength
    summary: str = Field(description="The concern in one or two sentences.")
    mechanism: str | None = Field(default=None, description="The hidden mechanism, e.g. '1,4-dioxane contamination'.")
    context: str | None = Field(
        default=None, description="Why it applies to this product (category, form), if it depends."
    )
    citations: list[Citation] = Field(min_length=1)


class Match(_Frozen):
    """How the ingredient as written was recognised."""

    method: MatchMethod
    confidence: int = Field(ge=0, le=100, description="100 unless the match is fuzzy.")
    matched: str = Field(description="The knowledge-base name or pattern that matched.")


class FlaggedIngredient(_Frozen):
    """An ingredient with at least one concern, shown as written beside its canonical name."""

    as_written: str = Field(description="The ingredient exactly as the request wrote it.")
    entry: int = Field(description="Index of the request's ingredients entry it came from.")
    canonical_name: str
    level: HazardLevel = Field(description="The highest level among its concerns.")
    evidence: EvidenceStrength = Field(description="The evidence behind that highest level.")
    concern: str = Field(description="The main concern, in one sentence.")
    concerns: list[Concern] = Field(min_length=1)
    match: Match
    may_contain: bool = Field(default=False, description="Listed as 'may contain' / '+/-'.")


class RecognisedIngredient(_Frozen):
    """An ingredient the knowledge base knows and holds no concern about for this product."""

    as_written: str
    entry: int
    canonical_name: str
    match: Match


class UnrecognisedIngredient(_Frozen):
    """A data gap: not in the knowledge base, so neither flagged nor cleared."""

    as_written: str
    entry: int


class Counts(_Frozen):
    """How the ingredients split up."""

    ingredients: int = Field(description="Ingredients after splitting the entries.")
    recognised: int
    flagged: int
    high: int
    moderate: int
    low: int
    unrecognised: int
    fuzzy_matches: int


class Rating(_Frozen):
    """The overall rating and what drove it."""

    value: OverallRating
    label: str = Field(description="The rating in words.")
    reason: str = Field(description="Why the product got this rating.")
    drivers: list[str] = Field(description="The ingredients (as written) that set the rating.")


class Report(_Frozen):
    """The structured research report (``result.report``)."""

    summary: str
    rating: Rating
    flagged: list[FlaggedIngredient] = Field(description="Worst first, then in label order.")
    not_flagged: list[RecognisedIngredient] = Field(description="Recognised, no concern found.")
    unrecognised: list[UnrecognisedIngredient] = Field(
        description="Data gaps: not recognised, so not assessed and not treated as safe."
    )
    counts: Counts
    product_context: str = Field(description="The category and exposure routes assumed.")
    scoring_rule: list[str] = Field(description="The scale and the rule, as applied.")
    kb_version: str = Field(description="Knowledge-base version the report was built with.")
    disclaimer: str
