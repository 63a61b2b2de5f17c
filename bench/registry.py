"""The systems under test, by the name used on the command line and in the table."""

from __future__ import annotations

from collections.abc import Callable

from bench.systems.arq_raw import ArqRaw
from bench.systems.base import System
from bench.systems.ours import OursHttp, OursQueue, OursSse
from bench.systems.saq_raw import SaqRaw

REGISTRY: dict[str, Callable[[], System]] = {
    "arq": lambda: ArqRaw("arq"),
    "arq-10ms": lambda: ArqRaw("arq-10ms", poll_delay=0.01),
    "saq": lambda: SaqRaw("saq"),
    "ours": OursQueue,
    "ours-http": OursHttp,
    "ours-sse": OursSse,
}


def build(names: list[str]) -> list[System]:
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        raise ValueError(f"unknown systems {unknown}; known: {sorted(REGISTRY)}")
    return [REGISTRY[n]() for n in names]
