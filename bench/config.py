"""How much each phase does: counts and time limits, for a full run or a quick one."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Config:
    """Every loop in the harness is bounded by one of these counts and one of these limits."""

    runs: int = 3
    latency_jobs: int = 300
    latency_warmup: int = 5
    latency_seconds: float = 8.0  # per system and run; arq's 0.5 s polling hits this
    job_timeout_seconds: float = 5.0  # one job, enqueue to completion
    client_poll_seconds: float = 0.0002  # how often the latency client looks for completion
    drain_jobs: int = 10_000
    drain_seconds: float = 8.0  # per drain; a slower system is measured over what it finished
    enqueue_concurrency: int = 50
    enqueue_seconds: float = 60.0
    startup_seconds: float = 20.0  # a process must be ready within this
    stop_seconds: float = 10.0  # SIGTERM, then SIGKILL after this
    drain_check_seconds: float = 0.02  # how often the harness checks whether a drain finished
    http_clients: tuple[int, ...] = (1, 32)
    http_requests: int = 2000  # per load-generator run (one mode, one client count)
    http_seconds: float = 3.0  # per load-generator run
    http_status_jobs: int = 100  # completed jobs whose status the readers cycle over
    growth_sizes: tuple[int, int] = (1_000, 100_000)
    growth_runs: int = 1  # seeding 100,000 jobs takes ~30-60 s here: growth runs in the first run(s) only
    growth_drain_jobs: int = 1_000  # completions timed at each size
    seed_concurrency: int = 200  # store writes in flight while seeding a backlog
    seed_seconds: float = 90.0
    research_sizes: tuple[int, ...] = (10, 100, 500)
    research_repeats: int = 5

    @classmethod
    def quick(cls) -> Config:
        """Tiny counts for tests and CI: seconds, not minutes."""
        return cls(
            runs=1,
            latency_jobs=10,
            latency_warmup=1,
            latency_seconds=2.0,
            drain_jobs=200,
            drain_seconds=3.0,
            enqueue_seconds=20.0,
            http_requests=30,
            http_seconds=1.0,
            http_status_jobs=10,
            growth_sizes=(50, 500),
            growth_drain_jobs=50,
            seed_seconds=20.0,
            research_repeats=1,
        )

    def with_runs(self, runs: int | None) -> Config:
        return self if runs is None else replace(self, runs=runs)
