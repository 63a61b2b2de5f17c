"""Workers die, freeze and restart; jobs finish anyway, resumed from their checkpoints."""

from __future__ import annotations

import collections
import signal
import time

import pytest

from tests.reliability.conftest import Chaos, status, submit
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.redis, pytest.mark.e2e]


def test_killed_worker_job_resumes_from_checkpoint_within_seconds(chaos: Chaos) -> None:
    client = chaos.api()
    first = chaos.worker()
    job = submit(client, "sleep=0.6")
    wait_until(lambda: status(client, job), lambda s: "s2" in s["current_step"] if s["current_step"] else False)
    wait_until(chaos.runs, lambda runs: len(runs) >= 2, timeout=10)
    killed_at = time.monotonic()
    first.kill()
    chaos.worker()
    done = wait_until(lambda: status(client, job), lambda s: s["status"] == "completed", timeout=30)
    recovery = time.monotonic() - killed_at
    print(f"\nrecovered and finished {recovery:.1f} s after SIGKILL (lease 1.5 s, 4 steps of 0.6 s)")
    steps = collections.Counter(step for job_id, step, _ in chaos.runs() if job_id == job)
    assert steps["s1"] == 1, steps  # finished before the kill: resumed from the checkpoint
    assert steps["s4"] == 1
    assert done["attempts"] == 2
    assert done["progress"] == 100


def test_sigterm_releases_the_job_to_another_worker_without_counting_a_crash(chaos: Chaos) -> None:
    client = chaos.api()
    first = chaos.worker(shutdown_grace_seconds=0.1)
    second = None
    job = submit(client, "sleep=0.8")
    wait_until(lambda: status(client, job), lambda s: s["status"] == "processing")
    first.signal(signal.SIGTERM)
    assert first.process is not None
    first.process.wait(15)
    second = chaos.worker()
    done = wait_until(lambda: status(client, job), lambda s: s["status"] == "completed", timeout=30)
    assert done["attempts"] == 2
    assert "released" in first.log() or "requeued (released" in first.log()
    assert second.alive()


def test_frozen_worker_cannot_overwrite_the_attempt_that_replaced_it(chaos: Chaos) -> None:
    client = chaos.api()
    frozen = chaos.worker()
    job = submit(client, "sleep=0.5")
    wait_until(lambda: status(client, job), lambda s: s["status"] == "processing")
    frozen.signal(signal.SIGSTOP)
    try:
        chaos.worker()
        seen = []

        def probe() -> dict[str, object]:
            current = status(client, job)
            seen.append((current["status"], current["progress"]))
            return current

        wait_until(probe, lambda s: s["status"] == "completed", timeout=30)
    finally:
        frozen.signal(signal.SIGCONT)
    # The stale worker wakes up mid-step and tries to write: every write must be refused, and it
    # stops the job (its lease watcher sees the lease gone, or its next write is rejected).
    wait_until(lambda: frozen.log(), lambda log: "superseded" in log or "taken away" in log, timeout=30)
    after = status(client, job)
    assert after["status"] == "completed"
    assert after["progress"] == 100
    finished = [i for i, (s, _) in enumerate(seen) if s == "completed"]
    assert all(s == "completed" for s, _ in seen[finished[0] :]), seen


def test_worker_survives_a_redis_restart_and_carries_on(chaos: Chaos, redis_server) -> None:  # type: ignore[no-untyped-def]
    client = chaos.api()
    worker = chaos.worker()
    before = submit(client)
    wait_until(lambda: status(client, before), lambda s: s["status"] == "completed")
    redis_server.stop()
    answers = [client.get(f"/api/v4/job/{before}").status_code for _ in range(3)]
    assert set(answers) == {503}, answers
    redis_server.start()
    after = wait_until(lambda: client.get(f"/api/v4/job/{before}"), lambda r: r.status_code == 200, timeout=20)
    assert after.json()["status"] == "completed"  # AOF kept it
    job = submit(client)
    wait_until(lambda: status(client, job), lambda s: s["status"] == "completed", timeout=30)
    assert worker.alive()
