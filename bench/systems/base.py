"""What a system under test must offer the harness: its processes and a client for one job.

Every phase in ``bench/phases/`` talks to a system only through :class:`System`, so each system
is measured the same way. An adapter is one small module in ``bench/systems/``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bench.redisstats import HarnessRedis


@dataclass(frozen=True)
class ProcSpec:
    """A process the system needs (a worker, an API server), started by the harness.

    ``gated`` processes print :data:`bench.gate.READY` when connected and wait for ``GO`` on
    stdin before taking work, so a drain starts from a full queue with every worker up.
    Ungated ones (a system whose worker the harness cannot wrap) are started after the enqueue.
    ``ready_url`` is polled until it answers 2xx before the process counts as started.
    """

    role: str
    argv: Sequence[str]
    env: dict[str, str] = field(default_factory=dict)
    gated: bool = True
    ready_url: str | None = None


def python_module(module: str, *args: str) -> list[str]:
    """argv running ``module`` with this interpreter (the venv the harness runs in)."""
    return [sys.executable, "-m", module, *args]


@dataclass(frozen=True)
class Timing:
    """When a finished job started and finished, from the system's own record (epoch seconds)."""

    job_id: str
    started: float
    finished: float


class System(Protocol):
    """One system under test, doing the trivial job (returns at once)."""

    name: str
    phases: frozenset[str]
    """Which measurements apply: ``latency``, ``drain``, ``http``, ``growth``, ``research``."""

    def processes(self, redis_url: str, workers: int) -> list[ProcSpec]:
        """The processes to start for ``workers`` worker processes."""
        ...

    async def open(self, redis_url: str) -> None:
        """Connect the client side (the side that enqueues and reads)."""
        ...

    async def close(self) -> None: ...

    async def submit(self) -> str:
        """Enqueue one trivial job the way a client of this system would; return its id."""
        ...

    def probe(self, job_id: str) -> bool:
        """One blocking look, as a client would: has the job completed? (Raises if it failed.)"""
        ...

    def started_ns(self, job_id: str) -> int:
        """Wall-clock time (``time.time_ns()``) at which the completed job started running."""
        ...

    async def backlog(self, redis: HarnessRedis) -> int:
        """How many submitted jobs are not finished yet, in one cheap Redis command."""
        ...

    async def timings(self, job_ids: Sequence[str]) -> list[Timing]:
        """Start and finish times of those of ``job_ids`` that finished."""
        ...

    def record_key(self, job_id: str) -> str:
        """The Redis key of the job's stored record (what a client reads once it is done)."""
        ...
