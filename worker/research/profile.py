"""CPU cost of the research pipeline: ``python -m worker.research.profile``.

:func:`measure` runs the registered steps through :func:`worker.pipeline.local.run_locally` (each
output goes through JSON, as the runner's checkpoints do) and returns the median
``time.process_time`` per job in milliseconds. The benchmark harness calls it; tests only check
that it runs, never how fast (speed is measured, not asserted).

The lists are built from the knowledge base itself, not from test data: mostly benign names and
hazard names and synonyms as labels print them (odd casing, percentages, bracketed aliases,
identifiers, a "may contain" tail), plus a few typos of known names and a few names the knowledge
base cannot know. Each repeat gets its own list from a seeded :class:`random.Random`, so the
figures are deterministic in what they run, yet typos and unknown names are new to the
per-process caches each time, as they are for a real worker.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import string
import time
from collections.abc import Sequence
from typing import Final

from shared.models import MAX_INGREDIENT_CHARS, ResearchRequest
from worker.pipeline.local import run_locally
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


async def measure_async(n_ingredients: int, repeats: int) -> float:
    """Median CPU milliseconds per job over ``repeats`` different ``n_ingredients`` lists.

    One warm-up job first (it loads and indexes the knowledge base, which a worker does once at
    start-up); the lists themselves are built before the clock starts.
    """
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    warm_up = requests(n_ingredients, 1, first_seed=-1)[0]
    await run_locally(STEPS, warm_up)
    spent = []
    for request in requests(n_ingredients, repeats):
        began = time.process_time()
        await run_locally(STEPS, request)
        spent.append(time.process_time() - began)
    return statistics.median(spent) * 1000


def measure(n_ingredients: int, repeats: int) -> float:
    """:func:`measure_async` for synchronous callers (it starts its own event loop)."""
    return asyncio.run(measure_async(n_ingredients, repeats))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=30, help="jobs per size (median reported)")
    parser.add_argument("sizes", type=int, nargs="*", default=list(SIZES), help="ingredients per job")
    args = parser.parse_args(argv)
    for size in args.sizes:
        print(f"{size:>5} ingredients: {measure(size, args.repeats):7.2f} ms CPU per job (median of {args.repeats})")


if __name__ == "__main__":
    main()
