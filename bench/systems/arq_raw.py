"""Raw arq 0.28: the trivial job with arq's defaults, or with ``poll_delay`` tuned down.

arq keeps a job in the ``arq:queue`` sorted set until it finishes, so ``ZCARD`` is the backlog;
the result (pickled) stays at ``arq:result:<id>`` for ``keep_result`` (3600 s by default).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from typing import Any, cast

import redis
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.constants import default_queue_name, result_key_prefix
from arq.jobs import deserialize_result
from arq.worker import Worker

from bench.gate import wait_for_go
from bench.redisstats import HarnessRedis
from bench.systems.base import ProcSpec, Timing, python_module


async def noop(ctx: dict[str, Any]) -> int:
    """The trivial job: returns at once, with the time it started."""
    return time.time_ns()


async def _gate(ctx: dict[str, Any]) -> None:
    wait_for_go()


def run_worker(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench.worker arq_raw")
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--poll-delay", type=float, default=None, help="arq default: 0.5 s")
    args = parser.parse_args(argv)
    options: dict[str, Any] = {}
    if args.poll_delay is not None:
        options["poll_delay"] = args.poll_delay
    worker = Worker(
        functions=[noop],
        redis_settings=RedisSettings.from_dsn(args.redis_url),
        on_startup=_gate,
        **options,
    )
    worker.run()


class ArqRaw:
    """arq as its docs show it: ``enqueue_job`` on a pool, a ``Worker`` process."""

    phases = frozenset({"latency", "drain"})

    def __init__(self, name: str, poll_delay: float | None = None) -> None:
        self.name = name
        self.poll_delay = poll_delay
        self._pool: ArqRedis | None = None
        self._sync: redis.Redis | None = None

    def processes(self, redis_url: str, workers: int) -> list[ProcSpec]:
        args = ["arq_raw", "--redis-url", redis_url]
        if self.poll_delay is not None:
            args += ["--poll-delay", str(self.poll_delay)]
        return [ProcSpec("worker", python_module("bench.worker", *args)) for _ in range(workers)]

    async def open(self, redis_url: str) -> None:
        self._pool = await create_pool(RedisSettings.from_dsn(redis_url))
        self._sync = redis.Redis.from_url(redis_url)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()
        if self._sync is not None:
            self._sync.close()

    @property
    def pool(self) -> ArqRedis:
        if self._pool is None:
            raise RuntimeError("ArqRaw.open() was not called")
        return self._pool

    @property
    def sync(self) -> redis.Redis:
        if self._sync is None:
            raise RuntimeError("ArqRaw.open() was not called")
        return self._sync

    async def submit(self) -> str:
        job = await self.pool.enqueue_job("noop")
        if job is None:
            raise RuntimeError("arq refused a new job id")
        return job.job_id

    def probe(self, job_id: str) -> bool:
        raw = cast(bytes | None, self.sync.get(self.record_key(job_id)))
        if raw is None:
            return False
        result = deserialize_result(raw)
        if not result.success:
            raise RuntimeError(f"arq job {job_id} failed: {result.result!r}")
        return True

    def started_ns(self, job_id: str) -> int:
        raw = cast(bytes | None, self.sync.get(self.record_key(job_id)))
        if raw is None:
            raise RuntimeError(f"arq job {job_id} has no result")
        return int(deserialize_result(raw).result)

    async def backlog(self, redis: HarnessRedis) -> int:
        return int(await redis.call("ZCARD", default_queue_name))

    async def timings(self, job_ids: Sequence[str]) -> list[Timing]:
        found: list[Timing] = []
        for start in range(0, len(job_ids), 1000):
            chunk = job_ids[start : start + 1000]
            raws = await self.pool.mget([self.record_key(j) for j in chunk])
            for job_id, raw in zip(chunk, raws, strict=True):
                if raw is not None:
                    result = deserialize_result(raw)
                    started, finished = result.start_time, result.finish_time
                    found.append(Timing(job_id, started.timestamp(), finished.timestamp()))
        return found

    def record_key(self, job_id: str) -> str:
        return result_key_prefix + job_id
