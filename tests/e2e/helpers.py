"""What the end-to-end tests share: a small client of the seed's API and a Redis inspector."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Final

import httpx
import redis

from tests.support.waiting import wait_until

SEED_REQUEST: Final[dict[str, Any]] = {
    "product_name": "Dove Body Wash",
    "brand": "Dove",
    "category": "cosmetics",
    "ingredients": ["Water", "Sodium Laureth Sulfate", "Fragrance"],
}
PACED: Final[dict[str, Any]] = {"pipeline": "paced", "extra_pipelines": "tests.e2e.pipelines:PIPELINES"}
NOOP: Final[dict[str, Any]] = {"pipeline": "noop"}
TERMINAL: Final = {"completed", "failed", "cancelled"}
TIMEOUT: Final = 5.0
"""Every request is bounded: a hang fails the test instead of stalling it."""

View = dict[str, Any]


def submit(base_url: str, body: dict[str, Any] | None = None) -> str:
    response = httpx.post(f"{base_url}/api/v4/deep-research", json=body or SEED_REQUEST, timeout=TIMEOUT)
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job_id"]
    return job_id


def status(base_url: str, job_id: str) -> View:
    response = httpx.get(f"{base_url}/api/v4/job/{job_id}", timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    view: View = response.json()
    return view


def follow(base_url: str, job_id: str, timeout: float = 30.0) -> list[View]:
    """Poll a job until it ends; every distinct state seen, in order."""
    seen: list[View] = []

    def probe() -> View:
        view = status(base_url, job_id)
        if not seen or view != seen[-1]:
            seen.append(view)
        return view

    wait_until(probe, lambda view: view["status"] in TERMINAL, timeout=timeout, every=0.03)
    return seen


def wait_finished(base_url: str, job_ids: list[str], timeout: float = 30.0) -> dict[str, str]:
    def probe() -> dict[str, str]:
        return {job_id: status(base_url, job_id)["status"] for job_id in job_ids}

    return wait_until(probe, lambda found: set(found.values()) <= TERMINAL, timeout=timeout, every=0.1)


def sync_redis(url: str) -> Any:
    """A plain client. Typed Any: redis-py types every sync reply as ``Awaitable | Any``."""
    return redis.Redis.from_url(url, socket_timeout=TIMEOUT)


def every_value(client: Any) -> Iterator[tuple[str, bytes]]:
    """Every stored value (and hash field, set or sorted-set member) of every key."""
    for key in client.scan_iter(count=1000):
        name = key.decode()
        kind = client.type(key).decode()
        if kind == "string":
            yield name, client.get(key) or b""
        elif kind == "hash":
            for field, value in client.hgetall(key).items():
                yield from ((name, field), (name, value))
        elif kind == "stream":
            for _, fields in client.xrange(key):
                for field, value in fields.items():
                    yield from ((name, field), (name, value))
        elif kind == "zset":
            yield from ((name, member) for member in client.zrange(key, 0, -1))
        elif kind == "list":
            yield from ((name, item) for item in client.lrange(key, 0, -1))
        elif kind == "set":
            yield from ((name, member) for member in client.smembers(key))


def assert_no_pickle(url: str) -> list[str]:
    """No value in this Redis is pickled, and arq's job entries are JSON. Returns the keys read."""
    client = sync_redis(url)
    try:
        values = list(every_value(client))
        for name, value in values:
            assert not value.startswith(b"\x80"), f"{name} holds pickle bytes: {value[:40]!r}"
            if name.startswith(("arq:job:", "arq:result:")):
                entry = json.loads(value)
                assert isinstance(entry, dict), name
            if name.startswith("job:") and name.count(":") == 1:
                assert json.loads(value)["job_id"] == name.removeprefix("job:")
        assert values, "nothing in Redis to check"
        return sorted({name for name, _ in values})
    finally:
        client.close()


def research_pipeline_error() -> str | None:
    """Why the real research pipeline cannot run the seed's request offline, or None if it can."""
    import asyncio

    from shared.models import ResearchRequest
    from worker.pipeline.local import run_locally
    from worker.pipelines import steps_for

    try:
        asyncio.run(run_locally(steps_for("deep_research"), ResearchRequest.model_validate(SEED_REQUEST)))
    except Exception as exc:  # any failure means: not usable here; the caller says which
        return f"{type(exc).__name__}: {exc}"
    return None
