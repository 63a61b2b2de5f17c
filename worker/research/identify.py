"""Step 2: recognise each parsed ingredient in the knowledge base.

The order is cheapest and surest first:

1. the name, exactly (after normalisation);
2. hazard patterns on the name (``PEG-n``, ``-eth-n``, ``perfluoro*``...), so that a hidden
   mechanism is not missed because a bracket gave a benign-looking alias;
3. the other names (brackets, slash alternatives), identifiers (E / CI / CAS) included;
4. hazard patterns on those; then benign patterns (plant oils and extracts);
5. a hazard named inside a longer phrase ("BHT has been added to the packaging");
6. fuzzy matching (rapidfuzz) of the leftovers, reported as ``fuzzy`` with its score. Numbers must
   agree (``laureth-4`` never becomes ``laureth-7``); a trailing grade number may be dropped
   (``polyethulene glycol 1500`` -> ``polyethylene glycol``).

What is still unknown is returned with ``entry_id=None``: a data gap, never cleared as safe.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Final

from rapidfuzz import fuzz, process

from shared.report import MatchMethod
from worker.research.fuzzy import candidates
from worker.research.index import BENIGN, Hit, KnowledgeBase, Pattern
from worker.research.models import Identified, MatchInfo, ParsedIngredient

FUZZY_MIN_LENGTH: Final = 5
FUZZY_CUTOFF: Final = 90.0
FUZZY_CUTOFF_SHORT: Final = 94.0
MENTION_MIN_WORDS: Final = 3
_DIGITS: Final = re.compile(r"\d+")

Found = tuple[str, str, MatchInfo]
IDENTIFY_CACHE_SIZE: Final = 16_384


def _exact(kb: KnowledgeBase, text: str) -> Found | None:
    key = kb.normaliser.key(text)
    hit: Hit | None = kb.index.get(key)
    if hit is None:
        return None
    method = MatchMethod.IDENTIFIER if hit.identifier else MatchMethod.EXACT
    matched = text.strip() if hit.identifier else hit.canonical
    return hit.entry_id, hit.canonical, MatchInfo(method, 100, matched)


def _pattern(kb: KnowledgeBase, patterns: tuple[Pattern, ...], text: str) -> Found | None:
    lowered = kb.normaliser.lower(text)
    for pattern in patterns:
        if pattern.regex.search(lowered):
            canonical = kb.hazards[pattern.entry_id].name if pattern.entry_id in kb.hazards else text
            match = MatchInfo(MatchMethod.PATTERN, 100, pattern.label)
            return pattern.entry_id, canonical, match
    return None


def _mention(kb: KnowledgeBase, text: str) -> Found | None:
    """A hazard named inside a sentence ('BHT has been added to the packaging')."""
    tokens = kb.normaliser.key(text).split()
    if len(tokens) < MENTION_MIN_WORDS:
        return None
    for n in range(min(4, len(tokens)), 0, -1):
        for i in range(len(tokens) - n + 1):
            gram = " ".join(tokens[i : i + n])
            hit = kb.index.get(gram)
            if hit is not None and hit.entry_id != BENIGN and len(gram) >= 3:
                match = MatchInfo(MatchMethod.PATTERN, 100, f"mentions {gram!r}")
                return hit.entry_id, hit.canonical, match
    return None


def _fuzzy(kb: KnowledgeBase, text: str) -> Found | None:
    key = kb.normaliser.key(text)
    if len(key) < FUZZY_MIN_LENGTH:
        return None
    cutoff = FUZZY_CUTOFF_SHORT if len(key) < 10 else FUZZY_CUTOFF
    digits = _DIGITS.findall(key)
    choices = candidates(kb, len(key), cutoff)
    for choice, score, _ in process.extract(key, choices, scorer=fuzz.ratio, score_cutoff=cutoff, limit=5):
        if _DIGITS.findall(choice) == digits:
            return _fuzzy_found(kb, choice, score)
    bare = " ".join(_DIGITS.sub(" ", key).split())
    if digits and len(bare) >= FUZZY_MIN_LENGTH:
        choices = candidates(kb, len(bare), cutoff)
        for choice, score, _ in process.extract(bare, choices, scorer=fuzz.ratio, score_cutoff=cutoff, limit=5):
            if not _DIGITS.search(choice):
                return _fuzzy_found(kb, choice, score)
    return None


def _fuzzy_found(kb: KnowledgeBase, choice: str, score: float) -> Found:
    hit = kb.index[choice]
    confidence = min(int(score), 99)
    return hit.entry_id, hit.canonical, MatchInfo(MatchMethod.FUZZY, confidence, choice)


@lru_cache(maxsize=IDENTIFY_CACHE_SIZE)
def _identify(kb: KnowledgeBase, name: str, alternatives: tuple[str, ...]) -> Found | None:
    found = _exact(kb, name) or _pattern(kb, kb.hazard_patterns, name)
    if found:
        return found
    for alt in alternatives:
        found = _exact(kb, alt) or _pattern(kb, kb.hazard_patterns, alt)
        if found:
            return found
    for text in (name, *alternatives):
        found = _pattern(kb, kb.benign_patterns, text)
        if found:
            return found
    for text in (name, *alternatives):
        found = _mention(kb, text)
        if found:
            return found
    for text in (name, *alternatives):
        found = _fuzzy(kb, text)
        if found:
            return found
    return None


def identify(parsed: Sequence[ParsedIngredient], kb: KnowledgeBase) -> list[Identified]:
    """Each ingredient with its knowledge-base entry, or none (a data gap)."""
    out = []
    for ingredient in parsed:
        found = _identify(kb, ingredient.name, ingredient.alternatives)
        if found is None:
            out.append(Identified(ingredient=ingredient, entry_id=None))
        else:
            entry_id, canonical, match = found
            out.append(Identified(ingredient=ingredient, entry_id=entry_id, canonical_name=canonical, match=match))
    return out
