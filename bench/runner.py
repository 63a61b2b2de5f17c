"""Runs every phase against every system, run after run, on one private Redis.

Runs are the outer loop, so each run measures all systems back to back and the ratios between
them come from the same minutes on the same machine.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.config import Config
from bench.phases.drain import DrainResult, measure_drain
from bench.phases.growth import measure_growth
from bench.phases.http import measure_http
from bench.phases.latency import measure_latency
from bench.phases.research import ResearchUnavailable, measure_research
from bench.procs import ServiceGroup
from bench.redisstats import HarnessRedis
from bench.stats import percentile
from bench.systems.base import System

Metrics = dict[str, float | None]


@dataclass
class Measured:
    """One system in one run: the table's figures, and details for the JSON dump."""

    metrics: Metrics = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    failed: bool = False


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


async def latency_metrics(system: System, redis_url: str, config: Config) -> Metrics:
    async with ServiceGroup(config.startup_seconds, config.stop_seconds) as group:
        await group.start(system.processes(redis_url, 1))
        group.release()
        result = await measure_latency(system, config)
    metrics: Metrics = {"latency_n": float(len(result.e2e_ms))}
    for pct in (50, 95, 99):
        metrics[f"pickup_p{pct}"] = percentile(result.pickup_ms, pct) if result.pickup_ms else None
        metrics[f"e2e_p{pct}"] = percentile(result.e2e_ms, pct) if result.e2e_ms else None
    return metrics


def drain_metrics(one: DrainResult, two: DrainResult) -> Metrics:
    per_job = None
    if one.done:
        cost_commands = one.enqueue_cost.commands / one.queued + one.work_cost.commands / one.done
        per_job = cost_commands
    trips = one.enqueue_cost.reads / one.queued + one.work_cost.reads / one.done if one.done else None
    cpu = (one.enqueue_cost.cpu_seconds / one.queued + one.work_cost.cpu_seconds / one.done) * 1e6 if one.done else None
    return {
        "drain1": one.rate,
        "drain1_done": float(one.done),
        "drain2": two.rate,
        "drain2_done": float(two.done),
        "scale_2v1": two.rate / one.rate if one.rate and two.rate else None,
        "cmds_per_job": per_job,
        "trips_per_job": trips,
        "redis_cpu_us": cpu,
        "worker_cpu_us": one.worker_cpu_seconds / one.done * 1e6 if one.done else None,
        "record_bytes": one.record_bytes,
        "rss_mb": max(one.worker_rss_bytes) / 2**20 if one.worker_rss_bytes else None,
    }


def drain_details(result: DrainResult) -> dict[str, Any]:
    def per_job(counts: dict[str, int], jobs: int) -> dict[str, float]:
        return {name: round(n / jobs, 3) for name, n in sorted(counts.items())} if jobs else {}

    return {
        "queued": result.queued,
        "done": result.done,
        "seconds": result.seconds,
        "enqueue_commands_per_job": per_job(result.enqueue_cost.by_command, result.queued),
        "work_commands_per_job": per_job(result.work_cost.by_command, result.done),
        "worker_rss_bytes": result.worker_rss_bytes,
    }


async def measure_or_note(system: System, redis_url: str, redis: HarnessRedis, config: Config, run: int) -> Measured:
    """Measure one system; if it breaks, say so in the table's notes and go on with the others
    (the command still exits non-zero, see :func:`failures`)."""
    await system.open(redis_url)
    try:
        return await measure_system(system, redis_url, redis, config, run)
    except Exception as exc:  # any failure of the system under test: reported, never hidden
        log(f"{system.name}: FAILED: {type(exc).__name__}: {exc}")
        await redis.call("FLUSHALL")
        reason = " ".join(f"{type(exc).__name__}: {exc}".split())  # one line, for the table's notes
        return Measured(notes=[f"FAILED in run {run + 1}: {reason[-600:]}"], failed=True)
    finally:
        await system.close()


def failures(runs: Sequence[dict[str, Measured]]) -> int:
    return sum(1 for run in runs for measured in run.values() if measured.failed)


def base_url(system: System) -> str:
    url = getattr(system, "base_url", None)
    if not isinstance(url, str):
        raise TypeError(f"{system.name} has HTTP phases but no base_url")
    return url


async def measure_system(system: System, redis_url: str, redis: HarnessRedis, config: Config, run: int = 0) -> Measured:
    measured = Measured()
    await redis.call("FLUSHALL")
    if "latency" in system.phases:
        log(f"{system.name}: latency, up to {config.latency_jobs} sequential jobs")
        measured.metrics.update(await latency_metrics(system, redis_url, config))
    if "drain" in system.phases:
        drains: list[DrainResult] = []
        for workers in (1, 2):
            await redis.call("FLUSHALL")
            log(f"{system.name}: drain {config.drain_jobs} jobs with {workers} worker(s)")
            drains.append(await measure_drain(system, redis_url, redis, config, workers))
        measured.metrics.update(drain_metrics(drains[0], drains[1]))
        measured.details = {f"drain_{d.workers}w": drain_details(d) for d in drains}
    if "http" in system.phases:
        await redis.call("FLUSHALL")
        log(f"{system.name}: HTTP submits and status reads at {config.http_clients} clients")
        measured.metrics.update(await measure_http(system, base_url(system), redis_url, redis, config))
    if "growth" in system.phases and run < config.growth_runs:
        log(f"{system.name}: growth, {config.growth_sizes[0]:,} vs {config.growth_sizes[1]:,} jobs")
        measured.metrics.update(await measure_growth(system, base_url(system), redis_url, redis, config))
    if "research" in system.phases:
        log(f"{system.name}: research pipeline CPU for {config.research_sizes} ingredients")
        try:
            measured.metrics.update(await measure_research(config))
        except ResearchUnavailable as exc:
            log(f"{system.name}: research CPU NOT MEASURED: {exc}")
            measured.notes.append(f"research pipeline CPU not measured: {exc}")
    await redis.call("FLUSHALL")
    return measured


async def run_all(systems: Sequence[System], redis_url: str, config: Config) -> list[dict[str, Measured]]:
    redis = HarnessRedis(redis_url)
    runs: list[dict[str, Measured]] = []
    try:
        for run in range(config.runs):
            log(f"run {run + 1} of {config.runs}")
            this_run: dict[str, Measured] = {}
            for system in systems:
                this_run[system.name] = await measure_or_note(system, redis_url, redis, config, run)
            runs.append(this_run)
    finally:
        await redis.close()
    return runs
