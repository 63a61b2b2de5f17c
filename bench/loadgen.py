"""``python -m bench.loadgen``: an HTTP load generator, run as its own process.

``--clients`` coroutines share one connection pool (one connection each) and send requests back
to back until ``--requests`` are done or ``--seconds`` have passed. ``submit`` posts the trivial
request; ``status`` reads ``GET /api/v4/job/{id}`` over the ids in ``--ids`` (a JSON list);
``list`` reads the first page of ``GET /api/v4/jobs`` (50 jobs, newest first).
Prints one JSON object: requests, errors, seconds, rate (req/s), p50_ms, p99_ms.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench.stats import percentile
from bench.systems.ours import BODY, HEADERS

LIST_PAGE = 50


async def client_loop(
    http: httpx.AsyncClient,
    mode: str,
    ids: itertools.cycle[str] | None,
    budget: list[int],
    deadline: float,
    latencies: list[float],
    errors: list[str],
) -> None:
    while budget[0] > 0 and time.monotonic() < deadline:
        budget[0] -= 1
        began = time.perf_counter()
        if mode == "submit":
            response = await http.post("/api/v4/deep-research", json=BODY)
            ok = response.status_code == 202
        elif mode == "list":
            response = await http.get("/api/v4/jobs", params={"limit": LIST_PAGE})
            ok = response.status_code == 200 and len(response.json()["jobs"]) == LIST_PAGE
        else:
            assert ids is not None
            response = await http.get(f"/api/v4/job/{next(ids)}")
            ok = response.status_code == 200
        latencies.append((time.perf_counter() - began) * 1000)
        if not ok and len(errors) < 5:
            errors.append(f"{response.status_code}: {response.text[:200]}")


async def run(args: argparse.Namespace, job_ids: list[str]) -> dict[str, Any]:
    ids = itertools.cycle(job_ids) if job_ids else None
    limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
    latencies: list[float] = []
    errors: list[str] = []
    budget = [args.requests]
    async with httpx.AsyncClient(base_url=args.base_url, headers=HEADERS, limits=limits, timeout=10.0) as http:
        await http.get("/healthz")  # open one connection before the clock starts
        began = time.monotonic()
        deadline = began + args.seconds
        await asyncio.gather(
            *(client_loop(http, args.mode, ids, budget, deadline, latencies, errors) for _ in range(args.clients))
        )
        seconds = time.monotonic() - began
    return {
        "requests": len(latencies),
        "errors": errors,
        "seconds": seconds,
        "rate": len(latencies) / seconds if seconds > 0 else 0.0,
        "p50_ms": percentile(latencies, 50) if latencies else None,
        "p99_ms": percentile(latencies, 99) if latencies else None,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.loadgen")
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--mode", choices=("submit", "status", "list"), required=True)
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--ids", help="JSON list of job ids (status mode)")
    args = parser.parse_args(argv)
    job_ids: list[str] = json.loads(Path(args.ids).read_text()) if args.mode == "status" else []
    print(json.dumps(asyncio.run(run(args, job_ids))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
