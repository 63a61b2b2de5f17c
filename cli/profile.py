"""``deep-research profile-research``: CPU time per research job, steady and with cold caches."""

from __future__ import annotations

from collections.abc import Sequence

from worker.research.profile import SIZES, WARM_UP, measure


def run(sizes: Sequence[int] | None, repeats: int, warm_up: int | None) -> int:
    sizes = sizes or SIZES
    warm_up = WARM_UP if warm_up is None else warm_up
    print(f"median CPU ms per job over {repeats} lists (steady: after {warm_up} other ingredients)")
    for size in sizes:
        steady = measure(size, repeats, warm_up=warm_up)
        cold = measure(size, repeats, cold=True)
        print(f"{size:>5} ingredients: steady {steady:7.2f} ms   cold {cold:7.2f} ms")
    return 0
