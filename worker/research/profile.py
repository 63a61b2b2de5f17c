"""CPU cost of the research pipeline (``deep-research profile-research`` prints it).

:func:`measure` runs the registered steps through :func:`worker.pipeline.local.run_locally` (each
output goes through JSON, as the runner's checkpoints do) and returns the median
``time.process_time`` per job in milliseconds. The benchmark harness calls it; tests only check
that it runs, never how fast (speed is measured, not asserted).

The lists are built from the knowledge base itself, not from test data: mostly benign names and
hazard names and synonyms as labels print them (odd casing, percentages, bracketed aliases,
identifiers, a "may contain" tail, a third of them as whole comma-separated labels), plus typos
of known names (7%) and names the knowledge base cannot know (6%): several times the rate of the
labelled real products (about 2% of their ingredients need fuzzy matching, 1% stay unknown).
Each repeat gets its own list from a seeded :class:`random.Random`: what runs is deterministic.

Two states of the per-process caches (names already normalised, parsed and identified):

- steady (the default): before the clock starts the worker has researched other lists from
  the same generator (``warm_up`` ingredients in all), as a worker that has been running a
  while has; the typos, unknown names and label layouts of the measured lists are still new.
- cold (``cold=True``): the caches are emptied first, as in a worker's first jobs; only the
  knowledge base is loaded (a worker does that once, at start-up).
"""

from __future__ import annotations

import asyncio
import random
import statistics
import string
import time
from collections.abc import Sequence
from typing import Final

from shared.models import MAX_INGREDIENT_CHARS, ResearchRequest
from worker.pipeline.local import run_locally
from worker.research import assess, context, fuzzy, identify, parse, text
from worker.research.index import BENIGN, KnowledgeBase
from worker.research.loader import load_knowledge_base
from worker.research.steps import STEPS

SIZES: Final = (10, 100, 500)
CATEGORIES: Final = ("cosmetics", "personal care", "food", "household cleaner", "")
_SYLLABLES: Final = ("zor", "van", "yl", "tetra", "quin", "ate", "mor", "plex", "ium", "dri", "cal", "oxo", "nex")


def _typo(rng: random.Random, name: str) -> str:
    """One slip of the hand: a letter dropped, doubled, swapped with its neighbour or replaced."""
    letters = [i for i, ch in enumerate(name) if ch.isalpha()]
    if len(letters) < 6:
        return name
    i = rng.choice(letters[1:-1])
    kind = rng.randrange(4)
    if kind == 0:
        return name[:i] + name[i + 1 :]
    if kind == 1:
        return name[:i] + name[i] + name[i:]
    if kind == 2:
        return name[: i - 1] + name[i] + name[i - 1] + name[i + 1 :]
    return name[:i] + rng.choice(string.ascii_lowercase) + name[i + 1 :]


def _unknown(rng: random.Random) -> str:
    words = ["".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(rng.randint(1, 2))]
    return " ".join(word.capitalize() for word in words)


def _casing(rng: random.Random, name: str) -> str:
    roll = rng.random()
    if roll < 0.15:
        return name.upper()
    if roll < 0.25:
        return name.lower()
    return name


def _as_labels(names: list[str]) -> list[str]:
    """The names as comma-separated labels, as few as the request's entry size allows."""
    labels = [names[0]]
    for name in names[1:]:
        if len(labels[-1]) + 2 + len(name) <= MAX_INGREDIENT_CHARS:
            labels[-1] += ", " + name
        else:
            labels.append(name)
    return labels


class ListMaker:
    """Realistic ingredient lists drawn from a knowledge base's own names."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.benign = sorted({hit.canonical for hit in kb.index.values() if hit.entry_id == BENIGN})
        self.hazards = sorted({name for entry in kb.hazards.values() for name in (entry.name, *entry.names)})
        self.codes = sorted(
            {code for entry in kb.hazards.values() for code in (*entry.e, *(f"CI {n}" for n in entry.ci), *entry.cas)}
        )

    def name(self, rng: random.Random) -> str:
        roll = rng.random()
        if roll < 0.60:
            name = rng.choice(self.benign)
        elif roll < 0.82:
            name = rng.choice(self.hazards)
        elif roll < 0.87:
            name = rng.choice(self.codes)
        elif roll < 0.94:
            name = _typo(rng, rng.choice(self.benign if rng.random() < 0.6 else self.hazards))
        else:
            name = _unknown(rng)
        name = _casing(rng, name)
        roll = rng.random()
        if roll < 0.08:
            name += f" ({rng.choice(('0.5%', '2%', '10 mg/ml', '< 1%'))})"
        elif roll < 0.14:
            name += f" ({rng.choice(self.benign)})"
        return name

    def ingredients(self, count: int, seed: int) -> list[str]:
        """``count`` ingredients: one entry each, or (one list in three) whole labels in few entries."""
        rng = random.Random(f"{count}:{seed}")
        names = [self.name(rng) for _ in range(count)]
        if count >= 5 and rng.random() < 0.3:
            tail = max(1, count // 20)
            names[-tail:] = ["May contain: " + ", ".join(names[-tail:])]
        if rng.random() < 0.34:
            return _as_labels(names)
        return names

    def request(self, count: int, seed: int) -> ResearchRequest:
        rng = random.Random(f"request:{count}:{seed}")
        return ResearchRequest(
            product_name=f"Profile product {seed}",
            brand="Profile",
            category=rng.choice(CATEGORIES),
            ingredients=self.ingredients(count, seed),
        )


def requests(count: int, repeats: int, first_seed: int = 0) -> list[ResearchRequest]:
    maker = ListMaker(load_knowledge_base())
    return [maker.request(count, first_seed + r) for r in range(repeats)]


WARM_UP: Final = 20_000
"""Ingredients researched before a steady-state measurement (about 200 products' worth)."""
_WARM_UP_SEEDS: Final = 1_000_000  # far from the measured seeds, so no measured list is seen


def clear_caches() -> None:
    """Forget every name the pipeline has seen in this process (the knowledge base stays)."""
    kb = load_knowledge_base()
    kb.normaliser.forget()
    for cached in (
        parse._parse_entry,
        identify._identify,
        fuzzy.candidates,
        assess.resolve,
        text.name_key,
        text.Normaliser.key_of_lower,
        context._word,
        context._any_word,
    ):
        cached.cache_clear()


async def _run(jobs: Sequence[ResearchRequest]) -> list[float]:
    spent = []
    for request in jobs:
        began = time.process_time()
        await run_locally(STEPS, request)
        spent.append(time.process_time() - began)
    return spent


async def measure_async(n_ingredients: int, repeats: int, *, cold: bool = False, warm_up: int = WARM_UP) -> float:
    """Median CPU milliseconds per job over ``repeats`` different ``n_ingredients`` lists.

    ``cold``: with the per-process caches emptied first; otherwise after ``warm_up``
    ingredients' worth of other jobs. The lists are built before the clock starts.
    """
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    await run_locally(STEPS, requests(1, 1, first_seed=-1)[0])  # loads the knowledge base
    if cold:
        clear_caches()
    else:
        await _run(requests(100, max(1, warm_up // 100), first_seed=_WARM_UP_SEEDS))
    return statistics.median(await _run(requests(n_ingredients, repeats))) * 1000


def measure(n_ingredients: int, repeats: int, *, cold: bool = False, warm_up: int = WARM_UP) -> float:
    """:func:`measure_async` for synchronous callers (it starts its own event loop)."""
    return asyncio.run(measure_async(n_ingredients, repeats, cold=cold, warm_up=warm_up))
