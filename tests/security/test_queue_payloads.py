"""The worker trusts only JSON that fits the shared models: bad queue entries fail alone.

Tampered entries are written straight into arq's queue next to a real job; a real worker process
must drop each one cleanly (no pickle is ever loaded), run the real job, and keep running.
"""

from __future__ import annotations

import json
import pickle
import time
import uuid

import httpx
import pytest
from arq.jobs import serialize_job
from redis import Redis

from shared import keys, queue
from shared.settings import Settings
from tests.conftest import Stack
from tests.security.conftest import SEED, SUBMIT
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.redis, pytest.mark.e2e]


class Exploit:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (print, ("pickle payload executed",))


def arq_bytes(function: str, *args: object) -> bytes:
    return serialize_job(function, args, {}, 1, int(time.time() * 1000), serializer=queue.dumps)


TAMPERED: dict[str, bytes] = {
    "not_json": b"\x00\x01 definitely not json",
    "pickle": pickle.dumps(Exploit()),
    "json_not_a_job": json.dumps(["run_job"]).encode(),
    "unknown_function": arq_bytes("os_system", {"job_id": str(uuid.uuid4())}),
    "payload_not_a_uuid": arq_bytes(queue.TASK_NAME, {"job_id": "job:*"}),
    "payload_extra_field": arq_bytes(queue.TASK_NAME, {"job_id": str(uuid.uuid4()), "pipeline": "rm -rf"}),
    "payload_a_string": arq_bytes(queue.TASK_NAME, "job:*"),
    "payload_no_such_job": arq_bytes(queue.TASK_NAME, {"job_id": str(uuid.uuid4())}),
}


def test_tampered_queue_entries_fail_alone_and_the_worker_keeps_working(stack: Stack, settings: Settings) -> None:
    redis = Redis.from_url(settings.redis_url.get_secret_value())
    try:
        now = int(time.time() * 1000)
        for name, raw in TAMPERED.items():
            redis.set(keys.arq_job(f"tampered-{name}"), raw, px=600_000)
            redis.zadd(settings.queue_name, {f"tampered-{name}": now})
        worker = stack.worker(pipeline="noop")
        api = stack.api(pipeline="noop")

        job = httpx.post(f"{api.url}{SUBMIT}", json=SEED, timeout=10).json()["job_id"]

        def status() -> str:
            return str(httpx.get(f"{api.url}/api/v4/job/{job}", timeout=5).json()["status"])

        assert wait_until(status, lambda s: s in {"completed", "failed"}, timeout=30) == "completed"
        wait_until(
            lambda: [name for name in TAMPERED if redis.zscore(settings.queue_name, f"tampered-{name}") is not None],
            lambda left: not left,
            timeout=20,
        )
        assert worker.alive()
        job = httpx.post(f"{api.url}{SUBMIT}", json=SEED, timeout=10).json()["job_id"]  # and the next one too
        assert wait_until(status, lambda s: s in {"completed", "failed"}, timeout=30) == "completed"
        log = stack.logs()
        assert "pickle payload executed" not in log
        assert "rejected: malformed payload" in log
    finally:
        redis.close()
