"""HTTP throughput and latency of submits and status reads, at 1 and many concurrent clients.

The load generator is a separate process (:mod:`bench.loadgen`). Status reads go first, over a
set of completed jobs (the worker finishes them, then is stopped); submits follow with no worker
running, so both measure the API and Redis alone.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

from bench.config import Config
from bench.phases.drain import wait_drained
from bench.procs import ServiceGroup
from bench.redisstats import HarnessRedis
from bench.systems.base import System, python_module

Metrics = dict[str, float | None]


class LoadgenError(RuntimeError):
    """The load generator failed, or its requests did."""


async def loadgen(
    base_url: str, mode: str, clients: int, requests: int, seconds: float, ids: Path | None
) -> dict[str, Any]:
    argv = python_module(
        "bench.loadgen",
        "--base-url",
        base_url,
        "--mode",
        mode,
        "--clients",
        str(clients),
        "--requests",
        str(requests),
        "--seconds",
        str(seconds),
    )
    if ids is not None:
        argv += ["--ids", str(ids)]
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), seconds + 30)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise LoadgenError(f"loadgen {mode} x{clients} did not finish") from None
    if proc.returncode != 0:
        raise LoadgenError(f"loadgen {mode} x{clients} failed: {err.decode()[-1500:]}")
    result: dict[str, Any] = json.loads(out)
    if result["errors"]:
        raise LoadgenError(f"loadgen {mode} x{clients}: requests failed: {result['errors']}")
    return result


def figures(prefix: str, result: dict[str, Any]) -> Metrics:
    return {
        f"{prefix}_rate": result["rate"],
        f"{prefix}_p50": result["p50_ms"],
        f"{prefix}_p99": result["p99_ms"],
    }


async def measure_http(system: System, base_url: str, redis_url: str, redis: HarnessRedis, config: Config) -> Metrics:
    metrics: Metrics = {}
    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
        ids_file = Path(tmp) / "ids.json"
        async with ServiceGroup(config.startup_seconds, config.stop_seconds) as group:
            await group.start(system.processes(redis_url, 1))
            group.release()
            ids = [await system.submit() for _ in range(config.http_status_jobs)]
            await wait_drained(system, redis, group, config)
            for worker in group.workers():
                await worker.stop(config.stop_seconds)
            ids_file.write_text(json.dumps(ids))
            for mode in ("status", "submit"):
                for clients in config.http_clients:
                    result = await loadgen(
                        base_url,
                        mode,
                        clients,
                        config.http_requests,
                        config.http_seconds,
                        ids_file if mode == "status" else None,
                    )
                    metrics.update(figures(f"http_{mode}_{clients}", result))
    return metrics
