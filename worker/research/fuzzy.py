"""Which knowledge-base keys a fuzzy match can reach, found without scoring them all.

Identification scores a leftover name against the index's keys with ``fuzz.ratio`` (rapidfuzz)
and keeps those at or above a cutoff. ``ratio = 100 * (1 - d / (len1 + len2))`` with ``d`` the
insert/delete distance, and ``d >= |len1 - len2|``, so a key much longer or shorter than the name
cannot reach the cutoff: for a cutoff of 90, only keys within about a fifth of the name's length
can. Scoring just those (a quarter of the keys, typically) drops only keys below the cutoff, and
they keep the index order, so ``process.extract`` over them returns what it returns over every
key, ties and limit included.

(A pigeonhole filter on substrings was tried on top of this and measured slower: the Python loop
over substring hits costs more than rapidfuzz spends scoring the keys it would remove.)
"""

from __future__ import annotations

from functools import lru_cache

from worker.research.index import KnowledgeBase


@lru_cache(maxsize=8)
def _by_length(kb: KnowledgeBase) -> dict[int, list[tuple[int, str]]]:
    """The fuzzy keys grouped by length, each with its place in the index order."""
    groups: dict[int, list[tuple[int, str]]] = {}
    for n, key in enumerate(kb.fuzzy_keys):
        groups.setdefault(len(key), []).append((n, key))
    return groups


def reachable(length: int, other: int, cutoff: float) -> bool:
    """Whether strings of these lengths can score ``cutoff`` (with a margin against rounding)."""
    return 200 * min(length, other) >= cutoff * (length + other) - 1e-6


@lru_cache(maxsize=1024)
def candidates(kb: KnowledgeBase, length: int, cutoff: float) -> tuple[str, ...]:
    """The fuzzy keys that can score ``cutoff`` against a key of ``length``, in index order."""
    near = [group for other, group in _by_length(kb).items() if reachable(length, other, cutoff)]
    return tuple(key for _, key in sorted(item for group in near for item in group))
