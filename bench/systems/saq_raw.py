"""Raw SAQ: the trivial job through a ``RedisQueue`` and a ``Worker`` process, defaults kept.

SAQ keeps every unfinished job in the ``saq:<queue>:incomplete`` sorted set (``ZCARD`` is the
backlog) and the job record, JSON, at ``saq:job:<queue>:<key>`` (600 s after it finishes).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Sequence
from typing import Any, cast

import redis
from saq import Queue, Worker
from saq.queue.redis import RedisQueue

from bench.gate import wait_for_go
from bench.redisstats import HarnessRedis
from bench.systems.base import ProcSpec, Timing, python_module

QUEUE = "default"


async def noop(ctx: Any) -> int:
    """The trivial job: returns at once, with the time it started."""
    return time.time_ns()


async def _sweep_then_gate(ctx: Any) -> None:
    """SAQ's worker sweeps its active list as it starts; a job dequeued in that same instant,
    before its ``active`` status lands, is swept as stuck and aborted (seen here). A real worker
    starts long before work arrives, so the startup sweep runs here, before the gate opens; it
    takes SAQ's own 60 s sweep lock, so the sweep after startup is the no-op it would be."""
    worker = ctx["worker"]
    await worker.queue.sweep()
    wait_for_go()


def run_worker(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench.worker saq_raw")
    parser.add_argument("--redis-url", required=True)
    args = parser.parse_args(argv)
    queue = Queue.from_url(args.redis_url, name=QUEUE)
    worker: Worker[Any] = Worker(queue, functions=[noop], startup=_sweep_then_gate)
    asyncio.run(worker.start())


class SaqRaw:
    """SAQ as its docs show it: ``queue.enqueue("noop")``, a ``Worker`` process."""

    phases = frozenset({"latency", "drain"})

    def __init__(self, name: str = "saq") -> None:
        self.name = name
        self._queue: RedisQueue | None = None
        self._sync: redis.Redis | None = None

    def processes(self, redis_url: str, workers: int) -> list[ProcSpec]:
        argv = python_module("bench.worker", "saq_raw", "--redis-url", redis_url)
        return [ProcSpec("worker", argv) for _ in range(workers)]

    async def open(self, redis_url: str) -> None:
        queue = Queue.from_url(redis_url, name=QUEUE)
        if not isinstance(queue, RedisQueue):
            raise RuntimeError(f"SAQ gave a {type(queue).__name__} for a redis:// URL")
        await queue.connect()
        self._queue = queue
        self._sync = redis.Redis.from_url(redis_url)

    async def close(self) -> None:
        if self._queue is not None:
            await self._queue.disconnect()
        if self._sync is not None:
            self._sync.close()

    @property
    def queue(self) -> RedisQueue:
        if self._queue is None:
            raise RuntimeError("SaqRaw.open() was not called")
        return self._queue

    @property
    def sync(self) -> redis.Redis:
        if self._sync is None:
            raise RuntimeError("SaqRaw.open() was not called")
        return self._sync

    async def submit(self) -> str:
        job = await self.queue.enqueue("noop")
        if job is None:
            raise RuntimeError("SAQ refused a new job")
        return job.key

    def _record(self, job_id: str) -> dict[str, Any]:
        raw = cast(bytes | None, self.sync.get(self.record_key(job_id)))
        if raw is None:
            raise RuntimeError(f"SAQ job {job_id} has no record")
        return cast(dict[str, Any], json.loads(raw))

    def probe(self, job_id: str) -> bool:
        record = self._record(job_id)
        status = record.get("status")
        if status in ("new", "queued", "active"):
            return False
        if status != "complete":
            raise RuntimeError(f"SAQ job {job_id} ended {status}: {record.get('error')}")
        return True

    def started_ns(self, job_id: str) -> int:
        return int(self._record(job_id)["result"])

    async def backlog(self, redis: HarnessRedis) -> int:
        return int(await redis.call("ZCARD", f"saq:{QUEUE}:incomplete"))

    async def timings(self, job_ids: Sequence[str]) -> list[Timing]:
        found: list[Timing] = []
        for start in range(0, len(job_ids), 1000):
            chunk = job_ids[start : start + 1000]
            raws = await self.queue.redis.mget([self.record_key(j) for j in chunk])
            for job_id, raw in zip(chunk, raws, strict=True):
                record = json.loads(raw) if raw is not None else {}
                if record.get("status") == "complete":
                    started, finished = record["started"] / 1000, record["completed"] / 1000
                    found.append(Timing(job_id, started, finished))
        return found

    def record_key(self, job_id: str) -> str:
        return f"saq:job:{QUEUE}:{job_id}"
