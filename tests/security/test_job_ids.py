"""Job ids are UUIDs, checked before anything reaches Redis: no key injection, no path tricks."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import httpx
import pytest

from api.main import create_app
from shared.settings import Settings
from tests.security.conftest import assert_error


class ExplodingStore:
    """A job store (and so a Redis client) that fails the test on any use at all."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the store was touched ({name}) before the input was validated")


@pytest.fixture
async def untouchable() -> httpx.AsyncClient:
    settings = Settings(redis_url="redis://never:6379", rate_limit_reads_per_minute=1)  # type: ignore[arg-type]
    app = create_app(settings)
    app.state.store = ExplodingStore()
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=5)


INJECTIONS = [
    "*",
    "job:*",
    "job%3A%2A",
    "%2A",
    "abc%0D%0AFLUSHALL%0D%0A",
    "%0d%0aDEL%20job:x",
    "%2E%2E",
    "%00",
    "{}",
    "null",
    "1 OR 1=1",
    "00000000-0000-0000-0000-00000000000g",
    "a" * 5000,
    "%F0%9F%A7%B4",
    "%FF%FE",
    f"{uuid4()}x",
    f"{uuid4()}%0D%0A",
]


@pytest.mark.parametrize("job_id", INJECTIONS)
@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_malformed_job_ids_are_422_with_no_redis_call(
    untouchable: httpx.AsyncClient, job_id: str, method: str
) -> None:
    path = f"/api/v4/job/{job_id}" if method == "GET" else f"/api/v4/job/{job_id}/cancel"
    async with untouchable as client:
        response = await client.request(method, path, headers={"X-API-Key": "anything"})
    assert_error(response, 422, "validation_error")


@pytest.mark.parametrize(
    "path",
    ["/api/v4/job/", "/api/v4/job", "/api/v4/job/a/b", "/api/v4/job/%2F", "/api/v4/job/..%2F..%2Fadmin%2Fcleanup-jobs"],
)
async def test_paths_that_match_no_route_are_404_with_no_redis_call(untouchable: httpx.AsyncClient, path: str) -> None:
    async with untouchable as client:
        response = await client.get(path)
    assert_error(response, 404, "not_found")


async def test_malformed_submit_is_refused_with_no_redis_call(untouchable: httpx.AsyncClient) -> None:
    async with untouchable as client:
        response = await client.post("/api/v4/deep-research", json={"product_name": "*", "ingredients": "job:*"})
    assert_error(response, 422, "validation_error")
