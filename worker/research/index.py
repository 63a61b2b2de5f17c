"""The indexed knowledge base: one dict from normalised names and identifiers to entries.

:func:`build_index` checks what the schema alone cannot (references between files, a name that
points at two entries, CAS check digits, benign names a hazard pattern would catch) and raises
``ValueError`` with the offending name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from worker.research.schema import (
    BenignFile,
    Finding,
    HazardEntry,
    HazardsFile,
    Mechanism,
    MechanismsFile,
    PatternRule,
    RulesFile,
    Source,
    SourcesFile,
)
from worker.research.text import Normaliser, is_cas_number

BENIGN = "benign"
_CODE = re.compile(r"^(?:e\d{3,4}[a-z]?|ci \d{5}|cas .*)$")


@dataclass(frozen=True, slots=True)
class Hit:
    """What a key points at: a hazard entry id (or ``benign``), its canonical name, and whether
    the key was an identifier (CAS, E-number, CI number) rather than a name."""

    entry_id: str
    canonical: str
    identifier: bool = False


@dataclass(frozen=True, slots=True)
class Pattern:
    regex: re.Pattern[str]
    entry_id: str
    label: str


@dataclass(frozen=True, slots=True, eq=False)
class KnowledgeBase:
    """The indexed knowledge base; hashed by identity (one per process), so caches can key on it."""

    version: str
    sources: Mapping[str, Source]
    mechanisms: Mapping[str, Mechanism]
    hazards: Mapping[str, HazardEntry]
    rules: RulesFile
    normaliser: Normaliser
    index: Mapping[str, Hit]
    hazard_patterns: tuple[Pattern, ...]
    benign_patterns: tuple[Pattern, ...]
    fuzzy_keys: tuple[str, ...]
    group_words: frozenset[str]
    benign_count: int
    drop: re.Pattern[str]
    may_contain: re.Pattern[str]
    findings: Mapping[str, tuple[Finding, Mechanism | None]]
    """Every finding by its ref: ``<hazard id>#<n>`` or ``m:<mechanism id>#<n>``."""
    finding_refs: Mapping[str, tuple[str, ...]]
    """Per hazard id, the refs of its own findings, then those of its mechanisms."""

    def findings_of(self, entry: HazardEntry) -> list[tuple[Finding, Mechanism | None]]:
        """The entry's own findings, then those of its mechanisms."""
        return [self.findings[ref] for ref in self.finding_refs[entry.id]]


def _finding_refs(
    hazards: Mapping[str, HazardEntry], mechanisms: Mapping[str, Mechanism]
) -> tuple[dict[str, tuple[Finding, Mechanism | None]], dict[str, tuple[str, ...]]]:
    """Ids for findings, so checkpoints can name a concern instead of copying it."""
    findings: dict[str, tuple[Finding, Mechanism | None]] = {}
    for mechanism in mechanisms.values():
        for n, finding in enumerate(mechanism.findings):
            findings[f"m:{mechanism.id}#{n}"] = (finding, mechanism)
    refs: dict[str, tuple[str, ...]] = {}
    for entry in hazards.values():
        own = []
        for n, finding in enumerate(entry.findings):
            findings[f"{entry.id}#{n}"] = (finding, None)
            own.append(f"{entry.id}#{n}")
        carried = [f"m:{m}#{n}" for m in entry.mechanisms for n in range(len(mechanisms[m].findings))]
        refs[entry.id] = (*own, *carried)
    return findings, refs


def _patterns(rules: Iterable[PatternRule], known: set[str]) -> tuple[Pattern, ...]:
    compiled = []
    for rule in rules:
        if rule.entry not in known:
            raise ValueError(f"pattern {rule.regex!r} points at unknown entry {rule.entry!r}")
        compiled.append(Pattern(re.compile(rule.regex), rule.entry, rule.label))
    return tuple(compiled)


def _check_cites(where: str, findings: Iterable[Finding], sources: Mapping[str, Source]) -> None:
    for finding in findings:
        for cite in finding.cites:
            if cite.source not in sources:
                raise ValueError(f"{where} cites unknown source {cite.source!r}")


