"""What the research steps hand to each other.

Each step's output is saved as a JSON checkpoint, so every model here round-trips through JSON;
a step reads its predecessors' outputs back with :func:`load_list` / ``Model.model_validate``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from shared.report import Concern, EvidenceStrength, HazardLevel, Match

M = TypeVar("M", bound=BaseModel)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ParsedIngredient(_Model):
    """One ingredient found on the label."""

    position: int = Field(description="Order on the label, from 0.")
    entry: int = Field(description="Index of the request entry it came from.")
    as_written: str = Field(description="The request's text for it, unchanged.")
    name: str = Field(description="The name with notes, percentages and markers removed.")
    alternatives: list[str] = Field(default_factory=list, description="Other names given for it.")
    concentration: str | None = None
    may_contain: bool = False
    group: str | None = Field(default=None, description="Header it was listed under, if any.")


class Identified(_Model):
    """A parsed ingredient and what the knowledge base says it is (``None``: a data gap)."""

    ingredient: ParsedIngredient
    entry_id: str | None = Field(description="Hazard entry id, 'benign:<name>', or None.")
    canonical_name: str | None = None
    match: Match | None = None


class Assessed(_Model):
    """An identified ingredient with the concerns that apply to this product."""

    identified: Identified
    concerns: list[Concern] = Field(default_factory=list)


class Scored(_Model):
    """An assessed ingredient with its level: the worst concern's."""

    assessed: Assessed
    level: HazardLevel
    evidence: EvidenceStrength | None = None


def dump_list(items: Sequence[BaseModel]) -> list[dict[str, Any]]:
    """JSON-ready dicts for a step's output."""
    return [item.model_dump(mode="json") for item in items]


_ADAPTERS: dict[type[BaseModel], TypeAdapter[Any]] = {}


def load_list(model: type[M], raw: Any) -> list[M]:
    """Validate a predecessor's JSON output back into models."""
    adapter = _ADAPTERS.get(model)
    if adapter is None:
        adapter = _ADAPTERS[model] = TypeAdapter(list[model])  # type: ignore[valid-type]
    result: list[M] = adapter.validate_python(raw)
    return result
