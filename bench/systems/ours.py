"""Our service doing the trivial job: the worker's ``noop`` pipeline, at queue level and over HTTP.

Queue level (:class:`OursQueue`) submits the way the API does, through ``shared``'s job store
(record, indexes and arq entry in one atomic write), and reads ``job:<uuid>`` as a client of the
store would. Over HTTP (:class:`OursHttp`) a real uvicorn process serves ``POST
/api/v4/deep-research`` and ``GET /api/v4/job/{id}``. Both run the real worker
(``worker.main.build_worker``), gated like the other systems' workers.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast
from uuid import uuid4

import httpx
import redis

from bench.gate import wait_for_go
from bench.redis_server import free_port
from bench.redisstats import HarnessRedis
from bench.systems.base import ProcSpec, Timing, python_module
from shared import keys, lifecycle
from shared.apikeys import hash_key, key_id
from shared.models import ResearchRequest
from shared.redis import create_redis
from shared.settings import Settings
from shared.store import JobStore

PIPELINE = "noop"
BODY: dict[str, Any] = {
    "product_name": "Bench Body Wash",
    "brand": "Bench",
    "category": "cosmetics",
    "ingredients": ["Water", "Sodium Laureth Sulfate", "Glycerin"],
}
API_KEY = "bench-client-key-0001"  # configured with API_KEYS, sent as X-API-Key, as in production
HEADERS = {"X-API-Key": API_KEY}
OWNER = key_id(hash_key(API_KEY))  # what the API stores as the owner of this key's jobs
QUEUE_CAP = 1_000_000  # the backpressure cap (MAX_QUEUED_JOBS) must not refuse the bench's backlog
NO_RATE_LIMIT = 1_000_000_000  # per minute: the load generator is one client on 127.0.0.1


def service_env(redis_url: str) -> dict[str, str]:
    """What the worker and API read from the environment (``shared.settings.Settings``)."""
    return {
        "REDIS_URL": redis_url,
        "PIPELINE": PIPELINE,
        "MAX_QUEUED_JOBS": str(QUEUE_CAP),
        "RATE_LIMIT_SUBMITS_PER_MINUTE": str(NO_RATE_LIMIT),
        "RATE_LIMIT_READS_PER_MINUTE": str(NO_RATE_LIMIT),
        "API_KEYS": API_KEY,
    }


def run_worker(argv: list[str]) -> None:
    """``worker.main.run`` with the bench's start gate after the worker's own startup hook."""
    import asyncio

    from shared.logs import setup_logging
    from worker.main import build_worker, wait_for_redis

    settings = Settings()
    setup_logging(settings, "worker")
    asyncio.run(wait_for_redis(settings))
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    worker = build_worker(settings)
    startup = worker.on_startup

    async def startup_then_gate(ctx: dict[str, Any]) -> None:
        if startup is not None:
            await startup(ctx)
        wait_for_go()

    worker.on_startup = startup_then_gate
    worker.run()


def epoch_ns(stamp: str) -> int:
    return int(datetime.fromisoformat(stamp).timestamp() * 1e9)


class OursQueue:
    """Submits through the job store; reads the stored record."""

    name = "ours"
    phases = frozenset({"latency", "drain", "research"})

    def __init__(self) -> None:
        self._store: JobStore | None = None
        self._sync: redis.Redis | None = None
        self._request = ResearchRequest.model_validate(BODY)

    def processes(self, redis_url: str, workers: int) -> list[ProcSpec]:
        argv = python_module("bench.worker", "ours")
        return [ProcSpec("worker", argv, env=service_env(redis_url)) for _ in range(workers)]

    async def open(self, redis_url: str) -> None:
        settings = Settings.model_validate({"redis_url": redis_url, "pipeline": PIPELINE, "max_queued_jobs": QUEUE_CAP})
        self._store = JobStore(create_redis(settings), settings)
        self._sync = redis.Redis.from_url(redis_url)

    async def close(self) -> None:
        if self._store is not None:
            await self._store.redis.aclose()
        if self._sync is not None:
            self._sync.close()

    @property
    def store(self) -> JobStore:
        if self._store is None:
            raise RuntimeError("OursQueue.open() was not called")
        return self._store

    @property
    def sync(self) -> redis.Redis:
        if self._sync is None:
            raise RuntimeError("OursQueue.open() was not called")
        return self._sync

    async def seed(self) -> str:
        """Store one pending job and its queue entry, as the API's submit does, without HTTP."""
        record = lifecycle.new_job(self._request, self.store.settings, job_id=uuid4(), owner=OWNER, pipeline=PIPELINE)
        await self.store.create(record)
        return str(record.job_id)

    async def submit(self) -> str:
        return await self.seed()

    def _record(self, job_id: str) -> dict[str, Any]:
        raw = cast(bytes | None, self.sync.get(keys.job(job_id)))
        if raw is None:
            raise RuntimeError(f"job {job_id} has no record")
        return cast(dict[str, Any], json.loads(raw))

    def probe(self, job_id: str) -> bool:
        status = self._record(job_id)["status"]
        if status in ("pending", "processing"):
            return False
        if status != "completed":
            raise RuntimeError(f"job {job_id} ended {status}")
        return True

    def started_ns(self, job_id: str) -> int:
        return epoch_ns(self._record(job_id)["started_at"])

    async def backlog(self, redis: HarnessRedis) -> int:
        return int(await redis.call("ZCARD", self.store.settings.queue_name))

    async def timings(self, job_ids: Sequence[str]) -> list[Timing]:
        found: list[Timing] = []
        for start in range(0, len(job_ids), 1000):
            chunk = job_ids[start : start + 1000]
            raws = await self.store.redis.mget([keys.job(j) for j in chunk])
            for job_id, raw in zip(chunk, raws, strict=True):
                record = json.loads(raw) if raw is not None else {}
                if record.get("status") == "completed":
                    started = epoch_ns(record["started_at"]) / 1e9
                    found.append(Timing(job_id, started, epoch_ns(record["completed_at"]) / 1e9))
        return found

    def record_key(self, job_id: str) -> str:
        return keys.job(job_id)


