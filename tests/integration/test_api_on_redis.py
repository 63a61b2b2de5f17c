"""The API in-process on a real redis-server, with its own lifespan: readiness and the seed's round trip."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.main import create_app
from cli.redis_server import RedisServer
from shared import keys
from shared.redis import create_redis
from shared.settings import Settings
from tests.conftest import FAST

pytestmark = pytest.mark.redis

SEED_REQUEST: dict[str, Any] = {
    "product_name": "Dove Body Wash",
    "brand": "Dove",
    "category": "cosmetics",
    "ingredients": ["Water", "Sodium Laureth Sulfate", "Fragrance"],
}


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan run, as uvicorn would, and a client talking to it in-process."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test", timeout=10) as client:
            yield client


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app(settings)) as found:
        yield found


async def test_submit_then_read_back_on_real_redis(client: httpx.AsyncClient, settings: Settings) -> None:
    submitted = await client.post("/api/v4/deep-research", json=SEED_REQUEST)
    assert submitted.status_code == 202
    job_id = submitted.json()["job_id"]
    body = (await client.get(submitted.headers["location"])).json()
    assert (body["job_id"], body["status"], body["progress"], body["result"]) == (job_id, "pending", 0, None)


async def test_lifespan_says_redis_connected_with_the_password_hidden(
    redis_factory: Callable[..., RedisServer], caplog: pytest.LogCaptureFixture
) -> None:
    server = redis_factory(extra=["--requirepass", "s3cret-pw-123"])
    settings = Settings(redis_url=f"redis://:s3cret-pw-123@127.0.0.1:{server.port}/0", pipeline="noop", **FAST)  # type: ignore[arg-type]
    caplog.set_level(logging.INFO, logger="api")
    async with running(create_app(settings)) as client:
        assert (await client.post("/api/v4/deep-research", json=SEED_REQUEST)).status_code == 202
    assert f"✅ Redis connected: redis://:****@127.0.0.1:{server.port}/0" in caplog.messages
    assert "s3cret-pw-123" not in caplog.text


class TestReadiness:
    async def test_not_ready_without_a_worker_and_says_so(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.headers["retry-after"]
        body = response.json()
        assert body["status"] == "not_ready"
        assert body["checks"]["redis"]["ok"] is True
        assert "warnings" not in body["checks"]["redis"]  # AOF on, noeviction: nothing to warn about
        assert body["checks"]["workers"]["ok"] is False
        assert "No worker heartbeat" in body["checks"]["workers"]["message"]

    async def test_ready_with_a_recent_heartbeat(self, client: httpx.AsyncClient, settings: Settings) -> None:
        await _beat(settings, time.time())
        response = await client.get("/readyz")
        assert response.status_code == 200, response.text
        assert response.json()["checks"]["workers"]["alive"] == 1

    async def test_a_stale_heartbeat_does_not_count(self, client: httpx.AsyncClient, settings: Settings) -> None:
        await _beat(settings, time.time() - settings.worker_heartbeat_stale_seconds - 5)
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert (
            response.json()["checks"]["workers"]["last_heartbeat_seconds_ago"] > settings.worker_heartbeat_stale_seconds
        )

    async def test_says_redis_is_the_failed_check_when_it_is_down(
        self, client: httpx.AsyncClient, redis_server: RedisServer
    ) -> None:
        redis_server.stop()
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.headers["retry-after"]
        checks = response.json()["checks"]
        assert checks["redis"]["ok"] is False
        assert "unreachable" in checks["redis"]["message"]
        assert checks["workers"]["ok"] is False

    async def test_warns_when_redis_keeps_nothing_on_disk(self, redis_factory: Callable[..., RedisServer]) -> None:
        server = redis_factory(appendonly=False)
        settings = Settings(redis_url=server.url, pipeline="noop", **FAST)  # type: ignore[arg-type]
        async with running(create_app(settings)) as client:
            await _beat(settings, time.time())
            response = await client.get("/readyz")
        warnings = response.json()["checks"]["redis"]["warnings"]
        assert any("appendonly" in warning for warning in warnings), warnings


async def _beat(settings: Settings, when: float) -> None:
    redis = create_redis(settings)
    try:
        await redis.zadd(keys.WORKERS, {"test-worker": when * 1000})
    finally:
        await redis.aclose()
