"""Growth: does a large backlog slow the service down? 1,000 vs 100,000 jobs stored and queued.

For each size: seed that many pending jobs through the store (many writes in flight, not one
HTTP call each), start the API and one gated worker, read statuses over HTTP with one client
(sampled over the seeded jobs) and the listing's first page (50 jobs), then release the worker
and time the first ``growth_drain_jobs`` completions.
"""

from __future__ import annotations

import asyncio
import json
import random
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import cast

from bench.config import Config
from bench.phases.drain import submit_many
from bench.phases.http import loadgen
from bench.procs import ServiceGroup
from bench.redisstats import HarnessRedis
from bench.systems.base import System

Metrics = dict[str, float | None]


def seeder(system: System) -> Callable[[], Awaitable[str]]:
    """The system's way to store one job without HTTP (``seed``), required for this phase."""
    seed = getattr(system, "seed", None)
    if seed is None or not callable(seed):
        raise TypeError(f"{system.name} has a growth phase but no seed() to fill the store")
    return cast(Callable[[], Awaitable[str]], seed)


async def wait_finished(system: System, redis: HarnessRedis, group: ServiceGroup, target: int, config: Config) -> None:
    """Until the backlog is down to ``target``, or the time limit."""
    deadline = time.monotonic() + config.drain_seconds
    while time.monotonic() < deadline:
        if await system.backlog(redis) <= target:
            return
        group.check_alive()
        await asyncio.sleep(config.drain_check_seconds)


async def measure_size(
    system: System, base_url: str, redis_url: str, redis: HarnessRedis, config: Config, size: int, tag: str
) -> Metrics:
    await redis.call("FLUSHALL")
    ids = await submit_many(system, size, config, concurrency=config.seed_concurrency, submit=seeder(system))
    with tempfile.TemporaryDirectory(prefix="bench-growth-") as tmp:
        sample = Path(tmp) / "ids.json"
        sample.write_text(json.dumps(random.sample(ids, min(len(ids), 1000))))
        async with ServiceGroup(config.startup_seconds, config.stop_seconds) as group:
            await group.start(system.processes(redis_url, 1))
            reads = await loadgen(base_url, "status", 1, config.http_requests, config.http_seconds, sample)
            pages = await loadgen(base_url, "list", 1, config.http_requests, config.http_seconds, None)
            group.release()
            await wait_finished(system, redis, group, size - config.growth_drain_jobs, config)
    timings = sorted(await system.timings(ids), key=lambda t: t.finished)
    first = timings[: config.growth_drain_jobs]
    window = first[-1].finished - min(t.started for t in first) if first else 0.0
    return {
        f"growth_{tag}_drain": len(first) / window if window > 0 else None,
        f"growth_{tag}_status_p50": reads["p50_ms"],
        f"growth_{tag}_status_p99": reads["p99_ms"],
        f"growth_{tag}_list_p50": pages["p50_ms"],
        f"growth_{tag}_list_p99": pages["p99_ms"],
    }


async def measure_growth(system: System, base_url: str, redis_url: str, redis: HarnessRedis, config: Config) -> Metrics:
    metrics: Metrics = {}
    small, large = config.growth_sizes
    for size, tag in ((small, "small"), (large, "large")):
        metrics.update(await measure_size(system, base_url, redis_url, redis, config, size, tag))
    for figure in ("drain", "status_p50", "status_p99", "list_p50", "list_p99"):
        low, high = metrics[f"growth_small_{figure}"], metrics[f"growth_large_{figure}"]
        metrics[f"growth_{figure}_ratio"] = high / low if low and high else None
    return metrics
