"""The length bound on fuzzy candidates never changes what a fuzzy match finds."""

from __future__ import annotations

import random

from rapidfuzz import fuzz, process

from worker.research.fuzzy import candidates
from worker.research.identify import FUZZY_CUTOFF, FUZZY_CUTOFF_SHORT
from worker.research.index import KnowledgeBase
from worker.research.profile import _typo


def test_candidates_give_the_same_matches_as_scoring_every_key(kb: KnowledgeBase) -> None:
    rng = random.Random(7)
    queries = [kb.normaliser.key(_typo(rng, rng.choice(kb.fuzzy_keys))) for _ in range(300)]
    queries += ["zorvanylquin tetraate", "sodim laureth sulfate", "cayenne pepppr", "oxozor"]
    for query in queries:
        for cutoff in (FUZZY_CUTOFF, FUZZY_CUTOFF_SHORT):
            every = process.extract(query, kb.fuzzy_keys, scorer=fuzz.ratio, score_cutoff=cutoff, limit=5)
            near = process.extract(
                query, candidates(kb, len(query), cutoff), scorer=fuzz.ratio, score_cutoff=cutoff, limit=5
            )
            assert [(c, s) for c, s, _ in near] == [(c, s) for c, s, _ in every], query


def test_candidates_leave_out_keys_of_unreachable_length(kb: KnowledgeBase) -> None:
    near = candidates(kb, 20, FUZZY_CUTOFF)
    assert near
    assert len(near) < len(kb.fuzzy_keys)
    assert all(17 <= len(key) <= 24 for key in near)
