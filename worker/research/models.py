"""What the research steps hand to each other, and the JSON checkpoints that carry it.

In memory the steps pass named tuples: our own data, so nothing to validate, and a named tuple
is built three times faster than a frozen dataclass (several hundred are built per job).
Between steps the runner saves each output as a JSON checkpoint, so every output has a JSON form,
kept small on purpose: lists are stored by column, the knowledge base is referred to by id (a
concern is ``[finding ref, context]``, resolved from the in-process index when the report is
compiled), never copied. Every checkpoint records its :data:`FORMAT` and the knowledge-base
version it was computed with; :func:`is_current` tells a later step whether it may use one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, NamedTuple

from shared.report import Concern, MatchMethod

FORMAT: Final = 2
"""Version of the checkpoint layout; bump it when the JSON forms below change."""

JSONDict = dict[str, Any]
ConcernRef = tuple[str, str | None]
"""A concern: the finding's ref in the knowledge base, and why it applies here (if it depends)."""


class ParsedIngredient(NamedTuple):
    """One ingredient found on the label."""

    position: int  # order on the label, from 0
    entry: int  # index of the request entry it came from
    as_written: str  # the request's text for it, unchanged
    name: str  # the name with notes, percentages and markers removed
    alternatives: tuple[str, ...] = ()  # other names given for it
    concentration: str | None = None
    may_contain: bool = False
    group: str | None = None  # header it was listed under, if any


class MatchInfo(NamedTuple):
    """How an ingredient was recognised (the report's ``Match``)."""

    method: MatchMethod
    confidence: int
    matched: str

    def as_json(self) -> JSONDict:
        # ``_value_`` (a plain attribute) rather than ``.value`` (a descriptor, several times slower)
        return {"method": self.method._value_, "confidence": self.confidence, "matched": self.matched}


_METHODS: Final = {m.value: m for m in MatchMethod}


class Identified(NamedTuple):
    """A parsed ingredient and what the knowledge base says it is (``entry_id=None``: a data gap)."""

    ingredient: ParsedIngredient
    entry_id: str | None  # hazard entry id, 'benign', or None
    canonical_name: str | None = None
    match: MatchInfo | None = None


class ResolvedConcern(NamedTuple):
    """A concern as the report shows it, built (and validated) once per process and reused."""

    model: Concern
    json: JSONDict  # ``model.model_dump(mode="json")``: shared between reports, never modified
    markdown: str  # its lines in the full report
    level: str  # ``model.level`` and ``model.evidence`` as plain strings, for quick comparison
    evidence: str


class Scored(NamedTuple):
    """An identified ingredient, the concerns that hold for it (worst first) and its level.

    ``level`` and ``evidence`` are the values of :class:`HazardLevel` and
    :class:`EvidenceStrength` (plain strings compare and hash much faster than enum members).
    """

    identified: Identified
    concerns: tuple[ResolvedConcern, ...]
    level: str
    evidence: str | None


def is_current(output: Any, kb_version: str) -> bool:
    """Whether a saved checkpoint has this code's layout and this knowledge base's version.

    A job resumed by a worker with another release (new code or new data) recomputes instead:
    the steps are deterministic, so the result is what a fresh run would give.
    """
    return isinstance(output, dict) and output.get("format") == FORMAT and output.get("kb") == kb_version


def stamp(kb_version: str, **fields: Any) -> JSONDict:
    return {"format": FORMAT, "kb": kb_version, **fields}


def dump_parsed(items: Sequence[ParsedIngredient], kb_version: str) -> JSONDict:
    return stamp(
        kb_version,
        entry=[p.entry for p in items],
        as_written=[p.as_written for p in items],
        name=[p.name for p in items],
        alternatives=[list(p.alternatives) for p in items],
        concentration=[p.concentration for p in items],
        may_contain=[p.may_contain for p in items],
        group=[p.group for p in items],
    )


def load_parsed(raw: JSONDict) -> list[ParsedIngredient]:
    columns = zip(
        raw["entry"],
        raw["as_written"],
        raw["name"],
        raw["alternatives"],
        raw["concentration"],
        raw["may_contain"],
        raw["group"],
        strict=True,
    )
    return [
        ParsedIngredient(i, entry, written, name, tuple(alts), conc, may, group)
        for i, (entry, written, name, alts, conc, may, group) in enumerate(columns)
    ]


def dump_identified(items: Sequence[Identified], kb_version: str) -> JSONDict:
    """Aligned with the parse checkpoint: each ingredient's entry id, name and match."""
    return stamp(
        kb_version,
        entry_id=[i.entry_id for i in items],
        canonical_name=[i.canonical_name for i in items],
        match=[[i.match.method._value_, i.match.confidence, i.match.matched] if i.match else None for i in items],
    )


def load_identified(parsed: Sequence[ParsedIngredient], raw: JSONDict) -> list[Identified]:
    out = []
    for ingredient, entry_id, canonical, match in zip(
        parsed, raw["entry_id"], raw["canonical_name"], raw["match"], strict=True
    ):
        info = MatchInfo(_METHODS[match[0]], match[1], match[2]) if match is not None else None
        out.append(Identified(ingredient, entry_id, canonical, info))
    return out
