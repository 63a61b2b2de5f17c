"""How much each phase does: counts and time limits, for a full run or a quick one."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Config:
    """Every loop in the harness is bounded by one of these counts and one of these limits."""

    runs: int = 3
    latency_jobs: int = 300
    latency_warmup: int = 5
    latency_seconds: float = 12.0  # per system and run; arq's 0.5 s polling hits this
    job_timeout_seconds: float = 5.0  # one job, enqueue to completion
    client_poll_seconds: float = 0.0002  # how often the latency client looks for completion
    drain_jobs: int = 10_000
    drain_seconds: float = 12.0  # per drain; a slower system is measured over what it finished
    enqueue_concurrency: int = 50
    enqueue_seconds: float = 60.0
    startup_seconds: float = 20.0  # a process must be ready within this
    stop_seconds: float = 10.0  # SIGTERM, then SIGKILL after this
    drain_check_seconds: float = 0.02  # how often the harness checks whether a drain finished

    @classmethod
    def quick(cls) -> Config:
        """Tiny counts for tests and CI: seconds, not minutes."""
        return cls(
            runs=1,
            latency_jobs=20,
            latency_warmup=2,
            latency_seconds=3.0,
            drain_jobs=300,
            drain_seconds=3.0,
            enqueue_seconds=20.0,
        )

    def with_runs(self, runs: int | None) -> Config:
        return self if runs is None else replace(self, runs=runs)