def build_index(
    version: str,
    sources: SourcesFile,
    mechanisms: MechanismsFile,
    hazard_files: list[HazardsFile],
    benign: BenignFile,
    rules: RulesFile,
) -> KnowledgeBase:
    norm = Normaliser(rules.spelling)
    mech = {m.id: m for m in mechanisms.mechanisms}
    for m in mechanisms.mechanisms:
        _check_cites(f"mechanism {m.id!r}", m.findings, sources.sources)
    hazards: dict[str, HazardEntry] = {}
    for entry in (e for f in hazard_files for e in f.hazards):
        if entry.id in hazards or entry.id == BENIGN:
            raise ValueError(f"hazard id {entry.id!r} is used twice")
        unknown = [m for m in entry.mechanisms if m not in mech]
        if unknown:
            raise ValueError(f"hazard {entry.id!r} refers to unknown mechanisms {unknown}")
        if not entry.findings and not entry.mechanisms:
            raise ValueError(f"hazard {entry.id!r} has no findings and no mechanisms")
        _check_cites(f"hazard {entry.id!r}", entry.findings, sources.sources)
        hazards[entry.id] = entry

    index: dict[str, Hit] = {}
    fuzzy: list[str] = []
    problems: list[str] = []

    def add(text: str, hit: Hit) -> None:
        key = norm.key(text)
        if not hit.identifier and _CODE.match(key):
            hit = Hit(hit.entry_id, hit.canonical, identifier=True)
        if not key:
            problems.append(f"name {text!r} of {hit.canonical!r} is empty once normalised")
            return
        old = index.get(key)
        if old is not None and old.entry_id == hit.entry_id == BENIGN:
            return  # two spellings of one benign name: keep the first
        if old is not None and (old.entry_id, old.canonical) != (hit.entry_id, hit.canonical):
            problems.append(f"{text!r} names both {old.canonical!r} and {hit.canonical!r}")
            return
        index[key] = hit
        if not hit.identifier and len(key) >= 4:
            fuzzy.append(key)

    def add_entry(entry_id: str, e: HazardEntry) -> None:
        name = e.name
        for text in [name, *e.names]:
            add(text, Hit(entry_id, name))
        for cas in e.cas:
            if not is_cas_number(cas):
                problems.append(f"{cas!r} of {name!r} is not a valid CAS number")
            add(cas, Hit(entry_id, name, identifier=True))
        for code in [*e.e, *(f"CI {n}" for n in e.ci)]:
            add(code, Hit(entry_id, name, identifier=True))

    for entry_id, entry in hazards.items():
        add_entry(entry_id, entry)
    benign_names = [names for group in benign.benign for names in group.names()]
    for names in benign_names:
        canonical = names[0][:1].upper() + names[0][1:]
        for text in names:
            add(text, Hit(BENIGN, canonical))

    hazard_patterns = _patterns(rules.hazard_patterns, set(hazards))
    benign_patterns = _patterns(rules.benign_patterns, {BENIGN})
    for names in benign_names:
        for text in names:
            lowered = norm.lower(text)
            for pattern in hazard_patterns:
                if pattern.regex.search(lowered):
                    problems.append(f"benign {text!r} matches hazard pattern {pattern.label!r}")
    for entry in hazards.values():
        for text in [entry.name, *entry.names]:
            for pattern in hazard_patterns:
                missing = set(hazards[pattern.entry_id].mechanisms) - set(entry.mechanisms)
                if pattern.regex.search(norm.lower(text)) and missing:
                    problems.append(f"hazard {entry.id!r} ({text!r}) lacks mechanisms {missing}")
    if problems:
        shown = "; ".join(problems[:25])
        more = f" (and {len(problems) - 25} more)" if len(problems) > 25 else ""
        raise ValueError(f"{len(problems)} problem(s): {shown}{more}")

    findings, finding_refs = _finding_refs(hazards, mech)
    return KnowledgeBase(
        version=version,
        sources=sources.sources,
        mechanisms=mech,
        hazards=hazards,
        rules=rules,
        normaliser=norm,
        index=index,
        hazard_patterns=hazard_patterns,
        benign_patterns=benign_patterns,
        fuzzy_keys=tuple(sorted(set(fuzzy))),
        group_words=frozenset(norm.key(w) for w in rules.group_words),
        benign_count=len(benign_names),
        drop=_any_of(rules.drop_phrases),
        may_contain=_any_of(rules.may_contain),
        findings=findings,
        finding_refs=finding_refs,
    )


def _any_of(regexes: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{r})" for r in regexes) or "(?!)", re.IGNORECASE)
