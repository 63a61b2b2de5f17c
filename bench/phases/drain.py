"""Drain: a full queue, one or more worker processes, jobs/s from first start to last finish.

Gated workers are started first and wait; the jobs are enqueued; then every worker is released
at once. The Redis cost is measured over the same stretch, in two parts (enqueue, then work), so
that a drain cut short by its time limit still divides each part by the jobs it concerns.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bench.config import Config
from bench.procs import ServiceGroup
from bench.redisstats import Cost, HarnessRedis, cost_between, snapshot
from bench.systems.base import System

RECORD_SAMPLE = 20


class EnqueueTimeout(RuntimeError):
    """Enqueueing the backlog took longer than ``enqueue_seconds``."""


@dataclass(frozen=True)
class DrainResult:
    workers: int
    queued: int
    done: int
    seconds: float
    enqueue_cost: Cost
    work_cost: Cost
    worker_cpu_seconds: float
    worker_rss_bytes: list[int]
    record_bytes: float | None

    @property
    def rate(self) -> float | None:
        return self.done / self.seconds if self.done > 1 and self.seconds > 0 else None

    @property
    def complete(self) -> bool:
        return self.done == self.queued


async def submit_many(
    system: System,
    count: int,
    config: Config,
    *,
    concurrency: int | None = None,
    submit: Callable[[], Awaitable[str]] | None = None,
) -> list[str]:
    """Enqueue ``count`` jobs with a few concurrent submitters, as a busy client would."""
    submit = submit or system.submit
    ids: list[str] = []
    seconds = config.enqueue_seconds if concurrency is None else config.seed_seconds
    deadline = time.monotonic() + seconds
    batch = concurrency or config.enqueue_concurrency
    for start in range(0, count, batch):
        if time.monotonic() > deadline:
            raise EnqueueTimeout(f"{system.name}: {len(ids)} of {count} enqueued in time")
        size = min(batch, count - start)
        ids.extend(await asyncio.gather(*(submit() for _ in range(size))))
    return ids


async def wait_drained(system: System, redis: HarnessRedis, group: ServiceGroup, config: Config) -> None:
    deadline = time.monotonic() + config.drain_seconds
    while time.monotonic() < deadline:
        if await system.backlog(redis) == 0:
            return
        group.check_alive()
        await asyncio.sleep(config.drain_check_seconds)


async def record_bytes(redis: HarnessRedis, keys: list[str]) -> float | None:
    sizes = [await redis.call("MEMORY", "USAGE", key, "SAMPLES", "0") for key in keys]
    found = [int(s) for s in sizes if s is not None]
    return statistics.median(found) if found else None


async def measure_drain(
    system: System, redis_url: str, redis: HarnessRedis, config: Config, workers: int
) -> DrainResult:
    specs = system.processes(redis_url, workers)
    async with ServiceGroup(config.startup_seconds, config.stop_seconds) as group:
        await group.start([s for s in specs if s.gated])
        before = await snapshot(redis, reset=True)
        ids = await submit_many(system, config.drain_jobs, config)
        queued = await snapshot(redis)
        await group.start([s for s in specs if not s.gated])
        cpu_before = sum(w.cpu_seconds() for w in group.workers())
        group.release()
        await wait_drained(system, redis, group, config)
        after = await snapshot(redis)
        cpu = sum(w.cpu_seconds() for w in group.workers()) - cpu_before
        rss = [w.rss_bytes() for w in group.workers()]
    timings = await system.timings(ids)
    seconds = max(t.finished for t in timings) - min(t.started for t in timings) if timings else 0.0
    size = await record_bytes(redis, [system.record_key(t.job_id) for t in timings[:RECORD_SAMPLE]])
    return DrainResult(
        workers=workers,
        queued=len(ids),
        done=len(timings),
        seconds=seconds,
        enqueue_cost=cost_between(before, queued),
        work_cost=cost_between(queued, after),
        worker_cpu_seconds=cpu,
        worker_rss_bytes=rss,
        record_bytes=size,
    )
