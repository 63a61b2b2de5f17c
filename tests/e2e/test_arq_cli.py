"""arq's own CLI can run our workers too (``arq worker.main.WorkerSettings``)."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from cli.redis_server import RedisServer
from shared import keys, lifecycle
from shared.models import JobStatus, ResearchRequest
from shared.settings import Settings
from shared.store import JobStore
from tests.conftest import service_env

pytestmark = [pytest.mark.redis, pytest.mark.e2e]


async def test_arq_cli_with_worker_settings_runs_queued_jobs(
    store: JobStore, settings: Settings, redis_server: RedisServer
) -> None:
    request = ResearchRequest(product_name="Via arq", ingredients=["Water"])
    jobs = [lifecycle.new_job(request, settings, job_id=uuid.uuid4()) for _ in range(3)]
    for job in jobs:
        await store.create(job)
    arq = Path(sys.executable).with_name("arq")
    done = subprocess.run(
        [str(arq), "worker.main.WorkerSettings", "--burst"],
        env=service_env(redis_server.url, pipeline="noop"),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    for job in jobs:
        final = await store.get(job.job_id)
        assert final is not None
        assert final.status is JobStatus.COMPLETED
    assert await store.redis.zcard(keys.status_index("completed")) == 3