class OursHttp(OursQueue):
    """Submits with ``POST``, polls ``GET /api/v4/job/{id}``, against a uvicorn process."""

    name = "ours-http"
    phases = frozenset({"latency", "http", "growth"})

    def __init__(self) -> None:
        super().__init__()
        self.port = free_port()
        self._client: httpx.AsyncClient | None = None
        self._poller: httpx.Client | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def processes(self, redis_url: str, workers: int) -> list[ProcSpec]:
        api = ProcSpec(
            "api",
            python_module("cli", "api", "--host", "127.0.0.1", "--port", str(self.port)),
            env=service_env(redis_url),
            gated=False,
            ready_url=f"{self.base_url}/healthz",
        )
        return [api, *super().processes(redis_url, workers)]

    async def open(self, redis_url: str) -> None:
        await super().open(redis_url)
        self._client = httpx.AsyncClient(base_url=self.base_url, headers=HEADERS, timeout=10.0)
        self._poller = httpx.Client(base_url=self.base_url, headers=HEADERS, timeout=10.0)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
        if self._poller is not None:
            self._poller.close()
        await super().close()

    async def submit(self) -> str:
        assert self._client is not None, "OursHttp.open() was not called"
        response = await self._client.post("/api/v4/deep-research", json=BODY)
        if response.status_code != 202:
            raise RuntimeError(f"submit answered {response.status_code}: {response.text[:300]}")
        return str(response.json()["job_id"])

    @property
    def poller(self) -> httpx.Client:
        if self._poller is None:
            raise RuntimeError("OursHttp.open() was not called")
        return self._poller

    def probe(self, job_id: str) -> bool:
        assert self._poller is not None, "OursHttp.open() was not called"
        response = self._poller.get(f"/api/v4/job/{job_id}")
        if response.status_code != 200:
            raise RuntimeError(f"status answered {response.status_code}: {response.text[:300]}")
        status = response.json()["status"]
        if status in ("pending", "processing"):
            return False
        if status != "completed":
            raise RuntimeError(f"job {job_id} ended {status}")
        return True


class OursSse(OursHttp):
    """Submits with ``POST``, then follows ``GET /api/v4/job/{id}/events`` (SSE) to its end."""

    name = "ours-sse"
    phases = frozenset({"latency"})

    def wait(self, job_id: str, seconds: float) -> None:
        """Block until a frame says the job is terminal: the first ``state`` frame when it already
        is, else an ``end`` frame. Raise if it did not complete, or the stream ended first."""
        deadline = time.monotonic() + seconds
        with self.poller.stream("GET", f"/api/v4/job/{job_id}/events", timeout=seconds) as response:
            if response.status_code != 200:
                raise RuntimeError(f"events answered {response.status_code}")
            for line in response.iter_lines():
                if line.startswith("data:"):
                    status = json.loads(line.removeprefix("data:"))["status"]
                    if status == "completed":
                        return
                    if status not in ("pending", "processing"):
                        raise RuntimeError(f"job {job_id} ended {status}")
                if time.monotonic() > deadline:
                    break
        raise TimeoutError(f"job {job_id}: the event stream ended before the job did ({seconds} s)")
