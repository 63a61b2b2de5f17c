"""Redis goes away mid-run: the API answers 503 with Retry-After (never a 500, never a hang) and
everything recovers by itself when Redis comes back on the same port with its AOF data."""

from __future__ import annotations

import os
import signal
import time

import httpx
import pytest

from cli.redis_server import RedisServer
from tests.conftest import Stack
from tests.e2e.helpers import NOOP, PACED, SEED_REQUEST, TIMEOUT, assert_no_pickle, follow, status, submit
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.redis, pytest.mark.e2e]


def bounded(method: str, url: str, **kwargs: object) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = httpx.request(method, url, timeout=TIMEOUT, **kwargs)  # type: ignore[arg-type]
    return response, time.monotonic() - started


def test_redis_down_gives_503_then_recovers(stack: Stack, redis_server: RedisServer) -> None:
    api = stack.api(**PACED)
    worker = stack.worker(**PACED)
    before = submit(api.url)
    assert follow(api.url, before)[-1]["status"] == "completed"
    running = submit(api.url)
    wait_until(lambda: status(api.url, running)["status"], lambda s: s == "processing")

    redis_server.stop()  # a clean shutdown: the AOF keeps what Redis acknowledged

    calls = [
        ("GET", f"{api.url}/api/v4/job/{before}", {}),
        ("GET", f"{api.url}/api/v4/job/{running}", {}),
        ("POST", f"{api.url}/api/v4/deep-research", {"json": SEED_REQUEST}),
        ("GET", f"{api.url}/readyz", {}),
    ]
    for _ in range(2):
        for method, url, kwargs in calls:
            response, elapsed = bounded(method, url, **kwargs)
            assert response.status_code == 503, (url, response.status_code, response.text)
            assert int(response.headers["retry-after"]) > 0
            assert elapsed < TIMEOUT
            if url.endswith("/readyz"):
                assert response.json()["checks"]["redis"]["ok"] is False  # it says which check failed
            else:
                assert response.json()["error"]["code"] == "redis_unavailable"
    assert httpx.get(f"{api.url}/healthz", timeout=TIMEOUT).status_code == 200
    assert api.alive()
    assert worker.alive()

    redis_server.start()  # same port, same data directory

    recovered = wait_until(
        lambda: httpx.get(f"{api.url}/api/v4/job/{before}", timeout=TIMEOUT), lambda r: r.status_code == 200
    )
    assert recovered.json()["status"] == "completed"  # the data survived the restart
    assert follow(api.url, running)[-1]["status"] == "completed"  # the interrupted job finishes
    after = submit(api.url)
    assert follow(api.url, after)[-1]["status"] == "completed"
    assert worker.alive()
    assert '"status": 500' not in api.log()
    assert_no_pickle(redis_server.url)


def test_the_api_starts_without_redis_and_recovers_when_it_appears(stack: Stack, redis_server: RedisServer) -> None:
    redis_server.stop()
    api = stack.api(**NOOP)
    response, elapsed = bounded("GET", f"{api.url}/api/v4/job/00000000-0000-4000-8000-000000000000")
    assert response.status_code == 503
    assert elapsed < TIMEOUT
    assert "Redis connection failed" in api.log()

    redis_server.start()
    stack.worker(**NOOP)
    job_id = wait_until(
        lambda: httpx.post(f"{api.url}/api/v4/deep-research", json=SEED_REQUEST, timeout=TIMEOUT),
        lambda r: r.status_code == 202,
    ).json()["job_id"]
    assert follow(api.url, job_id)[-1]["status"] == "completed"


def test_a_frozen_redis_gives_503_within_the_socket_timeouts_not_a_hang(
    stack: Stack, redis_server: RedisServer
) -> None:
    """Redis that accepts connections but never answers (SIGSTOP: a stalled or overloaded server)."""
    socket_timeout = 0.5
    api = stack.api(redis_socket_timeout=socket_timeout, redis_connect_timeout=socket_timeout, **NOOP)
    job_id = submit(api.url)
    assert redis_server.process is not None
    os.kill(redis_server.process.pid, signal.SIGSTOP)
    try:
        # A call may be tried three times (two retries), each bounded by the socket timeout.
        bound = 3 * socket_timeout + 1.5
        for method, url, kwargs in [
            ("GET", f"{api.url}/api/v4/job/{job_id}", {}),
            ("POST", f"{api.url}/api/v4/deep-research", {"json": SEED_REQUEST}),
            ("GET", f"{api.url}/readyz", {}),
        ]:
            response, elapsed = bounded(method, url, **kwargs)
            assert response.status_code == 503, (url, response.text)
            assert response.headers["retry-after"]
            assert elapsed < bound, (url, elapsed)
    finally:
        os.kill(redis_server.process.pid, signal.SIGCONT)
    recovered = wait_until(
        lambda: httpx.get(f"{api.url}/api/v4/job/{job_id}", timeout=TIMEOUT), lambda r: r.status_code == 200
    )
    assert recovered.json()["status"] == "pending"
