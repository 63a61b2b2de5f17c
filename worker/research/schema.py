"""The knowledge base's schema: what the JSON files under ``data/`` must look like.

Files (each validated by the model named here at load):

- ``sources.json`` -> :class:`SourcesFile`: every agency list, monograph or regulation we cite.
- ``mechanisms.json`` -> :class:`MechanismsFile`: hidden mechanisms (1,4-dioxane from
  ethoxylation, formaldehyde release...) shared by many ingredients.
- ``hazards_*.json`` -> :class:`HazardsFile`: ingredients with at least one concern.
- ``benign.json`` -> :class:`BenignFile`: well-known ingredients with no listed concern.
- ``rules.json`` -> :class:`RulesFile`: name patterns, spelling variants, group words, and the
  words that tell a product's category and form.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from shared.report import EvidenceStrength

Severity = Literal["low", "moderate", "high"]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")]


def _compiles(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {value!r}: {exc}") from exc
    return value


Regex = Annotated[str, AfterValidator(_compiles)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    agency: str = Field(min_length=2)
    document: str = Field(min_length=3)
    year: int = Field(ge=1950, le=2030)
    url: str | None = Field(default=None, pattern=r"^https://")


class Cite(_Strict):
    """A classification and the source id that states it."""

    source: Slug
    says: str = Field(min_length=2, description="The classification, e.g. 'Group 2B'.")


class Condition(_Strict):
    """When a finding applies; every given field must hold (an empty condition always holds)."""

    categories: list[str] | None = None
    not_categories: list[str] | None = None
    forms: list[str] | None = Field(default=None, description="Any of: aerosol, spray, powder.")
    product_words: list[str] | None = Field(
        default=None, description="Any of these words in the product name (e.g. 'bacon')."
    )
    with_any: list[str] | None = Field(
        default=None, description="Any of these ingredients (hazard ids or names) also present."
    )


class Finding(_Strict):
    concern: str = Field(min_length=3)
    severity: Severity
    evidence: EvidenceStrength
    summary: str = Field(min_length=10)
    cites: list[Cite] = Field(min_length=1)
    when: Condition = Condition()


class Mechanism(_Strict):
    id: Slug
    label: str
    findings: list[Finding] = Field(min_length=1)


class HazardEntry(_Strict):
    id: Slug
    name: str
    names: list[str] = Field(default_factory=list, description="Synonyms: INCI, common, FD&C...")
    cas: list[str] = Field(default_factory=list)
    e: list[str] = Field(default_factory=list, description="E-numbers, e.g. 'E171'.")
    ci: list[str] = Field(default_factory=list, description="Colour Index numbers, e.g. '77891'.")
    findings: list[Finding] = Field(default_factory=list)
    mechanisms: list[Slug] = Field(default_factory=list)
    forms: list[str] = Field(
        default_factory=list, description="Product forms its presence implies (propellant: aerosol)."
    )


class BenignGroup(_Strict):
    """Ingredients with no listed concern. An item is a name, or a list: the name, then aliases."""

    group: str
    items: list[str | list[str]] = Field(min_length=1)

    def names(self) -> list[list[str]]:
        return [[item] if isinstance(item, str) else item for item in self.items]


class PatternRule(_Strict):
    """A regex over the lower-cased name; ``entry`` is a hazard id or ``benign``."""

    regex: Regex
    entry: str
    label: str


class RulesFile(_Strict):
    spelling: dict[str, str] = Field(description="British or variant word -> our spelling.")
    group_words: list[str] = Field(description="Headers such as 'colors' that are not ingredients.")
    drop_phrases: list[Regex] = Field(description="Label noise removed before parsing.")
    may_contain: list[Regex]
    categories: dict[str, list[str]] = Field(description="Category group -> words that select it.")
    forms: dict[str, list[str]] = Field(description="Form -> words in the product name/category.")
    hazard_patterns: list[PatternRule]
    benign_patterns: list[PatternRule]


class SourcesFile(_Strict):
    sources: dict[Slug, Source]


class MechanismsFile(_Strict):
    mechanisms: list[Mechanism]


class HazardsFile(_Strict):
    hazards: list[HazardEntry]


class BenignFile(_Strict):
    benign: list[BenignGroup]
