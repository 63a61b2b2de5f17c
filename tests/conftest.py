"""Fixtures: private redis-server processes, settings, stores (real and fake), real services.

Every fixture cleans up what it started, by PID; nothing here touches a Redis the tests did not
start.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import fakeredis
import pytest
from arq.connections import ArqRedis

from cli.redis_server import RedisServer
from shared.redis import create_redis
from shared.settings import Settings
from shared.store import JobStore
from tests.support.processes import ApiService, WorkerService

FAST = {
    "lease_seconds": 1.5,
    "reaper_interval_seconds": 0.3,
    "reconcile_interval_seconds": 0.5,
    "worker_poll_delay": 0.05,
    "shutdown_grace_seconds": 3.0,
    "retry_base_seconds": 0.05,
    "retry_max_seconds": 0.2,
    # Tests submit far faster than a client may; the rate-limit tests set their own limits.
    "rate_limit_submits_per_minute": 1_000_000,
    "rate_limit_reads_per_minute": 1_000_000,
}


@pytest.fixture
def redis_factory(tmp_path: Path) -> Iterator[Callable[..., RedisServer]]:
    started: list[RedisServer] = []

    def start(**kwargs: Any) -> RedisServer:
        server = RedisServer(tmp_path / f"redis-{len(started)}", **kwargs).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.kill()


@pytest.fixture
def redis_server(redis_factory: Callable[..., RedisServer]) -> RedisServer:
    return redis_factory()


@pytest.fixture
def settings(redis_server: RedisServer) -> Settings:
    return Settings(redis_url=redis_server.url, pipeline="noop", **FAST)  # type: ignore[arg-type]


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[ArqRedis]:
    client = create_redis(settings)
    yield client
    await client.aclose()


@pytest.fixture
def store(redis: ArqRedis, settings: Settings) -> JobStore:
    return JobStore(redis, settings)


@pytest.fixture
async def fake_store() -> AsyncIterator[JobStore]:
    client = fakeredis.FakeAsyncRedis()
    settings = Settings(redis_url="redis://fake:6379", pipeline="noop", **FAST)  # type: ignore[arg-type]
    yield JobStore(client, settings)
    await client.aclose()


def service_env(redis_url: str, **overrides: Any) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS", "ADMIN", "PIPELINE", "LOG_"))}
    env.update({k.upper(): str(v) for k, v in FAST.items()})
    env.update({"REDIS_URL": redis_url, "LOG_FORMAT": "json", "PYTHONUNBUFFERED": "1"})
    env.update({k.upper(): str(v) for k, v in overrides.items()})
    return env


class Stack:
    """Real API and worker processes against one Redis; everything started is stopped at teardown."""

    def __init__(self, tmp_path: Path, redis_url: str) -> None:
        self.tmp_path = tmp_path
        self.redis_url = redis_url
        self.services: list[ApiService | WorkerService] = []

    def env(self, **overrides: Any) -> dict[str, str]:
        return service_env(self.redis_url, **overrides)

    def api(self, port: int | None = None, **overrides: Any) -> ApiService:
        service = ApiService(self.env(**overrides), self.tmp_path / f"api-{len(self.services)}.log", port)
        self.services.append(service)
        return service.start()

    def worker(self, **overrides: Any) -> WorkerService:
        service = WorkerService(self.env(**overrides), self.tmp_path / f"worker-{len(self.services)}.log")
        self.services.append(service)
        return service.start()

    def logs(self) -> str:
        return "\n".join(service.log() for service in self.services)


@pytest.fixture
def stack(tmp_path: Path, redis_server: RedisServer) -> Iterator[Stack]:
    running = Stack(tmp_path, redis_server.url)
    yield running
    for service in running.services:
        service.kill()
